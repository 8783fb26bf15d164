#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "domain/billing/billing_events.h"

namespace tb::billing {
namespace {

std::string At(std::string_view iso) { return FormatTimestamp(*ParseTimestamp(iso)); }

// Wraps `data` in Paddle's notification envelope.
std::string Envelope(std::string_view type, std::string_view data) {
  return R"({"event_id":"evt_01hx0000000000000000000001","event_type":")" + std::string(type) +
         R"(","occurred_at":"2024-05-02T10:00:00.123456Z","notification_id":"ntf_01hx0000000000000000000001",)" +
         R"("data":)" + std::string(data) + "}";
}

// `body` with the first `needle` replaced; a test that relies on a needle that is not there fails.
std::string Replace(std::string body, std::string_view needle, std::string_view replacement = "") {
  const size_t at = body.find(needle);
  EXPECT_NE(at, std::string::npos) << needle;
  if (at != std::string::npos) body.replace(at, needle.size(), replacement);
  return body;
}

// A subscription's data with one monthly item; `status`, `period` and `rest` vary per test.
std::string SubscriptionData(std::string_view status, std::string_view period, std::string_view rest = "") {
  return R"({"id":"sub_01hx0000000000000000000009","status":")" + std::string(status) +
         R"(","customer_id":"ctm_01hx0000000000000000000003","currency_code":"USD",
    "current_billing_period":)" + std::string(period) + R"(,"updated_at":"2024-05-02T09:59:58Z",
    "items":[{"status":"active","quantity":1,"recurring":true,"trial_dates":null,
      "price":{"id":"pri_01hx00000000000000000000aa","product_id":"pro_01hx00000000000000000000aa",
        "unit_price":{"amount":"1000","currency_code":"USD"},"billing_cycle":{"interval":"month","frequency":1}}}])" +
         std::string(rest) + "}";
}

constexpr std::string_view kPeriod = R"({"starts_at":"2024-05-01T00:00:00Z","ends_at":"2024-06-01T00:00:00Z"})";

// Shaped like Paddle's documented subscription.updated notification (API v1 of Paddle Billing).
constexpr std::string_view kSubscriptionUpdated = R"({
  "event_id": "evt_01hv8x2axb33yr5y238zfwcn5p",
  "event_type": "subscription.updated",
  "occurred_at": "2024-04-12T10:18:50.155553Z",
  "notification_id": "ntf_01hv8x2azy7scaan4s0eb0273x",
  "data": {
    "id": "sub_01hv8wpts5x2wxbb1gnmh6p7j1",
    "status": "active",
    "customer_id": "ctm_01hv6y1jedq4p1n0yqn5ba3ky4",
    "address_id": "add_01hv8gq3318ktkfengj2r75gfx",
    "business_id": null,
    "currency_code": "EUR",
    "created_at": "2024-04-12T10:18:47.635628Z",
    "updated_at": "2024-04-12T10:18:50.012345Z",
    "started_at": "2024-04-12T10:18:47.635628Z",
    "first_billed_at": "2024-04-12T10:18:47.635628Z",
    "next_billed_at": "2024-05-12T10:18:47.635628Z",
    "paused_at": null,
    "canceled_at": null,
    "collection_mode": "automatic",
    "billing_details": null,
    "current_billing_period": { "starts_at": "2024-04-12T10:18:47.635628Z", "ends_at": "2024-05-12T10:18:47.635628Z" },
    "billing_cycle": { "interval": "month", "frequency": 1 },
    "scheduled_change": null,
    "custom_data": { "account_id": "00000000-0000-4000-8000-0000000000aa" },
    "items": [
      { "status": "active", "quantity": 1, "recurring": true, "trial_dates": null,
        "created_at": "2024-04-12T10:18:48.831Z", "updated_at": "2024-04-12T10:18:48.831Z",
        "previously_billed_at": "2024-04-12T10:18:47.635628Z", "next_billed_at": "2024-05-12T10:18:47.635628Z",
        "price": { "id": "pri_01gsz8x8sawmvhz1pv30nge1ke", "product_id": "pro_01gsz4t5hdjse780zja8vvr7jg",
          "type": "standard", "description": "Monthly", "tax_mode": "account_setting",
          "unit_price": { "amount": "3000", "currency_code": "EUR" },
          "billing_cycle": { "interval": "month", "frequency": 1 }, "trial_period": null, "custom_data": null } },
      { "status": "active", "quantity": 10, "recurring": true, "trial_dates": null,
        "price": { "id": "pri_01h1vjfevh5etwq3rb416a23h2", "product_id": "pro_01h1vjes1y163xfj1rh1tkfb65",
          "unit_price": { "amount": "500", "currency_code": "EUR" },
          "billing_cycle": { "interval": "year", "frequency": 1 }, "custom_data": { "type": "per_seat" } } },
      { "status": "active", "quantity": 1, "recurring": true,
        "price": { "id": "pri_01h1vjfq8mkgk5rzq0q5b1aqhz", "product_id": "pro_01h1vjf0d4cnbbhv27cw4jqkhy",
          "unit_price": { "amount": "25", "currency_code": "EUR" },
          "billing_cycle": { "interval": "month", "frequency": 3 }, "custom_data": { "type": "metered" } } }
    ]
  }
})";

