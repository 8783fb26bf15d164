// domain/billing/plans.h
//
// The app's plans, from its billing config file (`--billing-config`, JSON): which provider
// prices exist, what each is sold as, and which features a subscription to it enables.
//
//   {
//     "plans": [
//       { "id": "pro-monthly", "provider": "stripe", "price_id": "price_123",
//         "mode": "subscription",            // or "payment" (one-off); default subscription
//         "per_seat": true,                  // quantity = the team's member count at checkout
//         "meter": "api_calls",              // Stripe meter event name for a metered price
//         "features": ["export", { "name": "ai_tokens", "usage_limit": 100000 }] }
//     ]
//   }
//
// Uses: the checkout endpoint only sells configured prices; every subscription written from
// a webhook gets its subscription_features rows from the plans its items' prices belong to
// (has_feature_access follows); report_usage finds a metered item's meter. Without a config
// file there are no plans: checkout answers 404 and subscription_features is left to the app.
//
// Thread-safety: immutable after loading.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace tb::billing {

struct PlanFeature {
  std::string name;
  std::optional<int64_t> usage_limit;  // nullopt = unlimited
};

struct Plan {
  std::string id;
  std::string provider;  // the seed's billing_provider value: stripe | lemon-squeezy | paddle
  std::string price_id;
  std::string mode = "subscription";  // subscription | payment
  bool per_seat = false;
  std::string meter;  // "" = none
  std::vector<PlanFeature> features;
};

class Plans {
 public:
  Plans() = default;
  explicit Plans(std::vector<Plan> plans) : plans_(std::move(plans)) {}

  // Parses the config file's text; kInvalidArgument naming the plan and field otherwise
  // (unknown fields are refused, so a typo does not silently sell the wrong thing).
  static Result<Plans> Parse(std::string_view json);
  static Result<Plans> Load(const std::string& path);

  bool empty() const { return plans_.empty(); }
  const std::vector<Plan>& all() const { return plans_; }
  const Plan* ById(std::string_view id) const;
  const Plan* ByPrice(std::string_view provider, std::string_view price_id) const;

 private:
  std::vector<Plan> plans_;
};

}  // namespace tb::billing
