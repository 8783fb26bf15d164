#include <gtest/gtest.h>

#include "domain/billing/billing_events.h"

namespace tb::billing {
namespace {

// Shaped like Stripe's documented event objects (API 2024-06-20, period on the subscription).
constexpr std::string_view kSubscriptionUpdated = R"({
  "id": "evt_1Q", "object": "event", "api_version": "2024-06-20", "created": 1900000000,
  "type": "customer.subscription.updated",
  "data": { "object": {
    "id": "sub_1", "object": "subscription", "customer": "cus_9", "status": "trialing", "currency": "EUR",
    "cancel_at_period_end": true, "current_period_start": 1900000000, "current_period_end": 1902592000,
    "trial_start": 1900000000, "trial_end": 1900600000, "start_date": 1899000000,
    "metadata": { "account_id": "00000000-0000-4000-8000-0000000000aa" },
    "items": { "object": "list", "data": [
      { "id": "si_a", "quantity": 1, "price": { "id": "price_flat", "product": "prod_a", "unit_amount": 1900,
        "recurring": { "interval": "month", "interval_count": 1, "usage_type": "licensed" }, "metadata": {} } },
      { "id": "si_b", "quantity": 4, "price": { "id": "price_seat", "product": { "id": "prod_b", "object": "product" },
        "unit_amount": 500, "recurring": { "interval": "year", "interval_count": 1, "usage_type": "licensed" },
        "metadata": { "type": "per_seat" } } },
      { "id": "si_c", "price": { "id": "price_api", "product": "prod_c", "unit_amount": null, "unit_amount_decimal": "0.25",
        "recurring": { "interval": "month", "interval_count": 3, "usage_type": "metered" } } }
    ] }
  } }
})";

TEST(StripeEvents, MapsASubscriptionWithItsItems) {
  auto mapped = MapStripeEvent(kSubscriptionUpdated);
  ASSERT_TRUE(mapped.ok()) << mapped.error().message;
  ASSERT_TRUE(mapped->has_value());
  const Event& e = **mapped;
  EXPECT_EQ(e.id, "evt_1Q");
  EXPECT_EQ(UnixSeconds(e.occurred_at), 1900000000);
  ASSERT_TRUE(e.subscription);
  const Subscription& s = *e.subscription;
  EXPECT_EQ(s.id, "sub_1");
  EXPECT_EQ(s.account_id, "00000000-0000-4000-8000-0000000000aa");
  EXPECT_EQ(s.customer_id, "cus_9");
  EXPECT_EQ(s.status, "trialing");
  EXPECT_EQ(s.currency, "eur");
  EXPECT_TRUE(s.cancel_at_period_end);
  EXPECT_EQ(s.period_starts_at, FormatTimestamp(SystemTime(std::chrono::seconds(1900000000))));
  EXPECT_EQ(s.period_ends_at, FormatTimestamp(SystemTime(std::chrono::seconds(1902592000))));
  EXPECT_EQ(s.trial_ends_at, FormatTimestamp(SystemTime(std::chrono::seconds(1900600000))));
  ASSERT_EQ(s.items.size(), 3u);
  EXPECT_EQ(s.items[0].type, "flat");
  EXPECT_EQ(s.items[0].price_amount, "1900");
  EXPECT_EQ(s.items[1].type, "per_seat");
  EXPECT_EQ(s.items[1].product_id, "prod_b");
  EXPECT_EQ(s.items[1].quantity, 4);
  EXPECT_EQ(s.items[1].interval, "year");
  EXPECT_EQ(s.items[2].type, "metered");
  EXPECT_EQ(s.items[2].price_amount, "0.25");
  EXPECT_EQ(s.items[2].quantity, 1);
  EXPECT_EQ(s.items[2].interval_count, 3);
}

TEST(StripeEvents, TakesThePeriodFromTheItemsOnNewerApiVersions) {
  constexpr std::string_view kNewer = R"({"id":"evt_2","created":1900000001,"type":"customer.subscription.created",
    "data":{"object":{"id":"sub_2","customer":"cus_1","status":"active","currency":"usd",
    "items":{"data":[{"id":"si_1","quantity":2,"current_period_start":1900000000,"current_period_end":1902000000,
      "price":{"id":"price_1","product":"prod_1","unit_amount":100,"recurring":{"interval":"month","interval_count":1}}}]}}}})";
  auto mapped = MapStripeEvent(kNewer);
  ASSERT_TRUE(mapped.ok()) << mapped.error().message;
  EXPECT_EQ((*mapped)->subscription->period_ends_at, FormatTimestamp(SystemTime(std::chrono::seconds(1902000000))));
  EXPECT_EQ((*mapped)->subscription->account_id, "");
}