TEST(PaddleEvents, MapsASubscriptionFieldByField) {
  auto mapped = MapPaddleEvent(kSubscriptionUpdated);
  ASSERT_TRUE(mapped.ok()) << mapped.error().message;
  ASSERT_TRUE(mapped->has_value());
  const Event& e = **mapped;
  EXPECT_EQ(e.provider, Provider::kPaddle);
  EXPECT_EQ(e.id, "evt_01hv8x2axb33yr5y238zfwcn5p");
  EXPECT_EQ(e.type, "subscription.updated");
  EXPECT_EQ(FormatTimestamp(e.occurred_at), At("2024-04-12T10:18:50.155553Z"));
  EXPECT_FALSE(e.order);
  EXPECT_FALSE(e.status_change);
  EXPECT_FALSE(e.customer);
  ASSERT_TRUE(e.subscription);
  const Subscription& s = *e.subscription;
  EXPECT_EQ(s.id, "sub_01hv8wpts5x2wxbb1gnmh6p7j1");
  EXPECT_EQ(s.account_id, "00000000-0000-4000-8000-0000000000aa");
  EXPECT_EQ(s.customer_id, "ctm_01hv6y1jedq4p1n0yqn5ba3ky4");
  EXPECT_EQ(s.customer_email, "");
  EXPECT_EQ(s.status, "active");
  EXPECT_FALSE(s.cancel_at_period_end);
  EXPECT_EQ(s.currency, "eur");
  EXPECT_EQ(s.period_starts_at, At("2024-04-12T10:18:47.635628Z"));
  EXPECT_EQ(s.period_ends_at, At("2024-05-12T10:18:47.635628Z"));
  EXPECT_FALSE(s.trial_starts_at);
  EXPECT_FALSE(s.trial_ends_at);
  ASSERT_EQ(s.items.size(), 3u);
  const LineItem& flat = s.items[0];
  EXPECT_EQ(flat.id, "");
  EXPECT_EQ(flat.price_id, "pri_01gsz8x8sawmvhz1pv30nge1ke");
  EXPECT_EQ(flat.product_id, "pro_01gsz4t5hdjse780zja8vvr7jg");
  EXPECT_EQ(flat.type, "flat");
  EXPECT_EQ(flat.price_amount, "3000");
  EXPECT_EQ(flat.quantity, 1);
  EXPECT_EQ(flat.interval, "month");
  EXPECT_EQ(flat.interval_count, 1);
  EXPECT_EQ(s.items[1].price_id, "pri_01h1vjfevh5etwq3rb416a23h2");
  EXPECT_EQ(s.items[1].type, "per_seat");
  EXPECT_EQ(s.items[1].quantity, 10);
  EXPECT_EQ(s.items[1].price_amount, "500");
  EXPECT_EQ(s.items[1].interval, "year");
  EXPECT_EQ(s.items[2].type, "metered");
  EXPECT_EQ(s.items[2].interval_count, 3);
}

