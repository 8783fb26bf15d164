// Stripe's events (API versions from 2020 on): the event envelope {id, created, type,
// data.object}, subscriptions with their items, checkout sessions and invoices.

#include <algorithm>
#include <cctype>

#include "domain/billing/billing_events.h"
#include "domain/billing/json_path.h"

namespace tb::billing {

namespace {

using rapidjson::Value;

Error Invalid(std::string message) { return Error::Make(ErrorCode::kInvalidArgument, std::move(message)); }

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// An id field that Stripe sends as a string or, when expanded, as an object with an id.
Result<std::string> IdOf(const Value& object, std::string_view path) {
  const Value* v = json::Find(object, path);
  if (v == nullptr) return std::string();
  if (v->IsObject()) {
    auto id = json::String(*v, "id");
    if (!id) return std::move(id).error();
    return id->value_or("");
  }
  auto id = json::String(object, path);
  if (!id) return std::move(id).error();
  return id->value_or("");
}

Result<std::optional<std::string>> UnixTime(const Value& object, std::string_view path) {
  auto seconds = json::Int(object, path);
  if (!seconds) return std::move(seconds).error();
  if (!*seconds) return std::optional<std::string>();
  return std::optional<std::string>(json::FromUnixSeconds(**seconds));
}

bool IsItemType(std::string_view t) { return t == "flat" || t == "per_seat" || t == "metered"; }

Result<LineItem> SubscriptionItem(const Value& item, size_t index) {
  const std::string at = "items.data[" + std::to_string(index) + "]";
  LineItem line;
  auto id = json::String(item, "id");
  if (!id) return std::move(id).error();
  line.id = id->value_or("");
  auto price_id = json::RequiredString(item, "price.id");
  if (!price_id) return Invalid(at + "." + price_id.error().message);
  line.price_id = std::move(*price_id);
  auto product = IdOf(item, "price.product");
  if (!product) return std::move(product).error();
  line.product_id = std::move(*product);
  auto amount = json::Int(item, "price.unit_amount");
  if (!amount) return std::move(amount).error();
  if (*amount) {
    line.price_amount = std::to_string(**amount);
  } else {
    auto decimal = json::String(item, "price.unit_amount_decimal");
    if (!decimal) return std::move(decimal).error();
    line.price_amount = *decimal;
  }
  auto quantity = json::Int(item, "quantity");
  if (!quantity) return std::move(quantity).error();
  line.quantity = quantity->value_or(1);
  auto interval = json::String(item, "price.recurring.interval");
  if (!interval) return std::move(interval).error();
  line.interval = *interval;
  auto count = json::Int(item, "price.recurring.interval_count");
  if (!count) return std::move(count).error();
  line.interval_count = count->value_or(1);
  auto declared = json::String(item, "price.metadata.type");
  if (!declared) return std::move(declared).error();
  auto usage = json::String(item, "price.recurring.usage_type");
  if (!usage) return std::move(usage).error();
  if (*declared && IsItemType(**declared)) {
    line.type = **declared;
  } else if (usage->value_or("") == "metered") {
    line.type = "metered";
  }
  return line;
}

Result<Subscription> SubscriptionOf(const Value& object) {
  Subscription s;
  auto id = json::RequiredString(object, "id");
  if (!id) return std::move(id).error();
  s.id = std::move(*id);
  auto account = json::String(object, "metadata.account_id");
  if (!account) return std::move(account).error();
  s.account_id = account->value_or("");
  auto customer = IdOf(object, "customer");
  if (!customer) return std::move(customer).error();
  if (customer->empty()) return Invalid("data.object.customer is missing");
  s.customer_id = std::move(*customer);
  auto status = json::RequiredString(object, "status");
  if (!status) return std::move(status).error();
  static const std::vector<std::string> kStatuses = {"active",   "trialing", "past_due",           "canceled",
                                                     "unpaid",   "incomplete", "incomplete_expired", "paused"};
  if (std::find(kStatuses.begin(), kStatuses.end(), *status) == kStatuses.end()) {
    return Invalid("unknown subscription status " + *status);
  }
  s.status = std::move(*status);
  auto cancel = json::Bool(object, "cancel_at_period_end");
  if (!cancel) return std::move(cancel).error();
  s.cancel_at_period_end = cancel->value_or(false);
  auto currency = json::RequiredString(object, "currency");
  if (!currency) return std::move(currency).error();
  s.currency = Lower(std::move(*currency));
  auto items = json::Array(object, "items.data");
  if (!items) return std::move(items).error();
  if (*items != nullptr) {
    size_t index = 0;
    for (const Value& item : (*items)->GetArray()) {
      auto line = SubscriptionItem(item, index++);
      if (!line) return std::move(line).error();
      s.items.push_back(std::move(*line));
    }
  }
  // The period: on the subscription before API 2025-03-31, on each item since.
  const Value* first_item = *items != nullptr && !(*items)->Empty() ? &(**items)[0] : nullptr;
  for (auto [path, out] : {std::pair{"current_period_start", &s.period_starts_at},
                           std::pair{"current_period_end", &s.period_ends_at}}) {
    auto at = UnixTime(object, path);
    if (!at) return std::move(at).error();
    if (!*at && first_item != nullptr) at = UnixTime(*first_item, path);
    if (!at) return std::move(at).error();
    if (!*at) at = UnixTime(object, "start_date");
    if (!at) return std::move(at).error();
    if (!*at) return Invalid(std::string("data.object.") + path + " is missing");
    *out = std::move(**at);
  }
  auto trial_start = UnixTime(object, "trial_start");
  if (!trial_start) return std::move(trial_start).error();
  s.trial_starts_at = *trial_start;
  auto trial_end = UnixTime(object, "trial_end");
  if (!trial_end) return std::move(trial_end).error();
  s.trial_ends_at = *trial_end;
  return s;
}

// The account a checkout session was made for: client_reference_id, else metadata.account_id.
Result<std::string> CheckoutAccount(const Value& session) {
  auto reference = json::String(session, "client_reference_id");
  if (!reference) return std::move(reference).error();
  if (*reference && !(*reference)->empty()) return **reference;
  auto metadata = json::String(session, "metadata.account_id");
  if (!metadata) return std::move(metadata).error();
  if (*metadata && !(*metadata)->empty()) return **metadata;
  return Invalid("the checkout session names no account (client_reference_id or metadata.account_id)");
}

Result<std::string> CheckoutEmail(const Value& session) {
  auto email = json::String(session, "customer_details.email");
  if (!email) return std::move(email).error();
  if (*email) return **email;
  auto fallback = json::String(session, "customer_email");
  if (!fallback) return std::move(fallback).error();
  return fallback->value_or("");
}

Result<Event> Checkout(Event event, const Value& session) {
  auto account = CheckoutAccount(session);
  if (!account) return std::move(account).error();
  auto customer = IdOf(session, "customer");
  if (!customer) return std::move(customer).error();
  if (customer->empty()) return Invalid("the checkout session has no customer");
  auto email = CheckoutEmail(session);
  if (!email) return std::move(email).error();
  event.customer = CustomerLink{*account, *customer, *email};
  auto mode = json::String(session, "mode");
  if (!mode) return std::move(mode).error();
  if (mode->value_or("") != "payment") return event;  // subscriptions arrive as customer.subscription.*

  Order order;
  auto id = json::RequiredString(session, "id");
  if (!id) return std::move(id).error();
  order.id = std::move(*id);
  order.account_id = *account;
  order.customer_id = *customer;
  order.customer_email = *email;
  auto paid = json::String(session, "payment_status");
  if (!paid) return std::move(paid).error();
  const std::string payment = paid->value_or("unpaid");
  if (event.type == "checkout.session.async_payment_failed") {
    order.status = "failed";
  } else {
    order.status = payment == "paid" || payment == "no_payment_required" ? "succeeded" : "pending";
  }
  auto total = json::Int(session, "amount_total");
  if (!total) return std::move(total).error();
  order.total_amount = std::to_string(total->value_or(0));
  auto currency = json::RequiredString(session, "currency");
  if (!currency) return std::move(currency).error();
  order.currency = Lower(std::move(*currency));
  // Line items come only when the session was expanded (or fetched) with them.
  auto lines = json::Array(session, "line_items.data");
  if (!lines) return std::move(lines).error();
  if (*lines != nullptr) {
    for (const Value& line : (*lines)->GetArray()) {
      LineItem item;
      auto line_id = json::String(line, "id");
      if (!line_id) return std::move(line_id).error();
      item.id = line_id->value_or("");
      auto price = json::RequiredString(line, "price.id");
      if (!price) return Invalid("line_items.data[]." + price.error().message);
      item.price_id = std::move(*price);
      auto product = IdOf(line, "price.product");
      if (!product) return std::move(product).error();
      item.product_id = std::move(*product);
      auto amount = json::Int(line, "price.unit_amount");
      if (!amount) return std::move(amount).error();
      if (*amount) item.price_amount = std::to_string(**amount);
      auto quantity = json::Int(line, "quantity");
      if (!quantity) return std::move(quantity).error();
      item.quantity = quantity->value_or(1);
      order.items.push_back(std::move(item));
    }
  }
  event.order = std::move(order);
  return event;
}

// The subscription an invoice bills: `subscription` before API 2025-03-31, then
// parent.subscription_details.subscription.
Result<std::string> InvoiceSubscription(const Value& invoice) {
  auto old_style = IdOf(invoice, "subscription");
  if (!old_style) return std::move(old_style).error();
  if (!old_style->empty()) return old_style;
  return IdOf(invoice, "parent.subscription_details.subscription");
}

}  // namespace

Result<std::optional<Event>> MapStripeEvent(std::string_view body) {
  auto doc = json::ParseObject(body);
  if (!doc) return std::move(doc).error();
  Event event;
  event.provider = Provider::kStripe;
  auto id = json::RequiredString(*doc, "id");
  if (!id) return std::move(id).error();
  event.id = std::move(*id);
  auto type = json::RequiredString(*doc, "type");
  if (!type) return std::move(type).error();
  event.type = std::move(*type);
  auto created = json::Int(*doc, "created");
  if (!created) return std::move(created).error();
  if (!*created) return Invalid("created is missing");
  event.occurred_at = SystemTime(std::chrono::seconds(**created));
  auto object = json::Object(*doc, "data.object");
  if (!object) return std::move(object).error();
  if (*object == nullptr) return Invalid("data.object is missing");
  const Value& o = **object;

  const std::string& t = event.type;
  if (t == "customer.subscription.created" || t == "customer.subscription.updated" ||
      t == "customer.subscription.deleted" || t == "customer.subscription.paused" ||
      t == "customer.subscription.resumed") {
    auto subscription = SubscriptionOf(o);
    if (!subscription) return std::move(subscription).error();
    event.subscription = std::move(*subscription);
    return std::optional<Event>(std::move(event));
  }
  if (t == "checkout.session.completed" || t == "checkout.session.async_payment_succeeded" ||
      t == "checkout.session.async_payment_failed") {
    auto checkout = Checkout(std::move(event), o);
    if (!checkout) return std::move(checkout).error();
    return std::optional<Event>(std::move(*checkout));
  }
  if (t == "invoice.paid" || t == "invoice.payment_failed") {
    auto subscription = InvoiceSubscription(o);
    if (!subscription) return std::move(subscription).error();
    if (subscription->empty()) return std::optional<Event>();  // a one-off invoice
    if (t == "invoice.paid") {
      event.status_change = StatusChange{*subscription, "active", {"past_due", "unpaid", "incomplete"}};
    } else {
      event.status_change = StatusChange{*subscription, "past_due", {"active", "trialing"}};
    }
    return std::optional<Event>(std::move(event));
  }
  return std::optional<Event>();
}

}  // namespace tb::billing
