#include "domain/billing/provider_jobs.h"

#include <gtest/gtest.h>

#include "support/fake_clock.h"
#include "support/migrated_store.h"

namespace tb::billing {
namespace {

using namespace std::chrono_literals;
using store::Value;

constexpr const char* kOwner = "00000000-0000-4000-8000-000000000001";
constexpr const char* kMember = "00000000-0000-4000-8000-000000000002";
constexpr const char* kTeam = "00000000-0000-4000-8000-0000000000aa";

TEST(SeatQuantityRequest, SpeaksEachProvidersApi) {
  ProviderJob job;
  job.id = 7;
  job.item_id = "si_123";
  job.subscription_id = "sub_9";
  job.quantity = 4;
  job.provider = Provider::kStripe;
  auto stripe = SeatQuantityRequest(job, ProviderApi{"http://stripe.test/", "sk_test_x"});
  EXPECT_EQ(stripe.method, "POST");
  EXPECT_EQ(stripe.url, "http://stripe.test/v1/subscription_items/si_123");
  EXPECT_EQ(stripe.body, "quantity=4&proration_behavior=create_prorations");
  EXPECT_NE(std::find(stripe.headers.begin(), stripe.headers.end(),
                      std::pair<std::string, std::string>{"Authorization", "Bearer sk_test_x"}),
            stripe.headers.end());

  job.provider = Provider::kLemonSqueezy;
  job.item_id = "7001";
  auto ls = SeatQuantityRequest(job, ProviderApi{"http://ls.test", "key"});
  EXPECT_EQ(ls.method, "PATCH");
  EXPECT_EQ(ls.url, "http://ls.test/v1/subscription-items/7001");
  EXPECT_EQ(ls.body, R"({"data":{"type":"subscription-items","id":"7001","attributes":{"quantity":4}}})");

  job.provider = Provider::kPaddle;
  job.subscription_items = {{"pri_base", 1}, {"pri_seat", 4}};
  auto paddle = SeatQuantityRequest(job, ProviderApi{"http://paddle.test", "key"});
  EXPECT_EQ(paddle.url, "http://paddle.test/subscriptions/sub_9");
  EXPECT_EQ(paddle.body,
            R"({"items":[{"price_id":"pri_base","quantity":1},{"price_id":"pri_seat","quantity":4}],)"
            R"("proration_billing_mode":"prorated_immediately"})");

  // Ids are path segments, never paths.
  job.provider = Provider::kStripe;
  job.item_id = "../v1/customers";
  EXPECT_EQ(SeatQuantityRequest(job, ProviderApi{"http://s", "k"}).url, "http://s/v1/subscription_items/%2E%2E%2Fv1%2Fcustomers");
}

class ProviderJobsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Exec("INSERT INTO auth_users (id, email) VALUES ($1, 'o@example.com'), ($2, 'm@example.com')",
         {Value::Text(kOwner), Value::Text(kMember)});
    Exec("INSERT INTO accounts (id, name, slug, is_personal_account, primary_owner_user_id) VALUES ($1, 'T', 't', 0, $2)",
         {Value::Text(kTeam), Value::Text(kOwner)});
    Exec("INSERT INTO accounts_memberships (user_id, account_id, account_role) VALUES ($1, $2, 'owner')",
         {Value::Text(kOwner), Value::Text(kTeam)});
    Exec("INSERT INTO billing_customers (account_id, provider, customer_id) VALUES ($1, 'stripe', 'cus_1')", {Value::Text(kTeam)});
    Exec("INSERT INTO subscriptions (id, account_id, customer_id, status, active, billing_provider, currency, "
         "period_starts_at, period_ends_at) VALUES ('sub_1', $1, 'cus_1', 'active', 1, 'stripe', 'usd', "
         "'2030-01-01T00:00:00.000000+00:00', '2030-02-01T00:00:00.000000+00:00')",
         {Value::Text(kTeam)});
    Exec("INSERT INTO subscription_items (id, subscription_id, price_id, type, quantity) VALUES "
         "('si_flat', 'sub_1', 'price_base', 'flat', 1), ('si_seat', 'sub_1', 'price_seat', 'per_seat', 1)",
         {});
    apis_.stripe = ProviderApi{"http://stripe.test", "sk_test"};
  }

  void Exec(std::string_view sql, std::vector<Value> params) {
    auto done = db_.Exec(sql, std::move(params));
    ASSERT_TRUE(done.ok()) << Describe(done.error());
  }

  // A provider that answers `status` and remembers what it was sent.
  HttpSender Provider(int status) {
    return [this, status](const net::HttpRequest& r) -> Result<net::HttpResponse> {
      sent_.push_back(r.body);
      if (status == 0) return Error::Make(ErrorCode::kUnavailable, "connection refused");
      return net::HttpResponse{status, "{}"};
    };
  }