TEST(PaddleEvents, EverySubscriptionEventCarriesTheWholeSubscription) {
  const struct {
    std::string_view type;
    std::string_view status;
  } kCases[] = {{"subscription.created", "active"},   {"subscription.updated", "active"},
                {"subscription.activated", "active"}, {"subscription.past_due", "past_due"},
                {"subscription.paused", "paused"},    {"subscription.resumed", "active"},
                {"subscription.trialing", "trialing"}, {"subscription.canceled", "canceled"}};
  for (const auto& c : kCases) {
    auto mapped = MapPaddleEvent(Envelope(c.type, SubscriptionData(c.status, kPeriod)));
    ASSERT_TRUE(mapped.ok()) << c.type << ": " << mapped.error().message;
    ASSERT_TRUE(mapped->has_value()) << c.type;
    EXPECT_EQ((*mapped)->type, c.type);
    ASSERT_TRUE((*mapped)->subscription) << c.type;
    EXPECT_EQ((*mapped)->subscription->status, c.status) << c.type;
    EXPECT_EQ((*mapped)->subscription->account_id, "") << c.type;  // no custom_data: the customer's account
    EXPECT_EQ((*mapped)->subscription->period_ends_at, At("2024-06-01T00:00:00Z")) << c.type;
    ASSERT_EQ((*mapped)->subscription->items.size(), 1u) << c.type;
  }
}

TEST(PaddleEvents, AScheduledCancelMeansCancelAtPeriodEnd) {
  auto cancel = MapPaddleEvent(Envelope(
      "subscription.updated",
      SubscriptionData("active", kPeriod,
                       R"(,"scheduled_change":{"action":"cancel","effective_at":"2024-06-01T00:00:00Z","resume_at":null})")));
  ASSERT_TRUE(cancel.ok()) << cancel.error().message;
  EXPECT_TRUE((*cancel)->subscription->cancel_at_period_end);
  EXPECT_EQ((*cancel)->subscription->status, "active");

  auto pause = MapPaddleEvent(Envelope(
      "subscription.updated",
      SubscriptionData("active", kPeriod,
                       R"(,"scheduled_change":{"action":"pause","effective_at":"2024-06-01T00:00:00Z","resume_at":null})")));
  ASSERT_TRUE(pause.ok()) << pause.error().message;
  EXPECT_FALSE((*pause)->subscription->cancel_at_period_end);
}

TEST(PaddleEvents, ASubscriptionWithoutABillingPeriodStillGetsOne) {
  // Paddle clears current_billing_period once a subscription is canceled (and sends nanoseconds).
  auto canceled = MapPaddleEvent(
      Envelope("subscription.canceled",
               SubscriptionData("canceled", "null", R"(,"canceled_at":"2024-05-02T09:59:57.787929969Z","paused_at":null)")));
  ASSERT_TRUE(canceled.ok()) << canceled.error().message;
  EXPECT_EQ((*canceled)->subscription->status, "canceled");
  EXPECT_EQ((*canceled)->subscription->period_starts_at, At("2024-05-02T09:59:57.787929969Z"));
  EXPECT_EQ((*canceled)->subscription->period_ends_at, At("2024-05-02T09:59:57.787929969Z"));

  auto paused = MapPaddleEvent(Envelope(
      "subscription.paused", SubscriptionData("paused", "null", R"(,"canceled_at":null,"paused_at":"2024-05-02T08:00:00Z")")));
  ASSERT_TRUE(paused.ok()) << paused.error().message;
  EXPECT_EQ((*paused)->subscription->period_starts_at, At("2024-05-02T08:00:00Z"));

  // Neither date: the last update stands in.
  auto updated = MapPaddleEvent(Envelope("subscription.canceled", SubscriptionData("canceled", "null")));
  ASSERT_TRUE(updated.ok()) << updated.error().message;
  EXPECT_EQ((*updated)->subscription->period_ends_at, At("2024-05-02T09:59:58Z"));
}

