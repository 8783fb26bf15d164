// Lemon Squeezy's webhooks: one JSON:API resource per delivery,
// {meta: {event_name, custom_data}, data: {type, id, attributes}}, whose data is a subscription,
// an order or a subscription invoice. A subscription becomes the seed's subscription with one
// item (Lemon Squeezy's first_subscription_item), an order the seed's order, an invoice's
// payment a status change of its subscription.
//
// Lemon Squeezy sends ids as JSON numbers and times as ISO 8601 text; it sends no event id
// and no event time, so a delivery is named by the hash of its body (a retry is byte for byte
// the same) and dated by its object's updated_at. Every path is read from the top of the body,
// so error messages name it whole ("data.attributes.customer_id is missing").

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "base/clock.h"
#include "base/strings.h"
#include "crypto/hash.h"
#include "domain/billing/billing_events.h"
#include "domain/billing/json_path.h"

namespace tb::billing {

namespace {

using rapidjson::Value;

Error Invalid(std::string message) { return Error::Make(ErrorCode::kInvalidArgument, std::move(message)); }

std::string Attribute(std::string_view name) { return "data.attributes." + std::string(name); }
std::string SubscriptionItemField(std::string_view name) {
  return "data.attributes.first_subscription_item." + std::string(name);
}
std::string OrderItemField(std::string_view name) { return "data.attributes.first_order_item." + std::string(name); }

// The first of `paths` that holds a time; nullopt when none does. A present value that is not
// a time is an error, not a reason to look further.
Result<std::optional<std::string>> FirstTimestamp(const Value& root, std::initializer_list<std::string> paths) {
  for (const std::string& path : paths) {
    auto at = json::Timestamp(root, path);
    if (!at || *at) return at;
  }
  return std::optional<std::string>();
}

Result<std::string> RequiredTimestamp(const Value& root, const std::string& path) {
  auto at = json::Timestamp(root, path);
  if (!at) return std::move(at).error();
  if (!*at) return Invalid(path + " is missing");
  return std::move(**at);
}

// Lemon Squeezy's subscription statuses in the seed's words; nullopt for one it does not document.
std::optional<std::string> SeedSubscriptionStatus(std::string_view status) {
  if (status == "on_trial") return "trialing";
  if (status == "active" || status == "paused" || status == "past_due" || status == "unpaid") {
    return std::string(status);
  }
  // A cancelled subscription still runs to the end of its period; cancel_at_period_end says so.
  if (status == "cancelled" || status == "expired") return "canceled";
  return std::nullopt;
}

std::optional<std::string> SeedOrderStatus(std::string_view status) {
  if (status == "paid") return "succeeded";
  if (status == "pending") return "pending";
  if (status == "failed" || status == "refunded") return "failed";
  return std::nullopt;
}

// The item type the checkout declared in its custom data. custom_data is the merchant's
// free-form object: a value that is not one of the three types is no declaration, not an error.
std::optional<std::string> DeclaredItemType(const Value& root) {
  const Value* declared = json::Find(root, "meta.custom_data.item_type");
  if (declared == nullptr || !declared->IsString()) return std::nullopt;
  const std::string_view type(declared->GetString(), declared->GetStringLength());
  if (type == "flat" || type == "per_seat" || type == "metered") return std::string(type);
  return std::nullopt;
}

// What a subscription and an order share: their id, the account the checkout named and the customer.
struct Owner {
  std::string id;
  std::string account_id;
  std::string customer_id;
  std::string customer_email;
};

Result<Owner> OwnerOf(const Value& root) {
  Owner owner;
  auto id = json::RequiredString(root, "data.id");
  if (!id) return std::move(id).error();
  owner.id = std::move(*id);
  auto account = json::String(root, "meta.custom_data.account_id");
  if (!account) return std::move(account).error();
  owner.account_id = account->value_or("");
  auto customer = json::RequiredString(root, Attribute("customer_id"));
  if (!customer) return std::move(customer).error();
  owner.customer_id = std::move(*customer);
  auto email = json::String(root, Attribute("user_email"));
  if (!email) return std::move(email).error();
  owner.customer_email = email->value_or("");
  return owner;
}

// The subscription's one item. Without first_subscription_item (Lemon Squeezy leaves it null,
// e.g. during some free trials) the variant stands in for the price.
Result<LineItem> SubscriptionItem(const Value& root) {
  LineItem line;
  auto product = json::String(root, Attribute("product_id"));
  if (!product) return std::move(product).error();
  line.product_id = product->value_or("");
  auto variant = json::String(root, Attribute("variant_id"));
  if (!variant) return std::move(variant).error();
  auto item = json::Object(root, Attribute("first_subscription_item"));
  if (!item) return std::move(item).error();
  const std::optional<std::string> declared = DeclaredItemType(root);
  if (*item == nullptr) {
    if (!*variant || (*variant)->empty()) return Invalid(Attribute("variant_id") + " is missing");
    line.price_id = std::move(**variant);
    line.type = declared.value_or("flat");
    return line;
  }

  auto id = json::String(root, SubscriptionItemField("id"));
  if (!id) return std::move(id).error();
  line.id = id->value_or("");
  auto price = json::String(root, SubscriptionItemField("price_id"));
  if (!price) return std::move(price).error();
  line.price_id = price->value_or(variant->value_or(""));
  if (line.price_id.empty()) return Invalid(SubscriptionItemField("price_id") + " is missing");
  // Lemon Squeezy sends 0 for a usage-based item; 0 is kept, only a missing quantity is 1.
  auto quantity = json::Int(root, SubscriptionItemField("quantity"));
  if (!quantity) return std::move(quantity).error();
  line.quantity = quantity->value_or(1);
  auto usage_based = json::Bool(root, SubscriptionItemField("is_usage_based"));
  if (!usage_based) return std::move(usage_based).error();
  if (declared) {
    line.type = *declared;
  } else if (usage_based->value_or(false)) {
    line.type = "metered";
  }
  return line;
}

Result<Subscription> SubscriptionOf(const Value& root) {
  auto owner = OwnerOf(root);
  if (!owner) return std::move(owner).error();
  Subscription s;
  s.id = std::move(owner->id);
  s.account_id = std::move(owner->account_id);
  s.customer_id = std::move(owner->customer_id);
  s.customer_email = std::move(owner->customer_email);

  auto status = json::RequiredString(root, Attribute("status"));
  if (!status) return std::move(status).error();
  std::optional<std::string> seed_status = SeedSubscriptionStatus(*status);
  if (!seed_status) return Invalid(Attribute("status") + " is not a Lemon Squeezy subscription status: " + *status);
  s.status = std::move(*seed_status);
  auto cancelled = json::Bool(root, Attribute("cancelled"));
  if (!cancelled) return std::move(cancelled).error();
  s.cancel_at_period_end = cancelled->value_or(false) && *status != "expired";
  // The subscription object carries no currency; the store takes it from elsewhere when "".
  auto currency = json::String(root, Attribute("currency"));
  if (!currency) return std::move(currency).error();
  s.currency = AsciiLower(currency->value_or(""));

  auto created = RequiredTimestamp(root, Attribute("created_at"));
  if (!created) return std::move(created).error();
  s.period_starts_at = *created;
  auto ends = FirstTimestamp(root, {Attribute("renews_at"), Attribute("ends_at")});
  if (!ends) return std::move(ends).error();
  s.period_ends_at = ends->value_or(*created);
  auto trial_ends = json::Timestamp(root, Attribute("trial_ends_at"));
  if (!trial_ends) return std::move(trial_ends).error();
  s.trial_ends_at = std::move(*trial_ends);
  if (s.trial_ends_at) s.trial_starts_at = *created;

  auto item = SubscriptionItem(root);
  if (!item) return std::move(item).error();
  s.items.push_back(std::move(*item));
  return s;
}

Result<LineItem> OrderItem(const Value& root) {
  LineItem line;
  auto id = json::String(root, OrderItemField("id"));
  if (!id) return std::move(id).error();
  line.id = id->value_or("");
  auto product = json::String(root, OrderItemField("product_id"));
  if (!product) return std::move(product).error();
  line.product_id = product->value_or("");
  auto price = json::String(root, OrderItemField("price_id"));
  if (!price) return std::move(price).error();
  auto variant = json::String(root, OrderItemField("variant_id"));
  if (!variant) return std::move(variant).error();
  line.price_id = price->value_or(variant->value_or(""));
  if (line.price_id.empty()) return Invalid(OrderItemField("price_id") + " is missing");
  auto amount = json::Int(root, OrderItemField("price"));
  if (!amount) return std::move(amount).error();
  if (*amount) line.price_amount = std::to_string(**amount);
  auto quantity = json::Int(root, OrderItemField("quantity"));
  if (!quantity) return std::move(quantity).error();
  line.quantity = quantity->value_or(1);
  return line;
}

Result<Order> OrderOf(const Value& root) {
  auto owner = OwnerOf(root);
  if (!owner) return std::move(owner).error();
  Order o;
  o.id = std::move(owner->id);
  o.account_id = std::move(owner->account_id);
  o.customer_id = std::move(owner->customer_id);
  o.customer_email = std::move(owner->customer_email);

  auto status = json::RequiredString(root, Attribute("status"));
  if (!status) return std::move(status).error();
  std::optional<std::string> seed_status = SeedOrderStatus(*status);
  if (!seed_status) return Invalid(Attribute("status") + " is not a Lemon Squeezy order status: " + *status);
  o.status = std::move(*seed_status);
  auto total = json::Int(root, Attribute("total"));
  if (!total) return std::move(total).error();
  if (!*total) return Invalid(Attribute("total") + " is missing");
  o.total_amount = std::to_string(**total);
  auto currency = json::RequiredString(root, Attribute("currency"));
  if (!currency) return std::move(currency).error();
  o.currency = AsciiLower(*currency);

  auto first = json::Object(root, Attribute("first_order_item"));
  if (!first) return std::move(first).error();
  if (*first != nullptr) {
    auto item = OrderItem(root);
    if (!item) return std::move(item).error();
    o.items.push_back(std::move(*item));
  }
  return o;
}

// Lemon Squeezy sends no event time: the object's last change dates the event.
Result<SystemTime> EventTime(const Value& root) {
  auto at = FirstTimestamp(root, {Attribute("updated_at"), Attribute("created_at")});
  if (!at) return std::move(at).error();
  if (!*at) return Invalid(Attribute("updated_at") + " and " + Attribute("created_at") + " are missing");
  const std::optional<SystemTime> parsed = ParseTimestamp(**at);
  if (!parsed) return Error::Make(ErrorCode::kInternal, "FormatTimestamp's text does not parse: " + **at);
  return *parsed;
}

bool IsSubscriptionEvent(std::string_view name) {
  for (std::string_view known : {"subscription_created", "subscription_updated", "subscription_cancelled",
                                 "subscription_expired", "subscription_resumed", "subscription_paused",
                                 "subscription_unpaused"}) {
    if (name == known) return true;
  }
  return false;
}

}  // namespace

Result<std::optional<Event>> MapLemonSqueezyEvent(std::string_view body) {
  auto doc = json::ParseObject(body);
  if (!doc) return std::move(doc).error();
  const Value& root = *doc;
  Event event;
  event.provider = Provider::kLemonSqueezy;
  auto name = json::RequiredString(root, "meta.event_name");
  if (!name) return std::move(name).error();
  event.type = std::move(*name);
  const std::string& t = event.type;
  const bool payment_succeeded = t == "subscription_payment_success" || t == "subscription_payment_recovered";
  const bool payment_failed = t == "subscription_payment_failed";
  const bool order = t == "order_created" || t == "order_refunded";
  if (!IsSubscriptionEvent(t) && !payment_succeeded && !payment_failed && !order) {
    return std::optional<Event>();
  }

  event.id = "ls_" + crypto::Sha256Hex(body);
  auto at = EventTime(root);
  if (!at) return std::move(at).error();
  event.occurred_at = *at;

  if (order) {
    auto mapped = OrderOf(root);
    if (!mapped) return std::move(mapped).error();
    event.order = std::move(*mapped);
  } else if (payment_succeeded || payment_failed) {
    auto subscription = json::RequiredString(root, Attribute("subscription_id"));
    if (!subscription) return std::move(subscription).error();
    if (payment_succeeded) {
      event.status_change = StatusChange{std::move(*subscription), "active", {"past_due", "unpaid"}};
    } else {
      event.status_change = StatusChange{std::move(*subscription), "past_due", {"active", "trialing"}};
    }
  } else {
    auto mapped = SubscriptionOf(root);
    if (!mapped) return std::move(mapped).error();
    event.subscription = std::move(*mapped);
  }
  return std::optional<Event>(std::move(event));
}

}  // namespace tb::billing
