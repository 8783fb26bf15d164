#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "domain/billing/billing_events.h"

namespace tb::billing {
namespace {

std::string At(std::string_view iso) { return FormatTimestamp(*ParseTimestamp(iso)); }

// `body` with the first `needle` replaced; a test that relies on a needle that is not there fails.
std::string Replace(std::string body, std::string_view needle, std::string_view replacement = "") {
  const size_t at = body.find(needle);
  EXPECT_NE(at, std::string::npos) << needle;
  if (at != std::string::npos) body.replace(at, needle.size(), replacement);
  return body;
}

// Shaped like Lemon Squeezy's documented subscription_updated delivery: a JSON:API subscription
// resource, ids as numbers inside attributes, the checkout's custom data in meta.
constexpr std::string_view kSubscriptionUpdated = R"({
  "meta": {
    "test_mode": false,
    "event_name": "subscription_updated",
    "custom_data": { "account_id": "00000000-0000-4000-8000-0000000000aa" }
  },
  "data": {
    "type": "subscriptions",
    "id": "48211",
    "attributes": {
      "store_id": 3120,
      "customer_id": 552187,
      "order_id": 771902,
      "order_item_id": 730211,
      "product_id": 90411,
      "variant_id": 120033,
      "product_name": "Team plan",
      "variant_name": "Monthly",
      "user_name": "Ada Lovelace",
      "user_email": "ada@example.com",
      "status": "active",
      "status_formatted": "Active",
      "card_brand": "visa",
      "card_last_four": "4242",
      "pause": null,
      "cancelled": false,
      "trial_ends_at": null,
      "billing_anchor": 12,
      "first_subscription_item": {
        "id": 310455,
        "subscription_id": 48211,
        "price_id": 215533,
        "quantity": 2,
        "is_usage_based": false,
        "created_at": "2024-03-12T09:30:11.000000Z",
        "updated_at": "2024-04-02T16:05:40.000000Z"
      },
      "urls": {
        "update_payment_method": "https://store.lemonsqueezy.com/subscription/48211/payment-details?expires=1712160000&signature=ab12",
        "customer_portal": "https://store.lemonsqueezy.com/billing?expires=1712160000&signature=cd34"
      },
      "renews_at": "2024-05-12T09:30:11.000000Z",
      "ends_at": null,
      "created_at": "2024-03-12T09:30:10.000000Z",
      "updated_at": "2024-04-02T16:05:41.000000Z",
      "test_mode": false
    },
    "relationships": {
      "store": { "links": { "related": "https://api.lemonsqueezy.com/v1/subscriptions/48211/store" } }
    },
    "links": { "self": "https://api.lemonsqueezy.com/v1/subscriptions/48211" }
  }
})";

// Shaped like Lemon Squeezy's documented order_created delivery.
constexpr std::string_view kOrderCreated = R"({
  "meta": {
    "test_mode": false,
    "event_name": "order_created",
    "custom_data": { "account_id": "00000000-0000-4000-8000-0000000000bb" }
  },
  "data": {
    "type": "orders",
    "id": "771950",
    "attributes": {
      "store_id": 3120,
      "customer_id": 552190,
      "identifier": "3f1c6c0e-9d0b-4b1f-8a55-5ad0e7c1a2b4",
      "order_number": 1044,
      "user_name": "Grace Hopper",
      "user_email": "grace@example.com",
      "currency": "GBP",
      "currency_rate": "1.26790000",
      "subtotal": 4900,
      "setup_fee": 0,
      "discount_total": 0,
      "tax": 980,
      "total": 5880,
      "refunded_amount": 0,
      "subtotal_usd": 6213,
      "discount_total_usd": 0,
      "tax_usd": 1243,
      "total_usd": 7456,
      "tax_name": "VAT",
      "tax_rate": "20.00",
      "tax_inclusive": false,
      "status": "paid",
      "status_formatted": "Paid",
      "refunded": false,
      "refunded_at": null,
      "subtotal_formatted": "£49.00",
      "discount_total_formatted": "£0.00",
      "tax_formatted": "£9.80",
      "total_formatted": "£58.80",
      "first_order_item": {
        "id": 730250,
        "order_id": 771950,
        "product_id": 90420,
        "variant_id": 120051,
        "price_id": 215600,
        "product_name": "Lifetime licence",
        "variant_name": "Default",
        "price": 4900,
        "quantity": 1,
        "created_at": "2024-04-03T11:20:00.000000Z",
        "updated_at": "2024-04-03T11:20:00.000000Z",
        "test_mode": false
      },
      "urls": { "receipt": "https://app.lemonsqueezy.com/my-orders/3f1c6c0e?signature=ef56" },
      "created_at": "2024-04-03T11:20:00.000000Z",
      "updated_at": "2024-04-03T11:20:02.000000Z",
      "test_mode": false
    }
  }
})";