TEST(PaddleEvents, PriceCustomDataChoosesTheItemType) {
  const struct {
    std::string_view custom_data;
    std::string_view type;
  } kCases[] = {{R"({"type":"per_seat"})", "per_seat"},
                {R"({"type":"metered"})", "metered"},
                {R"({"type":"flat"})", "flat"},
                {R"({"type":"enterprise"})", "flat"},
                {R"({"type":7})", "flat"},
                {R"({"plan":"pro"})", "flat"},
                {"null", "flat"}};
  for (const auto& c : kCases) {
    const std::string data = R"({"id":"sub_1","status":"active","customer_id":"ctm_1","currency_code":"GBP",
      "current_billing_period":{"starts_at":"2024-05-01T00:00:00Z","ends_at":"2024-06-01T00:00:00Z"},
      "items":[{"quantity":3,"price":{"id":"pri_1","product_id":"pro_1","unit_price":{"amount":"700","currency_code":"GBP"},
        "billing_cycle":{"interval":"week","frequency":2},"custom_data":)" +
                             std::string(c.custom_data) + "}}]}";
    auto mapped = MapPaddleEvent(Envelope("subscription.created", data));
    ASSERT_TRUE(mapped.ok()) << c.custom_data << ": " << mapped.error().message;
    ASSERT_EQ((*mapped)->subscription->items.size(), 1u);
    const LineItem& item = (*mapped)->subscription->items[0];
    EXPECT_EQ(item.type, c.type) << c.custom_data;
    EXPECT_EQ(item.quantity, 3);
    EXPECT_EQ(item.interval, "week");
    EXPECT_EQ(item.interval_count, 2);
  }
}

// Shaped like Paddle's documented subscription.trialing notification: the trial lives on the item.
constexpr std::string_view kSubscriptionTrialing = R"({
  "event_id": "evt_01h84cka4p40e737vm1ajb2bc5", "event_type": "subscription.trialing",
  "occurred_at": "2023-08-18T13:15:48.246292Z", "notification_id": "ntf_01h84cka91b65gy90qhe2tw2q6",
  "data": {
    "id": "sub_01h84ck8sg4ebkpzqb9x2mtjjf", "status": "trialing", "customer_id": "ctm_01h84cjfwmdph1k8kgsyjt3k7g",
    "currency_code": "USD", "collection_mode": "automatic", "scheduled_change": null, "custom_data": null,
    "paused_at": null, "canceled_at": null, "first_billed_at": null, "next_billed_at": "2023-08-28T13:15:46.864158Z",
    "current_billing_period": { "starts_at": "2023-08-18T13:15:46.864158Z", "ends_at": "2023-08-28T13:15:46.864158Z" },
    "items": [
      { "status": "active", "quantity": 1, "recurring": true, "trial_dates": null,
        "price": { "id": "pri_addon", "product_id": "pro_addon", "unit_price": { "amount": "500", "currency_code": "USD" },
          "billing_cycle": { "interval": "year", "frequency": 1 }, "trial_period": null } },
      { "status": "trialing", "quantity": 1, "recurring": true,
        "trial_dates": { "starts_at": "2023-08-18T13:15:46.864158Z", "ends_at": "2023-08-28T13:15:46.864158Z" },
        "price": { "id": "pri_01h84cdy3xatsp16afda2gekzy", "product_id": "pro_01h84cd36f900f3wmpdfamgv8w",
          "unit_price": { "amount": "0", "currency_code": "USD" }, "trial_period": { "interval": "day", "frequency": 10 },
          "billing_cycle": { "interval": "year", "frequency": 1 } } },
      { "status": "trialing", "quantity": 1, "recurring": true,
        "trial_dates": { "starts_at": "2023-08-19T00:00:00Z", "ends_at": "2023-09-19T00:00:00Z" },
        "price": { "id": "pri_later", "product_id": "pro_later", "unit_price": { "amount": "0", "currency_code": "USD" },
          "billing_cycle": { "interval": "year", "frequency": 1 } } }
    ]
  }
})";