TEST(StripeEvents, CheckoutLinksTheCustomerAndAPaymentBecomesAnOrder) {
  constexpr std::string_view kSubscriptionCheckout = R"({"id":"evt_3","created":1900000000,"type":"checkout.session.completed",
    "data":{"object":{"id":"cs_1","mode":"subscription","client_reference_id":"acc-1","customer":"cus_1",
    "customer_details":{"email":"pay@example.com"},"subscription":"sub_1","payment_status":"paid"}}})";
  auto linked = MapStripeEvent(kSubscriptionCheckout);
  ASSERT_TRUE(linked.ok()) << linked.error().message;
  ASSERT_TRUE((*linked)->customer);
  EXPECT_EQ((*linked)->customer->account_id, "acc-1");
  EXPECT_EQ((*linked)->customer->customer_email, "pay@example.com");
  EXPECT_FALSE((*linked)->order);

  constexpr std::string_view kPayment = R"({"id":"evt_4","created":1900000000,"type":"checkout.session.completed",
    "data":{"object":{"id":"cs_2","mode":"payment","metadata":{"account_id":"acc-2"},"customer":"cus_2",
    "payment_status":"paid","amount_total":4200,"currency":"USD",
    "line_items":{"data":[{"id":"li_1","quantity":2,"price":{"id":"price_x","product":"prod_x","unit_amount":2100}}]}}}})";
  auto order = MapStripeEvent(kPayment);
  ASSERT_TRUE(order.ok()) << order.error().message;
  ASSERT_TRUE((*order)->order);
  EXPECT_EQ((*order)->order->id, "cs_2");
  EXPECT_EQ((*order)->order->account_id, "acc-2");
  EXPECT_EQ((*order)->order->status, "succeeded");
  EXPECT_EQ((*order)->order->total_amount, "4200");
  EXPECT_EQ((*order)->order->currency, "usd");
  ASSERT_EQ((*order)->order->items.size(), 1u);
  EXPECT_EQ((*order)->order->items[0].quantity, 2);

  constexpr std::string_view kNoAccount = R"({"id":"evt_5","created":1,"type":"checkout.session.completed",
    "data":{"object":{"id":"cs_3","mode":"payment","customer":"cus_3"}}})";
  auto refused = MapStripeEvent(kNoAccount);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("names no account"), std::string::npos);
}

TEST(StripeEvents, InvoicesChangeTheSubscriptionsStatus) {
  auto paid = MapStripeEvent(R"({"id":"evt_6","created":5,"type":"invoice.paid","data":{"object":{"id":"in_1","subscription":"sub_1"}}})");
  ASSERT_TRUE(paid.ok());
  ASSERT_TRUE((*paid)->status_change);
  EXPECT_EQ((*paid)->status_change->status, "active");
  auto failed = MapStripeEvent(
      R"({"id":"evt_7","created":5,"type":"invoice.payment_failed","data":{"object":{"id":"in_2",
        "parent":{"subscription_details":{"subscription":"sub_2"}}}}})");
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ((*failed)->status_change->subscription_id, "sub_2");
  EXPECT_EQ((*failed)->status_change->status, "past_due");
  auto one_off = MapStripeEvent(R"({"id":"evt_8","created":5,"type":"invoice.paid","data":{"object":{"id":"in_3"}}})");
  ASSERT_TRUE(one_off.ok());
  EXPECT_FALSE(one_off->has_value());
}

TEST(StripeEvents, UnknownTypesAreNothingAndMalformedBodiesAreErrors) {
  auto unknown = MapStripeEvent(R"({"id":"evt_9","created":5,"type":"charge.refunded","data":{"object":{}}})");
  ASSERT_TRUE(unknown.ok());
  EXPECT_FALSE(unknown->has_value());
  for (std::string_view bad : {std::string_view("{"), std::string_view("[]"), std::string_view(R"({"type":"invoice.paid"})"),
                               std::string_view(R"({"id":"e","type":"invoice.paid","created":"soon","data":{"object":{}}})"),
                               std::string_view(R"({"id":"e","type":"customer.subscription.updated","created":1,"data":{}})"),
                               std::string_view(R"({"id":"e","type":"customer.subscription.updated","created":1,
                                 "data":{"object":{"id":"sub","customer":"c","status":"weird","currency":"usd"}}})")}) {
    auto mapped = MapStripeEvent(bad);
    EXPECT_FALSE(mapped.ok()) << bad;
    if (!mapped.ok()) {
      EXPECT_EQ(mapped.error().code, ErrorCode::kInvalidArgument);
    }
  }
}

}  // namespace
}  // namespace tb::billing