// Shaped like Lemon Squeezy's documented subscription_payment_success delivery: the data is a
// subscription invoice.
constexpr std::string_view kPaymentSuccess = R"({
  "meta": {
    "test_mode": false,
    "event_name": "subscription_payment_success",
    "custom_data": { "account_id": "00000000-0000-4000-8000-0000000000aa" }
  },
  "data": {
    "type": "subscription-invoices",
    "id": "901377",
    "attributes": {
      "store_id": 3120,
      "subscription_id": 48211,
      "customer_id": 552187,
      "user_name": "Ada Lovelace",
      "user_email": "ada@example.com",
      "billing_reason": "renewal",
      "card_brand": "visa",
      "card_last_four": "4242",
      "currency": "USD",
      "currency_rate": "1.00000000",
      "status": "paid",
      "status_formatted": "Paid",
      "refunded": false,
      "refunded_at": null,
      "subtotal": 1900,
      "discount_total": 0,
      "tax": 0,
      "total": 1900,
      "urls": { "invoice_url": "https://app.lemonsqueezy.com/my-orders/invoice/901377?signature=0a1b" },
      "created_at": "2024-05-12T09:30:15.000000Z",
      "updated_at": "2024-05-12T09:30:18.000000Z",
      "test_mode": false
    }
  }
})";

// kSubscriptionUpdated as `event_name` with `status` (and whether `cancelled`).
std::string SubscriptionEvent(std::string_view event_name, std::string_view status, bool cancelled = false) {
  std::string body = Replace(std::string(kSubscriptionUpdated), R"("event_name": "subscription_updated")",
                             R"("event_name": ")" + std::string(event_name) + "\"");
  body = Replace(body, R"("status": "active")", R"("status": ")" + std::string(status) + "\"");
  if (cancelled) body = Replace(body, R"("cancelled": false)", R"("cancelled": true)");
  return body;
}

const Subscription& MappedSubscription(const Result<std::optional<Event>>& mapped) {
  EXPECT_TRUE(mapped.ok()) << (mapped.ok() ? "" : mapped.error().message);
  static const Subscription kNone;
  if (!mapped.ok() || !mapped->has_value() || !(*mapped)->subscription) {
    ADD_FAILURE() << "no subscription";
    return kNone;
  }
  return *(*mapped)->subscription;
}

