// Paddle Billing's events (the platform that replaced Paddle Classic; its API is "version 1"):
// the notification envelope {event_id, event_type, occurred_at, notification_id, data},
// subscriptions with their items, and transactions — a one-off purchase becomes an order, a
// subscription's payment a status change.
//
// Paddle sends amounts as strings of digits in minor units and times as RFC 3339 text.
// Error messages name the path from the top of the body ("data.items[1].price.id is missing").

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "domain/billing/billing_events.h"
#include "domain/billing/json_path.h"

namespace tb::billing {

namespace {

using rapidjson::Value;

Error Invalid(std::string message) { return Error::Make(ErrorCode::kInvalidArgument, std::move(message)); }

// json_path names paths relative to the value it was given; `at` says where that value sits.
Error Under(const std::string& at, Error error) {
  error.message = at + "." + error.message;
  return error;
}

// A time at `path` that must be present.
Result<std::string> RequiredTimestamp(const Value& root, std::string_view path) {
  auto at = json::Timestamp(root, path);
  if (!at) return std::move(at).error();
  if (!*at) return Invalid(std::string(path) + " is missing");
  return std::move(**at);
}

constexpr std::array<std::string_view, 8> kSubscriptionEvents = {
    "subscription.created", "subscription.updated", "subscription.canceled", "subscription.activated",
    "subscription.past_due", "subscription.paused", "subscription.resumed", "subscription.trialing"};

bool IsSubscriptionEvent(std::string_view type) {
  for (std::string_view known : kSubscriptionEvents) {
    if (type == known) return true;
  }
  return false;
}

// Paddle's subscription statuses are a subset of the seed's eight, spelt the same.
bool IsPaddleStatus(std::string_view s) {
  return s == "active" || s == "trialing" || s == "past_due" || s == "paused" || s == "canceled";
}

bool IsInterval(std::string_view s) { return s == "day" || s == "week" || s == "month" || s == "year"; }

// What subscription and transaction items share: the price (its id, product and unit amount)
// and a quantity. Paddle's items carry no id of their own; the store generates one and keys
// the row by price_id.
Result<LineItem> PricedItem(const Value& item, const std::string& at) {
  LineItem line;
  auto price_id = json::RequiredString(item, "price.id");
  if (!price_id) return Under(at, std::move(price_id).error());
  line.price_id = std::move(*price_id);
  auto product = json::String(item, "price.product_id");
  if (!product) return Under(at, std::move(product).error());
  line.product_id = product->value_or("");
  auto amount = json::String(item, "price.unit_price.amount");
  if (!amount) return Under(at, std::move(amount).error());
  line.price_amount = std::move(*amount);
  auto quantity = json::Int(item, "quantity");
  if (!quantity) return Under(at, std::move(quantity).error());
  line.quantity = quantity->value_or(1);
  return line;
}

Result<LineItem> SubscriptionItem(const Value& item, const std::string& at) {
  auto line = PricedItem(item, at);
  if (!line) return line;
  auto interval = json::String(item, "price.billing_cycle.interval");
  if (!interval) return Under(at, std::move(interval).error());
  if (*interval && !IsInterval(**interval)) {
    return Invalid(at + ".price.billing_cycle.interval must be day, week, month or year, not " + **interval);
  }
  line->interval = std::move(*interval);
  auto frequency = json::Int(item, "price.billing_cycle.frequency");
  if (!frequency) return Under(at, std::move(frequency).error());
  if (frequency->value_or(1) < 1) return Invalid(at + ".price.billing_cycle.frequency must be positive");
  line->interval_count = frequency->value_or(1);
  // custom_data is the merchant's free-form object: a type we do not know, or not a string,
  // means a flat price rather than a refused webhook.
  const Value* declared = json::Find(item, "price.custom_data.type");
  if (declared != nullptr && declared->IsString()) {
    const std::string_view type(declared->GetString(), declared->GetStringLength());
    if (type == "flat" || type == "per_seat" || type == "metered") line->type = std::string(type);
  }
  return line;
}

// The items of data.items, each mapped by `map`; the list must be present, since a
// subscription's items are replaced by what the event lists.
template <typename Map>
Result<std::vector<LineItem>> ItemsOf(const Value& root, Map map) {
  auto items = json::Array(root, "data.items");
  if (!items) return std::move(items).error();
  if (*items == nullptr) return Invalid("data.items is missing");
  std::vector<LineItem> lines;
  size_t index = 0;
  for (const Value& item : (*items)->GetArray()) {
    auto line = map(item, "data.items[" + std::to_string(index++) + "]");
    if (!line) return std::move(line).error();
    lines.push_back(std::move(*line));
  }
  return lines;
}

struct Period {
  std::string starts_at;
  std::string ends_at;
};

// The current billing period. Paddle clears it when a subscription is canceled (and, for pauses
// before December 2024, when it is paused); the row still needs one, so the moment the
// subscription stopped stands for both ends.
Result<Period> PeriodOf(const Value& root) {
  auto current = json::Object(root, "data.current_billing_period");
  if (!current) return std::move(current).error();
  if (*current != nullptr) {
    auto starts = RequiredTimestamp(root, "data.current_billing_period.starts_at");
    if (!starts) return std::move(starts).error();
    auto ends = RequiredTimestamp(root, "data.current_billing_period.ends_at");
    if (!ends) return std::move(ends).error();
    return Period{std::move(*starts), std::move(*ends)};
  }
  for (std::string_view path : {"data.canceled_at", "data.paused_at", "data.updated_at"}) {
    auto at = json::Timestamp(root, path);
    if (!at) return std::move(at).error();
    if (*at) return Period{**at, **at};
  }
  return Invalid("data.current_billing_period is missing, and so are canceled_at, paused_at and updated_at");
}

struct Trial {
  std::optional<std::string> starts_at;
  std::optional<std::string> ends_at;
};

// The trial of the first item that has trial dates (Paddle keeps trials per item); none when
// no item has them.
Result<Trial> TrialOf(const Value& root) {
  const Value* items = json::Find(root, "data.items");
  if (items == nullptr || !items->IsArray()) return Trial{};
  size_t index = 0;
  for (const Value& item : items->GetArray()) {
    const std::string at = "data.items[" + std::to_string(index++) + "]";
    auto dates = json::Object(item, "trial_dates");
    if (!dates) return Under(at, std::move(dates).error());
    if (*dates == nullptr) continue;
    auto starts = json::Timestamp(item, "trial_dates.starts_at");
    if (!starts) return Under(at, std::move(starts).error());
    auto ends = json::Timestamp(item, "trial_dates.ends_at");
    if (!ends) return Under(at, std::move(ends).error());
    return Trial{std::move(*starts), std::move(*ends)};
  }
  return Trial{};
}

Result<Subscription> SubscriptionOf(const Value& root) {
  Subscription s;
  auto id = json::RequiredString(root, "data.id");
  if (!id) return std::move(id).error();
  s.id = std::move(*id);
  auto account = json::String(root, "data.custom_data.account_id");
  if (!account) return std::move(account).error();
  s.account_id = account->value_or("");
  auto customer = json::RequiredString(root, "data.customer_id");
  if (!customer) return std::move(customer).error();
  s.customer_id = std::move(*customer);
  auto status = json::RequiredString(root, "data.status");
  if (!status) return std::move(status).error();
  if (!IsPaddleStatus(*status)) return Invalid("data.status is not a Paddle subscription status: " + *status);
  s.status = std::move(*status);
  auto action = json::String(root, "data.scheduled_change.action");
  if (!action) return std::move(action).error();
  s.cancel_at_period_end = action->value_or("") == "cancel";
  auto currency = json::RequiredString(root, "data.currency_code");
  if (!currency) return std::move(currency).error();
  s.currency = AsciiLower(*currency);
  auto period = PeriodOf(root);
  if (!period) return std::move(period).error();
  s.period_starts_at = std::move(period->starts_at);
  s.period_ends_at = std::move(period->ends_at);
  auto items = ItemsOf(root, SubscriptionItem);
  if (!items) return std::move(items).error();
  s.items = std::move(*items);
  auto trial = TrialOf(root);
  if (!trial) return std::move(trial).error();
  s.trial_starts_at = std::move(trial->starts_at);
  s.trial_ends_at = std::move(trial->ends_at);
  return s;
}

// A completed transaction that belongs to no subscription: a one-off purchase.
Result<Order> OrderOf(const Value& root) {
  Order order;
  auto id = json::RequiredString(root, "data.id");
  if (!id) return std::move(id).error();
  order.id = std::move(*id);
  auto account = json::String(root, "data.custom_data.account_id");
  if (!account) return std::move(account).error();
  order.account_id = account->value_or("");
  auto customer = json::RequiredString(root, "data.customer_id");
  if (!customer) return std::move(customer).error();
  order.customer_id = std::move(*customer);
  order.status = "succeeded";  // transaction.completed: paid and fully processed
  auto total = json::Int(root, "data.details.totals.total");
  if (!total) return std::move(total).error();
  if (!*total) return Invalid("data.details.totals.total is missing");
  order.total_amount = std::to_string(**total);
  auto currency = json::RequiredString(root, "data.currency_code");
  if (!currency) return std::move(currency).error();
  order.currency = AsciiLower(*currency);
  auto items = ItemsOf(root, PricedItem);
  if (!items) return std::move(items).error();
  order.items = std::move(*items);
  return order;
}

Result<SystemTime> OccurredAt(const Value& root) {
  auto text = json::RequiredString(root, "occurred_at");
  if (!text) return std::move(text).error();
  auto at = ParseTimestamp(*text);
  if (!at) return Invalid("occurred_at is not a timestamp: " + *text);
  return *at;
}

}  // namespace

Result<std::optional<Event>> MapPaddleEvent(std::string_view body) {
  auto doc = json::ParseObject(body);
  if (!doc) return std::move(doc).error();
  const Value& root = *doc;
  Event event;
  event.provider = Provider::kPaddle;
  auto id = json::RequiredString(root, "event_id");
  if (!id) return std::move(id).error();
  event.id = std::move(*id);
  auto type = json::RequiredString(root, "event_type");
  if (!type) return std::move(type).error();
  event.type = std::move(*type);
  auto occurred = OccurredAt(root);
  if (!occurred) return std::move(occurred).error();
  event.occurred_at = *occurred;

  const std::string& t = event.type;
  const bool transaction = t == "transaction.completed" || t == "transaction.payment_failed";
  if (!IsSubscriptionEvent(t) && !transaction) return std::optional<Event>();
  auto data = json::Object(root, "data");
  if (!data) return std::move(data).error();
  if (*data == nullptr) return Invalid("data is missing");

  if (!transaction) {
    auto subscription = SubscriptionOf(root);
    if (!subscription) return std::move(subscription).error();
    event.subscription = std::move(*subscription);
    return std::optional<Event>(std::move(event));
  }
  auto subscription_id = json::String(root, "data.subscription_id");
  if (!subscription_id) return std::move(subscription_id).error();
  const std::string subscription = subscription_id->value_or("");
  if (t == "transaction.payment_failed") {
    if (subscription.empty()) return std::optional<Event>();  // a declined one-off checkout
    event.status_change = StatusChange{subscription, "past_due", {"active", "trialing"}};
    return std::optional<Event>(std::move(event));
  }
  if (!subscription.empty()) {  // a subscription's payment went through: a renewal was paid
    event.status_change = StatusChange{subscription, "active", {"past_due", "unpaid"}};
    return std::optional<Event>(std::move(event));
  }
  auto order = OrderOf(root);
  if (!order) return std::move(order).error();
  event.order = std::move(*order);
  return std::optional<Event>(std::move(event));
}

}  // namespace tb::billing
