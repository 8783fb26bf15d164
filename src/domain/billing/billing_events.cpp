#include "domain/billing/billing_events.h"

namespace tb::billing {

std::string_view ProviderName(Provider provider) {
  switch (provider) {
    case Provider::kStripe: return "stripe";
    case Provider::kLemonSqueezy: return "lemon-squeezy";
    case Provider::kPaddle: return "paddle";
  }
  return "stripe";
}

}  // namespace tb::billing