TEST(LemonSqueezyEvents, MapsASubscriptionFieldByField) {
  auto mapped = MapLemonSqueezyEvent(kSubscriptionUpdated);
  ASSERT_TRUE(mapped.ok()) << mapped.error().message;
  ASSERT_TRUE(mapped->has_value());
  const Event& e = **mapped;
  EXPECT_EQ(e.provider, Provider::kLemonSqueezy);
  EXPECT_EQ(e.type, "subscription_updated");
  EXPECT_EQ(e.id.rfind("ls_", 0), 0u) << e.id;
  EXPECT_EQ(e.id.size(), 3u + 64u);
  EXPECT_EQ(FormatTimestamp(e.occurred_at), At("2024-04-02T16:05:41Z"));
  EXPECT_FALSE(e.order);
  EXPECT_FALSE(e.status_change);
  EXPECT_FALSE(e.customer);
  ASSERT_TRUE(e.subscription);
  const Subscription& s = *e.subscription;
  EXPECT_EQ(s.id, "48211");
  EXPECT_EQ(s.account_id, "00000000-0000-4000-8000-0000000000aa");
  EXPECT_EQ(s.customer_id, "552187");
  EXPECT_EQ(s.customer_email, "ada@example.com");
  EXPECT_EQ(s.status, "active");
  EXPECT_FALSE(s.cancel_at_period_end);
  EXPECT_EQ(s.currency, "");  // the subscription object has none; the store fills it in
  EXPECT_EQ(s.period_starts_at, At("2024-03-12T09:30:10Z"));
  EXPECT_EQ(s.period_ends_at, At("2024-05-12T09:30:11Z"));
  EXPECT_FALSE(s.trial_starts_at);
  EXPECT_FALSE(s.trial_ends_at);
  ASSERT_EQ(s.items.size(), 1u);
  const LineItem& item = s.items[0];
  EXPECT_EQ(item.id, "310455");
  EXPECT_EQ(item.product_id, "90411");
  EXPECT_EQ(item.price_id, "215533");
  EXPECT_EQ(item.quantity, 2);
  EXPECT_EQ(item.type, "flat");
  EXPECT_FALSE(item.price_amount);
  EXPECT_FALSE(item.interval);
  EXPECT_EQ(item.interval_count, 1);
}

TEST(LemonSqueezyEvents, EverySubscriptionEventCarriesTheSubscription) {
  for (std::string_view name : {"subscription_created", "subscription_updated", "subscription_cancelled",
                                "subscription_expired", "subscription_resumed", "subscription_paused",
                                "subscription_unpaused"}) {
    auto mapped = MapLemonSqueezyEvent(SubscriptionEvent(name, "active"));
    ASSERT_TRUE(mapped.ok()) << name << ": " << mapped.error().message;
    ASSERT_TRUE(mapped->has_value()) << name;
    EXPECT_EQ((*mapped)->type, name);
    ASSERT_TRUE((*mapped)->subscription) << name;
    EXPECT_EQ((*mapped)->subscription->id, "48211") << name;
  }
}

TEST(LemonSqueezyEvents, StatusesBecomeTheSeedsStatuses) {
  const struct {
    std::string_view lemon_squeezy;
    bool cancelled;
    std::string_view seed;
    bool cancel_at_period_end;
  } kCases[] = {
      {"on_trial", false, "trialing", false}, {"active", false, "active", false},
      {"paused", false, "paused", false},     {"past_due", false, "past_due", false},
      {"unpaid", false, "unpaid", false},     {"cancelled", true, "canceled", true},
      {"expired", true, "canceled", false},   {"expired", false, "canceled", false},
  };
  for (const auto& c : kCases) {
    auto mapped = MapLemonSqueezyEvent(SubscriptionEvent("subscription_updated", c.lemon_squeezy, c.cancelled));
    const Subscription& s = MappedSubscription(mapped);
    EXPECT_EQ(s.status, c.seed) << c.lemon_squeezy;
    EXPECT_EQ(s.cancel_at_period_end, c.cancel_at_period_end) << c.lemon_squeezy << " cancelled=" << c.cancelled;
  }
}

TEST(LemonSqueezyEvents, ACancelledSubscriptionRunsToItsEnd) {
  std::string body = SubscriptionEvent("subscription_cancelled", "cancelled", true);
  body = Replace(body, R"("renews_at": "2024-05-12T09:30:11.000000Z")", R"("renews_at": null)");
  body = Replace(body, R"("ends_at": null)", R"("ends_at": "2024-05-12T09:30:11.000000Z")");
  auto mapped = MapLemonSqueezyEvent(body);
  const Subscription& s = MappedSubscription(mapped);
  EXPECT_TRUE(s.cancel_at_period_end);
  EXPECT_EQ(s.period_ends_at, At("2024-05-12T09:30:11Z"));

  // Neither renews_at nor ends_at: the period is the instant the subscription began.
  auto bare = MapLemonSqueezyEvent(Replace(body, R"("ends_at": "2024-05-12T09:30:11.000000Z")", R"("ends_at": null)"));
  EXPECT_EQ(MappedSubscription(bare).period_ends_at, At("2024-03-12T09:30:10Z"));
}

