#include "domain/billing/billing_store.h"

#include <gtest/gtest.h>

#include "support/migrated_store.h"

namespace tb::billing {
namespace {

using store::Value;

constexpr const char* kUser = "00000000-0000-4000-8000-000000000001";
constexpr const char* kTeam = "00000000-0000-4000-8000-0000000000aa";

class BillingStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(db_.Exec("INSERT INTO auth_users (id, email) VALUES ($1, 'u@example.com')", {Value::Text(kUser)}).ok());
    ASSERT_TRUE(db_.Exec("INSERT INTO accounts (id, name, slug, is_personal_account, primary_owner_user_id) "
                         "VALUES ($1, 'T', 't', 0, $2)",
                         {Value::Text(kTeam), Value::Text(kUser)})
                    .ok());
  }

  Result<Applied> Apply(const Event& event) {
    auto txn = db_.store().Begin(store::Access::kWrite);
    if (!txn) return std::move(txn).error();
    auto applied = ApplyEvent(**txn, event);
    if (!applied) return applied;
    if (Status s = (*txn)->Commit(); !s) return std::move(s).error();
    return applied;
  }

  static Event SubscriptionEvent(std::string id, int64_t at, std::string status, std::vector<LineItem> items,
                                 std::string account = kTeam) {
    Event e;
    e.provider = Provider::kStripe;
    e.id = std::move(id);
    e.type = "customer.subscription.updated";
    e.occurred_at = SystemTime(std::chrono::seconds(at));
    Subscription s;
    s.id = "sub_1";
    s.account_id = std::move(account);
    s.customer_id = "cus_1";
    s.status = std::move(status);
    s.currency = "usd";
    s.period_starts_at = "2030-01-01T00:00:00.000000+00:00";
    s.period_ends_at = "2030-02-01T00:00:00.000000+00:00";
    s.items = std::move(items);
    e.subscription = std::move(s);
    return e;
  }

  static LineItem Item(std::string price, int64_t quantity, std::string type = "flat") {
    LineItem item;
    item.price_id = std::move(price);
    item.quantity = quantity;
    item.type = std::move(type);
    item.interval = "month";
    return item;
  }

  std::string Items() {
    auto rows = db_.Query("SELECT price_id, quantity, type FROM subscription_items ORDER BY price_id");
    EXPECT_TRUE(rows.ok());
    std::string out;
    for (const auto& r : rows->rows) {
      out += r[0].as_text() + "x" + std::to_string(r[1].as_int()) + ":" + r[2].as_text() + " ";
    }
    return out;
  }

  testing::MigratedStore db_;
};

TEST_F(BillingStoreTest, ASubscriptionAndItsItemSetReplaceWhatWasStored) {
  ASSERT_TRUE(Apply(SubscriptionEvent("evt_1", 100, "active", {Item("price_a", 1), Item("price_seat", 3, "per_seat")})).ok());
  EXPECT_EQ(Items(), "price_ax1:flat price_seatx3:per_seat ");
  EXPECT_EQ(db_.Scalar("SELECT account_id FROM billing_customers WHERE customer_id = 'cus_1'").as_text(), kTeam);
  EXPECT_EQ(db_.Scalar("SELECT active FROM subscriptions WHERE id = 'sub_1'").as_int(), 1);
  // A new plan: the old price goes, the seat count moves.
  ASSERT_TRUE(Apply(SubscriptionEvent("evt_2", 200, "trialing", {Item("price_b", 1), Item("price_seat", 5, "per_seat")})).ok());
  EXPECT_EQ(Items(), "price_bx1:flat price_seatx5:per_seat ");
  EXPECT_EQ(db_.Scalar("SELECT count(*) FROM subscriptions").as_int(), 1);
}

