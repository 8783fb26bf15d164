// api/billing/webhooks.h
//
// POST /billing/v1/webhooks/{stripe|lemon-squeezy|paddle}: the payment providers' events,
// verified with the provider's secret before anything else reads the body, mapped to the
// seed's billing rows (domain/billing/) in one transaction.
//
//   404  the provider has no secret configured (or is not one of the three)
//   400  bad or missing signature, stale timestamp, malformed JSON, an event that can never
//        apply (names an account that does not exist) — nothing written, one log line
//   500  processing failed (store error, a customer not linked yet): rolled back, so the
//        provider's retry is processed afresh
//   200  processed, a duplicate, an older event than the stored state, or a type not handled
//
// Thread-safety: handlers only read the immutable BillingContext.
#pragma once

#include <chrono>
#include <string>

#include "base/clock.h"
#include "http/request.h"
#include "http/response.h"
#include "store/store.h"

namespace tb::api::billing {

struct BillingContext {
  store::Store* store = nullptr;
  const Clock* clock = nullptr;
  std::string stripe_secret;         // TENANTBASE_STRIPE_WEBHOOK_SECRET; "" = endpoint off
  std::string lemon_squeezy_secret;  // TENANTBASE_LEMON_SQUEEZY_WEBHOOK_SECRET
  std::string paddle_secret;         // TENANTBASE_PADDLE_WEBHOOK_SECRET
  std::chrono::seconds stripe_tolerance{300};
  std::chrono::seconds paddle_tolerance{300};  // TENANTBASE_PADDLE_WEBHOOK_TOLERANCE
};

http::Response ReceiveWebhook(http::Request& request, const BillingContext& context);

}  // namespace tb::api::billing