TEST(LemonSqueezyEvents, ATrialBeginsWhenTheSubscriptionWasCreated) {
  std::string body = SubscriptionEvent("subscription_created", "on_trial");
  body = Replace(body, R"("trial_ends_at": null)", R"("trial_ends_at": "2024-03-26T09:30:10.000000Z")");
  auto mapped = MapLemonSqueezyEvent(body);
  const Subscription& s = MappedSubscription(mapped);
  EXPECT_EQ(s.status, "trialing");
  EXPECT_EQ(s.trial_starts_at, At("2024-03-12T09:30:10Z"));
  EXPECT_EQ(s.trial_ends_at, At("2024-03-26T09:30:10Z"));
}

TEST(LemonSqueezyEvents, WithoutAFirstSubscriptionItemTheVariantIsThePrice) {
  const std::string full(kSubscriptionUpdated);
  const size_t from = full.find(R"("first_subscription_item": {)");
  const size_t to = full.find(R"("urls":)");
  ASSERT_NE(from, std::string::npos);
  ASSERT_NE(to, std::string::npos);
  const std::string body = full.substr(0, from) + R"("first_subscription_item": null, )" + full.substr(to);
  auto mapped = MapLemonSqueezyEvent(body);
  const Subscription& s = MappedSubscription(mapped);
  ASSERT_EQ(s.items.size(), 1u);
  EXPECT_EQ(s.items[0].id, "");
  EXPECT_EQ(s.items[0].price_id, "120033");
  EXPECT_EQ(s.items[0].product_id, "90411");
  EXPECT_EQ(s.items[0].quantity, 1);
  EXPECT_EQ(s.items[0].type, "flat");
}

TEST(LemonSqueezyEvents, CustomDataOrUsageBasedBillingChoosesTheItemType) {
  const std::string usage_based = Replace(Replace(std::string(kSubscriptionUpdated), R"("is_usage_based": false)",
                                                  R"("is_usage_based": true)"),
                                          R"("quantity": 2)", R"("quantity": 0)");
  const auto with_custom = [](std::string body, std::string_view custom) {
    return Replace(std::move(body), R"("custom_data": { "account_id": "00000000-0000-4000-8000-0000000000aa" })",
                   R"("custom_data": { "account_id": "00000000-0000-4000-8000-0000000000aa", )" + std::string(custom) +
                       " }");
  };
  const struct {
    std::string name;
    std::string body;
    std::string_view type;
    int64_t quantity;
  } kCases[] = {
      {"plain", std::string(kSubscriptionUpdated), "flat", 2},
      {"usage based", usage_based, "metered", 0},  // Lemon Squeezy sends 0 for usage-based items
      {"declared per_seat", with_custom(std::string(kSubscriptionUpdated), R"("item_type": "per_seat")"), "per_seat", 2},
      {"declared metered", with_custom(std::string(kSubscriptionUpdated), R"("item_type": "metered")"), "metered", 2},
      {"declared flat wins over usage", with_custom(usage_based, R"("item_type": "flat")"), "flat", 0},
      {"unknown declaration", with_custom(std::string(kSubscriptionUpdated), R"("item_type": "tiered")"), "flat", 2},
      {"not a string", with_custom(usage_based, R"("item_type": 3)"), "metered", 0},
  };
  for (const auto& c : kCases) {
    auto mapped = MapLemonSqueezyEvent(c.body);
    const Subscription& s = MappedSubscription(mapped);
    ASSERT_EQ(s.items.size(), 1u) << c.name;
    EXPECT_EQ(s.items[0].type, c.type) << c.name;
    EXPECT_EQ(s.items[0].quantity, c.quantity) << c.name;
  }
}