TEST_F(BillingStoreTest, ARedeliveredEventIsADuplicateAndAnOlderOneIsStale) {
  ASSERT_TRUE(Apply(SubscriptionEvent("evt_new", 200, "canceled", {Item("price_a", 1)})).ok());
  auto again = Apply(SubscriptionEvent("evt_new", 200, "active", {Item("price_a", 9)}));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->outcome, Outcome::kDuplicate);
  auto old = Apply(SubscriptionEvent("evt_old", 100, "active", {Item("price_a", 9)}));
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->outcome, Outcome::kStale);
  EXPECT_EQ(db_.Scalar("SELECT status FROM subscriptions").as_text(), "canceled");
  EXPECT_EQ(Items(), "price_ax1:flat ");
  EXPECT_EQ(db_.Scalar("SELECT outcome FROM kit_billing_events WHERE event_id = 'evt_old'").as_text(), "stale");
  // The same second is not older.
  auto same = Apply(SubscriptionEvent("evt_same", 200, "active", {Item("price_a", 2)}));
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->outcome, Outcome::kApplied);
}

TEST_F(BillingStoreTest, TurningPastDueOrUnpaidNotifiesTheAccountOnce) {
  ASSERT_TRUE(Apply(SubscriptionEvent("e1", 1, "active", {Item("p", 1)})).ok());
  ASSERT_TRUE(Apply(SubscriptionEvent("e2", 2, "past_due", {Item("p", 1)})).ok());
  ASSERT_TRUE(Apply(SubscriptionEvent("e3", 3, "past_due", {Item("p", 1)})).ok());
  ASSERT_TRUE(Apply(SubscriptionEvent("e4", 4, "unpaid", {Item("p", 1)})).ok());
  EXPECT_EQ(db_.Scalar("SELECT count(*) FROM notifications WHERE type = 'billing_issue' AND account_id = $1",
                       {Value::Text(kTeam)})
                .as_int(),
            2);
}

TEST_F(BillingStoreTest, AnUnknownCustomerWaitsForItsCheckoutAndABadAccountIsRefused) {
  auto unknown = Apply(SubscriptionEvent("e1", 1, "active", {Item("p", 1)}, ""));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(db_.Scalar("SELECT count(*) FROM kit_billing_events").as_int(), 0) << "rolled back: the retry applies";

  Event link;
  link.id = "evt_checkout";
  link.type = "checkout.session.completed";
  link.customer = CustomerLink{kTeam, "cus_1", "billing@example.com"};
  ASSERT_TRUE(Apply(link).ok());
  auto retried = Apply(SubscriptionEvent("e1", 1, "active", {Item("p", 1)}, ""));
  ASSERT_TRUE(retried.ok()) << Describe(retried.error());
  EXPECT_EQ(retried->account_id, kTeam);

  auto ghost = Apply(SubscriptionEvent("e2", 2, "active", {Item("p", 1)}, "00000000-0000-4000-8000-0000000000ff"));
  ASSERT_FALSE(ghost.ok());
  EXPECT_EQ(ghost.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(BillingStoreTest, AStatusChangeAppliesOnlyFromTheStatusesItNames) {
  ASSERT_TRUE(Apply(SubscriptionEvent("e1", 1, "past_due", {Item("p", 1)})).ok());
  Event paid;
  paid.id = "inv_paid";
  paid.occurred_at = SystemTime(std::chrono::seconds(2));
  paid.status_change = StatusChange{"sub_1", "active", {"past_due", "unpaid"}};
  ASSERT_EQ(Apply(paid)->outcome, Outcome::kApplied);
  EXPECT_EQ(db_.Scalar("SELECT status FROM subscriptions").as_text(), "active");
  paid.id = "inv_paid_again";
  EXPECT_EQ(Apply(paid)->outcome, Outcome::kIgnored) << "already active";
  Event unknown = paid;
  unknown.id = "inv_other";
  unknown.status_change->subscription_id = "sub_none";
  EXPECT_EQ(Apply(unknown)->outcome, Outcome::kIgnored);
}

}  // namespace
}  // namespace tb::billing