TEST(PaddleEvents, TheTrialComesFromTheFirstItemWithTrialDates) {
  auto mapped = MapPaddleEvent(kSubscriptionTrialing);
  ASSERT_TRUE(mapped.ok()) << mapped.error().message;
  const Subscription& s = *(*mapped)->subscription;
  EXPECT_EQ(s.status, "trialing");
  EXPECT_EQ(s.account_id, "");
  EXPECT_EQ(s.currency, "usd");
  EXPECT_EQ(s.trial_starts_at, At("2023-08-18T13:15:46.864158Z"));
  EXPECT_EQ(s.trial_ends_at, At("2023-08-28T13:15:46.864158Z"));
  EXPECT_EQ(s.period_ends_at, At("2023-08-28T13:15:46.864158Z"));
  ASSERT_EQ(s.items.size(), 3u);
  EXPECT_EQ(s.items[1].price_amount, "0");
}

// Shaped like Paddle's documented transaction.completed notification, for a one-off purchase.
constexpr std::string_view kOneOffCompleted = R"({
  "event_id": "evt_01h8e1jxjnw9ra6zarhnz1a7y1", "event_type": "transaction.completed",
  "occurred_at": "2023-08-22T07:15:45.366122Z", "notification_id": "ntf_01h8e1jxna32kc43ev1vkqsq8x",
  "data": {
    "id": "txn_01h8dzxgkvdwemdhbpcapj2tbj", "status": "completed", "origin": "web",
    "customer_id": "ctm_01h8e18bxp9hby49dnm8ewf0m0", "address_id": "add_01h8e18bzb5av13cd16m5gz214",
    "business_id": null, "currency_code": "USD", "collection_mode": "automatic", "subscription_id": null,
    "billing_period": null, "invoice_number": "325-10566", "discount_id": null,
    "custom_data": { "account_id": "00000000-0000-4000-8000-0000000000bb" },
    "billed_at": "2023-08-22T07:15:44.296865Z", "created_at": "2023-08-22T06:46:35.440187Z",
    "updated_at": "2023-08-22T07:15:44.296867Z",
    "items": [
      { "quantity": 2, "proration": null,
        "price": { "id": "pri_01gsz98e27ak2tyhexptwc58yk", "product_id": "pro_01gsz97mq9pa4fkyy0wqenepkz",
          "description": "One-time charge", "type": "standard", "billing_cycle": null, "trial_period": null,
          "tax_mode": "account_setting", "unit_price": { "amount": "19900", "currency_code": "USD" }, "custom_data": null } },
      { "quantity": 1, "proration": null,
        "price": { "id": "pri_01gsz9dbmhqkk1p2zj4h8e7m7j", "product_id": "pro_01gsz9c9yjwbxhq1ntjs2h8xgz",
          "billing_cycle": null, "unit_price": { "amount": "4900", "currency_code": "USD" } } }
    ],
    "details": {
      "totals": { "subtotal": "44700", "discount": "0", "tax": "3967", "total": "48667", "credit": "0",
        "credit_to_balance": "0", "balance": "0", "grand_total": "48667", "fee": "2484", "earnings": "46183",
        "currency_code": "USD" },
      "line_items": []
    },
    "payments": [ { "amount": "48667", "status": "captured", "error_code": null } ]
  }
})";