TEST(LemonSqueezyEvents, WithoutCustomDataTheAccountIsTheCustomers) {
  const std::string body = Replace(std::string(kSubscriptionUpdated),
                                   R"(,
    "custom_data": { "account_id": "00000000-0000-4000-8000-0000000000aa" })");
  auto mapped = MapLemonSqueezyEvent(body);
  EXPECT_EQ(MappedSubscription(mapped).account_id, "");

  auto no_account = MapLemonSqueezyEvent(Replace(std::string(kSubscriptionUpdated),
                                                 R"("account_id": "00000000-0000-4000-8000-0000000000aa")",
                                                 R"("user_id": "u-1")"));
  EXPECT_EQ(MappedSubscription(no_account).account_id, "");
}

TEST(LemonSqueezyEvents, ACurrencyWhenSentIsLowerCase) {
  const std::string body =
      Replace(std::string(kSubscriptionUpdated), R"("billing_anchor": 12,)", R"("billing_anchor": 12, "currency": "EUR",)");
  auto mapped = MapLemonSqueezyEvent(body);
  EXPECT_EQ(MappedSubscription(mapped).currency, "eur");
}

TEST(LemonSqueezyEvents, MapsAnOrderFieldByField) {
  auto mapped = MapLemonSqueezyEvent(kOrderCreated);
  ASSERT_TRUE(mapped.ok()) << mapped.error().message;
  ASSERT_TRUE(mapped->has_value());
  const Event& e = **mapped;
  EXPECT_EQ(e.provider, Provider::kLemonSqueezy);
  EXPECT_EQ(e.type, "order_created");
  EXPECT_EQ(FormatTimestamp(e.occurred_at), At("2024-04-03T11:20:02Z"));
  EXPECT_FALSE(e.subscription);
  EXPECT_FALSE(e.status_change);
  ASSERT_TRUE(e.order);
  const Order& o = *e.order;
  EXPECT_EQ(o.id, "771950");
  EXPECT_EQ(o.account_id, "00000000-0000-4000-8000-0000000000bb");
  EXPECT_EQ(o.customer_id, "552190");
  EXPECT_EQ(o.customer_email, "grace@example.com");
  EXPECT_EQ(o.status, "succeeded");
  EXPECT_EQ(o.total_amount, "5880");
  EXPECT_EQ(o.currency, "gbp");
  ASSERT_EQ(o.items.size(), 1u);
  const LineItem& item = o.items[0];
  EXPECT_EQ(item.id, "730250");
  EXPECT_EQ(item.product_id, "90420");
  EXPECT_EQ(item.price_id, "215600");
  EXPECT_EQ(item.price_amount, "4900");
  EXPECT_EQ(item.quantity, 1);
}

TEST(LemonSqueezyEvents, OrderStatusesBecomeTheSeedsStatuses) {
  const struct {
    std::string_view event_name;
    std::string_view lemon_squeezy;
    std::string_view seed;
  } kCases[] = {
      {"order_created", "paid", "succeeded"},
      {"order_created", "pending", "pending"},
      {"order_created", "failed", "failed"},
      {"order_refunded", "refunded", "failed"},
      {"order_refunded", "paid", "succeeded"},  // a partial refund leaves the order paid
  };
  for (const auto& c : kCases) {
    std::string body = Replace(std::string(kOrderCreated), R"("event_name": "order_created")",
                               R"("event_name": ")" + std::string(c.event_name) + "\"");
    body = Replace(body, R"("status": "paid")", R"("status": ")" + std::string(c.lemon_squeezy) + "\"");
    auto mapped = MapLemonSqueezyEvent(body);
    ASSERT_TRUE(mapped.ok()) << c.lemon_squeezy << ": " << mapped.error().message;
    ASSERT_TRUE(mapped->has_value() && (*mapped)->order) << c.lemon_squeezy;
    EXPECT_EQ((*mapped)->order->status, c.seed) << c.event_name << " " << c.lemon_squeezy;
  }
}