  int Run(int status) {
    auto delivered = RunDueJobs(db_.store(), apis_, clock_, Provider(status));
    EXPECT_TRUE(delivered.ok()) << Describe(delivered.error());
    return delivered.ok() ? *delivered : -1;
  }

  int64_t Pending() { return db_.Scalar("SELECT count(*) FROM kit_billing_jobs WHERE done_at IS NULL").as_int(); }

  testing::MigratedStore db_;
  // Jobs are queued at the database's now(); the worker's clock runs an hour ahead, so they
  // are due at once and back-off is measured from the clock alone.
  testing::FakeClock clock_{SystemClock::Instance().Now() + 1h};
  ProviderApis apis_;
  std::vector<std::string> sent_;
};

TEST_F(ProviderJobsTest, AJoiningMemberRaisesTheSeatCountAndTellsTheProvider) {
  Exec("INSERT INTO accounts_memberships (user_id, account_id, account_role) VALUES ($1, $2, 'member')",
       {Value::Text(kMember), Value::Text(kTeam)});
  EXPECT_EQ(db_.Scalar("SELECT quantity FROM subscription_items WHERE id = 'si_seat'").as_int(), 2);
  EXPECT_EQ(db_.Scalar("SELECT quantity FROM subscription_items WHERE id = 'si_flat'").as_int(), 1) << "flat items stay";
  EXPECT_EQ(Run(200), 1);
  EXPECT_EQ(sent_, (std::vector<std::string>{"quantity=2&proration_behavior=create_prorations"}));
  EXPECT_EQ(Pending(), 0);
  // Leaving lowers it again.
  Exec("DELETE FROM accounts_memberships WHERE user_id = $1", {Value::Text(kMember)});
  EXPECT_EQ(Run(200), 1);
  EXPECT_EQ(sent_.back(), "quantity=1&proration_behavior=create_prorations");
}

TEST_F(ProviderJobsTest, AProviderThatIsDownIsRetriedWithBackOff) {
  Exec("INSERT INTO accounts_memberships (user_id, account_id, account_role) VALUES ($1, $2, 'member')",
       {Value::Text(kMember), Value::Text(kTeam)});
  EXPECT_EQ(Run(0), 0);
  EXPECT_EQ(Run(503), 0) << "not due yet: nothing sent";
  EXPECT_EQ(sent_.size(), 1u);
  clock_.Advance(2s);
  EXPECT_EQ(Run(503), 0);
  EXPECT_EQ(db_.Scalar("SELECT attempts FROM kit_billing_jobs").as_int(), 2);
  clock_.Advance(1s);
  EXPECT_EQ(Run(200), 0) << "the back-off doubled: 2 s";
  clock_.Advance(1s);
  EXPECT_EQ(Run(200), 1);
  EXPECT_EQ(Pending(), 0);
  EXPECT_EQ(sent_.size(), 3u);
}

TEST_F(ProviderJobsTest, ARefusalIsGivenUpAndANewerQuantityReplacesAPendingOne) {
  Exec("INSERT INTO accounts_memberships (user_id, account_id, account_role) VALUES ($1, $2, 'member')",
       {Value::Text(kMember), Value::Text(kTeam)});
  Exec("DELETE FROM accounts_memberships WHERE user_id = $1", {Value::Text(kMember)});
  EXPECT_EQ(db_.Scalar("SELECT count(*) FROM kit_billing_jobs").as_int(), 1) << "one pending job per item";
  EXPECT_EQ(Run(404), 0);
  EXPECT_EQ(sent_, (std::vector<std::string>{"quantity=1&proration_behavior=create_prorations"}));
  EXPECT_EQ(Pending(), 0);
  EXPECT_NE(db_.Scalar("SELECT last_error FROM kit_billing_jobs").as_text().find("HTTP 404"), std::string::npos);
  // No key for a provider: its jobs wait.
  apis_.stripe.api_key.clear();
  Exec("INSERT INTO accounts_memberships (user_id, account_id, account_role) VALUES ($1, $2, 'member')",
       {Value::Text(kMember), Value::Text(kTeam)});
  EXPECT_EQ(Run(200), 0);
  EXPECT_EQ(Pending(), 1);
}

TEST_F(ProviderJobsTest, InactiveSubscriptionsAreNotBilledPerSeat) {
  Exec("UPDATE subscriptions SET status = 'canceled', active = 0", {});
  Exec("INSERT INTO accounts_memberships (user_id, account_id, account_role) VALUES ($1, $2, 'member')",
       {Value::Text(kMember), Value::Text(kTeam)});
  EXPECT_EQ(db_.Scalar("SELECT quantity FROM subscription_items WHERE id = 'si_seat'").as_int(), 1);
  EXPECT_EQ(Pending(), 0);
}

}  // namespace
}  // namespace tb::billing
