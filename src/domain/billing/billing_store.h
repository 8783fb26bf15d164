// domain/billing/billing_store.h
//
// Writes a provider's Event into the seed's billing tables, in the caller's transaction
// (the webhook handler's, run as the server):
//
//   - Idempotent: the event id is recorded first (kit_billing_events); a redelivered event
//     is a Duplicate and changes nothing.
//   - Order-safe: each subscription and order remembers the provider time of the event its
//     state came from (kit_billing_versions); an older event is Stale and changes nothing.
//   - The seed's upsert_subscription / upsert_order: the row and its complete item set
//     replace what was stored (items keyed by price: a changed price replaces the plan);
//     `active` is true for active and trialing.
//   - The account comes from the event (metadata / custom data / client reference) or,
//     failing that, from the provider customer's billing_customers row, created on first
//     sight. A subscription of a customer never seen fails with kUnavailable, so the
//     webhook answers 500 and the provider retries once the checkout has arrived.
//   - With plans configured (plans.h), the subscription's subscription_features rows are
//     replaced by the features of the plans its prices belong to.
//   - A subscription turning past_due or unpaid creates a billing_issue notification for
//     its account.
//
// Failures: kInvalidArgument for events that can never apply (an account that does not
// exist, a customer of another account); kUnavailable as above; store errors as they come.
//
// Thread-safety: a plain function over the caller's transaction.
#pragma once

#include <string>

#include "base/result.h"
#include "domain/billing/billing_events.h"
#include "domain/billing/plans.h"
#include "store/store.h"

namespace tb::billing {

enum class Outcome {
  kApplied,    // rows written
  kDuplicate,  // this event id was processed before
  kStale,      // older than the stored state
  kIgnored,    // nothing to apply (a status change for an unknown subscription or from another status)
};

struct Applied {
  Outcome outcome = Outcome::kApplied;
  std::string account_id;  // the account the event concerned, when known
};

Result<Applied> ApplyEvent(store::Transaction& txn, const Event& event, const Plans* plans = nullptr);

}  // namespace tb::billing