TEST(LemonSqueezyEvents, AnOrderItemWithoutAPriceIsPricedByItsVariant) {
  std::string body = Replace(std::string(kOrderCreated), R"("price_id": 215600,)");
  body = Replace(body, R"("quantity": 1,)");
  auto mapped = MapLemonSqueezyEvent(body);
  ASSERT_TRUE(mapped.ok()) << mapped.error().message;
  ASSERT_EQ((*mapped)->order->items.size(), 1u);
  EXPECT_EQ((*mapped)->order->items[0].price_id, "120051");
  EXPECT_EQ((*mapped)->order->items[0].quantity, 1);
}

TEST(LemonSqueezyEvents, PaymentEventsChangeTheSubscriptionsStatus) {
  const struct {
    std::string_view event_name;
    std::string_view status;
    std::vector<std::string> from;
  } kCases[] = {
      {"subscription_payment_success", "active", {"past_due", "unpaid"}},
      {"subscription_payment_recovered", "active", {"past_due", "unpaid"}},
      {"subscription_payment_failed", "past_due", {"active", "trialing"}},
  };
  for (const auto& c : kCases) {
    const std::string body = Replace(std::string(kPaymentSuccess), R"("event_name": "subscription_payment_success")",
                                     R"("event_name": ")" + std::string(c.event_name) + "\"");
    auto mapped = MapLemonSqueezyEvent(body);
    ASSERT_TRUE(mapped.ok()) << c.event_name << ": " << mapped.error().message;
    ASSERT_TRUE(mapped->has_value()) << c.event_name;
    const Event& e = **mapped;
    EXPECT_EQ(e.type, c.event_name);
    EXPECT_EQ(FormatTimestamp(e.occurred_at), At("2024-05-12T09:30:18Z"));
    EXPECT_FALSE(e.subscription);
    EXPECT_FALSE(e.order);
    ASSERT_TRUE(e.status_change) << c.event_name;
    EXPECT_EQ(e.status_change->subscription_id, "48211");
    EXPECT_EQ(e.status_change->status, c.status);
    EXPECT_EQ(e.status_change->from, c.from);
  }
}

TEST(LemonSqueezyEvents, TheEventTimeIsTheObjectsLastChangeElseItsCreation) {
  const std::string body = Replace(std::string(kPaymentSuccess), R"("updated_at": "2024-05-12T09:30:18.000000Z",)");
  auto mapped = MapLemonSqueezyEvent(body);
  ASSERT_TRUE(mapped.ok()) << mapped.error().message;
  EXPECT_EQ(FormatTimestamp((*mapped)->occurred_at), At("2024-05-12T09:30:15Z"));
}

TEST(LemonSqueezyEvents, UnknownEventsAreNothing) {
  for (std::string_view name : {"license_key_created", "license_key_updated", "subscription_payment_refunded",
                                "affiliate_activated"}) {
    const std::string body = R"({"meta":{"event_name":")" + std::string(name) + R"("},"data":{"type":"x"}})";
    auto mapped = MapLemonSqueezyEvent(body);
    ASSERT_TRUE(mapped.ok()) << name << ": " << mapped.error().message;
    EXPECT_FALSE(mapped->has_value()) << name;
  }
}

TEST(LemonSqueezyEvents, TheEventIdIsTheBodysHash) {
  auto first = MapLemonSqueezyEvent(kSubscriptionUpdated);
  auto redelivered = MapLemonSqueezyEvent(std::string(kSubscriptionUpdated));
  auto changed = MapLemonSqueezyEvent(Replace(std::string(kSubscriptionUpdated), R"("quantity": 2)", R"("quantity": 3)"));
  auto reformatted = MapLemonSqueezyEvent(std::string(kSubscriptionUpdated) + "\n");
  ASSERT_TRUE(first.ok() && redelivered.ok() && changed.ok() && reformatted.ok());
  EXPECT_EQ((*first)->id, (*redelivered)->id);
  EXPECT_NE((*first)->id, (*changed)->id);
  EXPECT_NE((*first)->id, (*reformatted)->id);  // bytes, not meaning: a retry is byte for byte the same
  EXPECT_NE((*first)->id, (*MapLemonSqueezyEvent(kOrderCreated))->id);
}

