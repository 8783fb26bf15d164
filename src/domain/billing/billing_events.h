// domain/billing/billing_events.h
//
// What a payment provider's webhook means, in the seed's terms and independent of the
// provider: a customer seen for an account, a subscription with its complete item set, a
// one-off order, or a status change of a subscription already known. Each provider's
// mapper (stripe_events.cpp, lemon_squeezy_events.cpp, paddle_events.cpp) turns a verified
// body into an Event; billing_store.h writes Events with the seed's upsert_subscription /
// upsert_order semantics, idempotently and in provider event-time order.
//
// Mappers fail with kInvalidArgument (the webhook answers 400) for a body that is not
// JSON or lacks what its event type needs, and return nullopt for an event type they do
// not handle (answered 200 and logged).
//
// Thread-safety: plain data and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"

namespace tb::billing {

enum class Provider { kStripe, kLemonSqueezy, kPaddle };

// The seed's billing_provider enum value: "stripe", "lemon-squeezy", "paddle".
std::string_view ProviderName(Provider provider);

// One subscription_items / order_items row.
struct LineItem {
  std::string id;                           // the provider's item id; "" = generated
  std::string product_id;                   // "" = NULL
  std::string price_id;                     // required (the provider's price / variant)
  std::string type = "flat";                // flat | per_seat | metered (subscriptions only)
  std::optional<std::string> price_amount;  // decimal text in the provider's minor units
  int64_t quantity = 1;
  std::optional<std::string> interval;      // day | week | month | year
  int64_t interval_count = 1;
};

struct Subscription {
  std::string id;
  std::string account_id;      // from the event's metadata / custom data; "" = the customer's account
  std::string customer_id;     // the provider's customer id
  std::string customer_email;  // "" = unknown
  std::string status;          // one of the seed's eight subscription statuses
  bool cancel_at_period_end = false;
  std::string currency;        // ISO 4217, lower-case
  std::string period_starts_at;  // FormatTimestamp form
  std::string period_ends_at;
  std::optional<std::string> trial_starts_at;
  std::optional<std::string> trial_ends_at;
  std::vector<LineItem> items;  // the complete set: items not listed are removed
};

struct Order {
  std::string id;
  std::string account_id;      // "" = the customer's account
  std::string customer_id;
  std::string customer_email;
  std::string status;          // pending | succeeded | failed
  std::string total_amount;    // decimal text, minor units
  std::string currency;        // lower-case
  std::vector<LineItem> items;
};

// A new status for a subscription stored already (Stripe's invoice.paid / payment_failed,
// Lemon Squeezy's subscription_payment_*): applied only when the subscription exists and its
// current status is in `from` (empty = any).
struct StatusChange {
  std::string subscription_id;
  std::string status;
  std::vector<std::string> from;
};

// A customer of an account, seen before its subscription or order (Stripe's
// checkout.session.completed names the account in client_reference_id).
struct CustomerLink {
  std::string account_id;
  std::string customer_id;
  std::string customer_email;
};

struct Event {
  Provider provider = Provider::kStripe;
  std::string id;          // the provider's event id: the idempotency key
  std::string type;        // the provider's event type, for logs
  SystemTime occurred_at;  // the provider's event time: older events than the stored state change nothing
  std::optional<CustomerLink> customer;
  std::optional<Subscription> subscription;
  std::optional<Order> order;
  std::optional<StatusChange> status_change;
};

// The mappers. `body` has been verified already.
Result<std::optional<Event>> MapStripeEvent(std::string_view body);
Result<std::optional<Event>> MapLemonSqueezyEvent(std::string_view body);
Result<std::optional<Event>> MapPaddleEvent(std::string_view body);

}  // namespace tb::billing
