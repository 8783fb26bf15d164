// domain/billing/usage.h
//
// report_usage(account_id, quantity, feature): usage of a metered item, reported by the
// server (service_role) and pushed to the provider the way seat quantities are — a row in
// kit_billing_usage and a job in kit_billing_jobs, in the caller's transaction, sent by the
// billing worker (provider_jobs.h) with retries.
//
// The item: the account's metered items on active subscriptions; with `feature`, those
// whose plan (plans.h) names it as its meter or among its features (without a config, any);
// exactly one must remain. The Stripe meter's event name is the plan's `meter`, else the
// feature. Paddle has no usage API, so its subscriptions are refused.
//
// Failures (as a plpgsql function would raise them): 42501 unless service_role;
// 22023 for a quantity < 1, several candidate items, or a Stripe item without a meter name;
// P0001 when no active metered item matches; 0A000 for Paddle.
//
// Thread-safety: a plain function over the caller's transaction.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/result.h"
#include "domain/billing/plans.h"
#include "store/store.h"

namespace tb::billing {

// Returns the kit_billing_usage row: id, account_id, subscription_id, subscription_item_id,
// feature, quantity, created_at.
Result<store::Rows> ReportUsage(store::Transaction& txn, bool service_role, std::string_view account_id,
                                int64_t quantity, std::string_view feature, const Plans& plans);

}  // namespace tb::billing