TEST(LemonSqueezyEvents, MalformedBodiesAreErrorsThatNameThePath) {
  const std::string subscription(kSubscriptionUpdated);
  const std::string order(kOrderCreated);
  const std::string payment(kPaymentSuccess);
  const struct {
    std::string name;
    std::string body;
    std::string_view message;  // a part of the error message: the path, or what is wrong
  } kCases[] = {
      {"not JSON", R"({"meta": {"event_name": "order_created"}, )", "malformed JSON"},
      {"not an object", R"(["subscription_created"])", "must be a JSON object"},
      {"no event name", Replace(subscription, R"("event_name": "subscription_updated",)"), "meta.event_name is missing"},
      {"no data.id", Replace(subscription, R"("id": "48211",)"), "data.id is missing"},
      {"no order id", Replace(order, R"("id": "771950",)"), "data.id is missing"},
      {"bad updated_at", Replace(subscription, "2024-04-02T16:05:41.000000Z", "last Tuesday"),
       "data.attributes.updated_at is not a timestamp"},
      {"no time at all",
       Replace(Replace(payment, R"("created_at": "2024-05-12T09:30:15.000000Z",)"),
               R"("updated_at": "2024-05-12T09:30:18.000000Z",)"),
       "data.attributes.updated_at and data.attributes.created_at are missing"},
      {"bad renews_at", Replace(subscription, "2024-05-12T09:30:11.000000Z", "soon"),
       "data.attributes.renews_at is not a timestamp"},
      {"no customer", Replace(subscription, R"("customer_id": 552187,)"), "data.attributes.customer_id is missing"},
      {"no status", Replace(subscription, R"("status": "active",)"), "data.attributes.status is missing"},
      {"unknown status", Replace(subscription, R"("status": "active")", R"("status": "incomplete")"),
       "data.attributes.status is not a Lemon Squeezy subscription status: incomplete"},
      {"cancelled not a boolean", Replace(subscription, R"("cancelled": false)", R"("cancelled": "no")"),
       "data.attributes.cancelled must be a boolean"},
      {"item not an object", Replace(subscription, R"("first_subscription_item": {)", R"("first_subscription_item": 7, "x": {)"),
       "data.attributes.first_subscription_item must be an object"},
      {"quantity not a number", Replace(subscription, R"("quantity": 2)", R"("quantity": "two")"),
       "data.attributes.first_subscription_item.quantity must be an integer"},
      {"account not a string", Replace(subscription, R"("account_id": "00000000-0000-4000-8000-0000000000aa")",
                                       R"("account_id": {"id": 1})"),
       "meta.custom_data.account_id must be a string"},
      {"order without currency", Replace(order, R"("currency": "GBP",)"), "data.attributes.currency is missing"},
      {"order without total", Replace(order, R"("total": 5880,)"), "data.attributes.total is missing"},
      {"unknown order status", Replace(order, R"("status": "paid")", R"("status": "disputed")"),
       "data.attributes.status is not a Lemon Squeezy order status: disputed"},
      {"invoice without subscription", Replace(payment, R"("subscription_id": 48211,)"),
       "data.attributes.subscription_id is missing"},
  };
  for (const auto& c : kCases) {
    auto mapped = MapLemonSqueezyEvent(c.body);
    ASSERT_FALSE(mapped.ok()) << c.name;
    EXPECT_EQ(mapped.error().code, ErrorCode::kInvalidArgument) << c.name;
    EXPECT_NE(mapped.error().message.find(c.message), std::string::npos) << c.name << ": " << mapped.error().message;
  }
}

}  // namespace
}  // namespace tb::billing