TEST(PaddleEvents, AOneOffTransactionBecomesAnOrder) {
  auto mapped = MapPaddleEvent(kOneOffCompleted);
  ASSERT_TRUE(mapped.ok()) << mapped.error().message;
  ASSERT_TRUE(mapped->has_value());
  const Event& e = **mapped;
  EXPECT_EQ(e.provider, Provider::kPaddle);
  EXPECT_EQ(e.id, "evt_01h8e1jxjnw9ra6zarhnz1a7y1");
  EXPECT_EQ(FormatTimestamp(e.occurred_at), At("2023-08-22T07:15:45.366122Z"));
  EXPECT_FALSE(e.subscription);
  EXPECT_FALSE(e.status_change);
  ASSERT_TRUE(e.order);
  const Order& o = *e.order;
  EXPECT_EQ(o.id, "txn_01h8dzxgkvdwemdhbpcapj2tbj");
  EXPECT_EQ(o.account_id, "00000000-0000-4000-8000-0000000000bb");
  EXPECT_EQ(o.customer_id, "ctm_01h8e18bxp9hby49dnm8ewf0m0");
  EXPECT_EQ(o.customer_email, "");
  EXPECT_EQ(o.status, "succeeded");
  EXPECT_EQ(o.total_amount, "48667");
  EXPECT_EQ(o.currency, "usd");
  ASSERT_EQ(o.items.size(), 2u);
  EXPECT_EQ(o.items[0].id, "");
  EXPECT_EQ(o.items[0].price_id, "pri_01gsz98e27ak2tyhexptwc58yk");
  EXPECT_EQ(o.items[0].product_id, "pro_01gsz97mq9pa4fkyy0wqenepkz");
  EXPECT_EQ(o.items[0].price_amount, "19900");
  EXPECT_EQ(o.items[0].quantity, 2);
  EXPECT_FALSE(o.items[0].interval);
  EXPECT_EQ(o.items[1].price_id, "pri_01gsz9dbmhqkk1p2zj4h8e7m7j");
  EXPECT_EQ(o.items[1].quantity, 1);
}

TEST(PaddleEvents, ASubscriptionsTransactionChangesItsStatus) {
  constexpr std::string_view kTransaction = R"({"id":"txn_01hx00000000000000000000r1","status":"completed",
    "subscription_id":"sub_01hx0000000000000000000009","customer_id":"ctm_1","currency_code":"USD",
    "origin":"subscription_recurring","items":[],"details":{"totals":{"total":"3000"}}})";
  auto paid = MapPaddleEvent(Envelope("transaction.completed", kTransaction));
  ASSERT_TRUE(paid.ok()) << paid.error().message;
  ASSERT_TRUE(paid->has_value());
  EXPECT_FALSE((*paid)->order);
  ASSERT_TRUE((*paid)->status_change);
  EXPECT_EQ((*paid)->status_change->subscription_id, "sub_01hx0000000000000000000009");
  EXPECT_EQ((*paid)->status_change->status, "active");
  EXPECT_EQ((*paid)->status_change->from, (std::vector<std::string>{"past_due", "unpaid"}));

  auto failed = MapPaddleEvent(Envelope("transaction.payment_failed", kTransaction));
  ASSERT_TRUE(failed.ok()) << failed.error().message;
  ASSERT_TRUE(failed->has_value());
  ASSERT_TRUE((*failed)->status_change);
  EXPECT_EQ((*failed)->status_change->subscription_id, "sub_01hx0000000000000000000009");
  EXPECT_EQ((*failed)->status_change->status, "past_due");
  EXPECT_EQ((*failed)->status_change->from, (std::vector<std::string>{"active", "trialing"}));
}

TEST(PaddleEvents, AFailedOneOffPaymentIsNothing) {
  auto failed = MapPaddleEvent(Envelope(
      "transaction.payment_failed",
      R"({"id":"txn_1","status":"ready","subscription_id":null,"customer_id":"ctm_1","currency_code":"USD","items":[]})"));
  ASSERT_TRUE(failed.ok()) << failed.error().message;
  EXPECT_FALSE(failed->has_value());
}

TEST(PaddleEvents, UnknownEventTypesAreNothing) {
  for (std::string_view type : {"customer.created", "transaction.paid", "transaction.created", "subscription.imported",
                                "adjustment.created"}) {
    auto mapped = MapPaddleEvent(Envelope(type, R"({"id":"x"})"));
    ASSERT_TRUE(mapped.ok()) << type << ": " << mapped.error().message;
    EXPECT_FALSE(mapped->has_value()) << type;
  }
  // The envelope is still checked: an unknown event needs its id and time too.
  EXPECT_FALSE(MapPaddleEvent(R"({"event_type":"customer.created","occurred_at":"2024-05-02T10:00:00Z"})").ok());
}

TEST(PaddleEvents, MalformedBodiesAreErrorsThatNameThePath) {
  const std::string subscription = Envelope("subscription.created", SubscriptionData("active", kPeriod));
  const std::string canceled = Envelope("subscription.canceled", SubscriptionData("canceled", "null"));
  const struct {
    std::string name;
    std::string body;
    std::string_view message;  // a part of the error message: the path, or what is wrong
  } kCases[] = {
      {"not JSON", R"({"event_id": "evt_1", )", "malformed JSON"},
      {"not an object", R"(["subscription.created"])", "must be a JSON object"},
      {"no event_id", Replace(subscription, R"("event_id":"evt_01hx0000000000000000000001",)"), "event_id is missing"},
      {"no event_type", Replace(subscription, R"("event_type":"subscription.created",)"), "event_type is missing"},
      {"no occurred_at", Replace(subscription, R"("occurred_at":"2024-05-02T10:00:00.123456Z",)"),
       "occurred_at is missing"},
      {"bad occurred_at", Replace(subscription, "2024-05-02T10:00:00.123456Z", "yesterday"),
       "occurred_at is not a timestamp"},
      {"no data", Envelope("subscription.created", "null"), "data is missing"},
      {"no price id", Replace(subscription, R"("id":"pri_01hx00000000000000000000aa",)"),
       "data.items[0].price.id is missing"},
      {"no currency", Replace(subscription, R"("currency_code":"USD",)"), "data.currency_code is missing"},
      {"no customer", Replace(subscription, R"("customer_id":"ctm_01hx0000000000000000000003",)"),
       "data.customer_id is missing"},
      {"unknown status", Envelope("subscription.created", SubscriptionData("incomplete", kPeriod)), "data.status"},
      {"bad period", Replace(subscription, "2024-06-01T00:00:00Z", "June"),
       "data.current_billing_period.ends_at is not a timestamp"},
      {"half a period", Replace(subscription, R"(,"ends_at":"2024-06-01T00:00:00Z")"),
       "data.current_billing_period.ends_at is missing"},
      {"no period at all", Replace(canceled, R"(,"updated_at":"2024-05-02T09:59:58Z")"),
       "data.current_billing_period is missing"},
      {"unknown interval", Replace(subscription, R"("interval":"month")", R"("interval":"fortnight")"),
       "data.items[0].price.billing_cycle.interval"},
      {"no items", Replace(subscription, R"("items":)", R"("old_items":)"), "data.items is missing"},
      {"items not a list", Replace(subscription, R"("items":[)", R"("items":{},"old_items":[)"),
       "data.items must be an array"},
      {"order without total", Replace(std::string(kOneOffCompleted), R"("total": "48667")", R"("total": null)"),
       "data.details.totals.total is missing"},
  };
  for (const auto& c : kCases) {
    auto mapped = MapPaddleEvent(c.body);
    ASSERT_FALSE(mapped.ok()) << c.name;
    EXPECT_EQ(mapped.error().code, ErrorCode::kInvalidArgument) << c.name;
    EXPECT_NE(mapped.error().message.find(c.message), std::string::npos) << c.name << ": " << mapped.error().message;
  }
}

}  // namespace
}  // namespace tb::billing
