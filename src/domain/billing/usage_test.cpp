#include "domain/billing/usage.h"

#include <gtest/gtest.h>

#include "domain/billing/provider_jobs.h"
#include "support/fake_clock.h"
#include "support/migrated_store.h"

namespace tb::billing {
namespace {

using namespace std::chrono_literals;
using store::Value;

constexpr const char* kOwner = "00000000-0000-4000-8000-000000000001";
constexpr const char* kTeam = "00000000-0000-4000-8000-0000000000aa";

class UsageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Exec("INSERT INTO auth_users (id, email) VALUES ($1, 'o@example.com')", {Value::Text(kOwner)});
    Exec("INSERT INTO accounts (id, name, slug, is_personal_account, primary_owner_user_id) VALUES ($1, 'T', 't', 0, $2)",
         {Value::Text(kTeam), Value::Text(kOwner)});
    Exec("INSERT INTO billing_customers (account_id, provider, customer_id) VALUES ($1, 'stripe', 'cus_1')", {Value::Text(kTeam)});
    Exec("INSERT INTO subscriptions (id, account_id, customer_id, status, active, billing_provider, currency, "
         "period_starts_at, period_ends_at) VALUES ('sub_1', $1, 'cus_1', 'active', 1, 'stripe', 'usd', "
         "'2030-01-01T00:00:00.000000+00:00', '2030-02-01T00:00:00.000000+00:00')",
         {Value::Text(kTeam)});
    Exec("INSERT INTO subscription_items (id, subscription_id, price_id, type, quantity) VALUES "
         "('si_flat', 'sub_1', 'price_base', 'flat', 1), ('si_api', 'sub_1', 'price_api', 'metered', 1)",
         {});
  }

  void Exec(std::string_view sql, std::vector<Value> params) {
    auto done = db_.Exec(sql, std::move(params));
    ASSERT_TRUE(done.ok()) << Describe(done.error());
  }

  Result<store::Rows> Report(int64_t quantity, std::string feature = "", bool service_role = true) {
    auto txn = db_.store().Begin(store::Access::kWrite);
    if (!txn) return std::move(txn).error();
    auto rows = ReportUsage(**txn, service_role, kTeam, quantity, feature, plans_);
    if (!rows) return rows;
    if (Status s = (*txn)->Commit(); !s) return std::move(s).error();
    return rows;
  }

  static std::string StateOf(const Result<store::Rows>& r) { return r.ok() ? "ok" : r.error().sqlstate; }

  testing::MigratedStore db_;
  Plans plans_;
};

TEST_F(UsageTest, RefusesAllButServiceRoleAndPositiveQuantities) {
  EXPECT_EQ(StateOf(Report(5, "api_calls", false)), "42501");
  EXPECT_EQ(StateOf(Report(0, "api_calls")), "22023");
  EXPECT_EQ(StateOf(Report(-3, "api_calls")), "22023");
  EXPECT_EQ(db_.Scalar("SELECT count(*) FROM kit_billing_usage").as_int(), 0);
  EXPECT_EQ(db_.Scalar("SELECT count(*) FROM kit_billing_jobs").as_int(), 0);
}

TEST_F(UsageTest, StripeNeedsAMeterName) {
  EXPECT_EQ(StateOf(Report(5)), "22023") << "no plan meter and no feature";
  auto plans = Plans::Parse(R"({"plans": [{"id": "api", "provider": "stripe", "price_id": "price_api", "meter": "calls"}]})");
  ASSERT_TRUE(plans.ok());
  plans_ = std::move(*plans);
  auto row = Report(5);
  ASSERT_TRUE(row.ok()) << Describe(row.error());
  EXPECT_EQ(db_.Scalar("SELECT meter FROM kit_billing_jobs").as_text(), "calls");
  EXPECT_EQ(db_.Scalar("SELECT customer_id FROM kit_billing_jobs").as_text(), "cus_1");
}

TEST_F(UsageTest, RecordsTheUsageAndSendsItOnceAsAMeterEvent) {
  auto row = Report(5, "api_calls");
  ASSERT_TRUE(row.ok()) << Describe(row.error());
  ASSERT_EQ(row->rows.size(), 1u);
  EXPECT_EQ(row->rows[0][row->ColumnIndex("subscription_item_id")].as_text(), "si_api");
  EXPECT_EQ(row->rows[0][row->ColumnIndex("quantity")].as_int(), 5);
  const int64_t usage_id = row->rows[0][row->ColumnIndex("id")].as_int();

  ProviderApis apis;
  apis.stripe = ProviderApi{"http://stripe.test", "sk_test"};
  testing::FakeClock clock{SystemClock::Instance().Now() + 1h};
  std::vector<net::HttpRequest> sent;
  auto send = [&](const net::HttpRequest& r) -> Result<net::HttpResponse> {
    sent.push_back(r);
    return net::HttpResponse{200, "{}"};
  };
  auto delivered = RunDueJobs(db_.store(), apis, clock, send);
  ASSERT_TRUE(delivered.ok());
  EXPECT_EQ(*delivered, 1);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].url, "http://stripe.test/v1/billing/meter_events");
  const std::string key = "tenantbase-usage-" + std::to_string(usage_id);
  EXPECT_EQ(sent[0].body.find("event_name=api_calls&payload%5Bstripe_customer_id%5D=cus_1&payload%5Bvalue%5D=5&identifier=" + key + "&timestamp="), 0u)
      << sent[0].body;
  EXPECT_NE(std::find(sent[0].headers.begin(), sent[0].headers.end(), std::pair<std::string, std::string>{"Idempotency-Key", key}),
            sent[0].headers.end());
  clock.Advance(1h);
  ASSERT_TRUE(RunDueJobs(db_.store(), apis, clock, send).ok());
  EXPECT_EQ(sent.size(), 1u) << "usage is sent once";

  // A second report is a second job: usage adds up rather than replacing.
  ASSERT_TRUE(Report(2, "api_calls").ok());
  ASSERT_TRUE(Report(3, "api_calls").ok());
  ASSERT_TRUE(RunDueJobs(db_.store(), apis, clock, send).ok());
  EXPECT_EQ(sent.size(), 3u);
}

TEST_F(UsageTest, PicksTheItemByFeatureAndRefusesAmbiguityOrNone) {
  Exec("INSERT INTO subscription_items (id, subscription_id, price_id, type, quantity) VALUES "
       "('si_storage', 'sub_1', 'price_storage', 'metered', 1)",
       {});
  EXPECT_EQ(StateOf(Report(1, "api_calls")), "22023") << "two metered items and no plans to tell them apart";
  auto plans = Plans::Parse(R"({"plans": [
      {"id": "api", "provider": "stripe", "price_id": "price_api", "meter": "api_calls"},
      {"id": "storage", "provider": "stripe", "price_id": "price_storage", "meter": "gb", "features": ["storage"]}]})");
  ASSERT_TRUE(plans.ok());
  plans_ = std::move(*plans);
  auto row = Report(1, "storage");
  ASSERT_TRUE(row.ok()) << Describe(row.error());
  EXPECT_EQ(row->rows[0][row->ColumnIndex("subscription_item_id")].as_text(), "si_storage");
  EXPECT_EQ(db_.Scalar("SELECT meter FROM kit_billing_jobs ORDER BY id DESC LIMIT 1").as_text(), "gb");
  EXPECT_EQ(StateOf(Report(1, "video")), "P0001");
  EXPECT_EQ(StateOf(Report(1)), "22023");

  Exec("UPDATE subscriptions SET active = 0, status = 'canceled'", {});
  EXPECT_EQ(StateOf(Report(1, "storage")), "P0001") << "only active subscriptions take usage";
}

TEST_F(UsageTest, PaddleHasNoUsageApi) {
  Exec("INSERT INTO billing_customers (account_id, provider, customer_id) VALUES ($1, 'paddle', 'cus_1')", {Value::Text(kTeam)});
  Exec("UPDATE subscriptions SET billing_provider = 'paddle'", {});
  EXPECT_EQ(StateOf(Report(1, "api_calls")), "0A000");
}

TEST(UsageRequest, LemonSqueezyUsageRecord) {
  ProviderJob job;
  job.kind = JobKind::kUsage;
  job.provider = Provider::kLemonSqueezy;
  job.item_id = "7001";
  job.quantity = 9;
  job.usage_id = 3;
  auto r = UsageRequest(job, ProviderApi{"http://ls.test/", "key"});
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, "http://ls.test/v1/usage-records");
  EXPECT_EQ(r.body,
            R"({"data":{"type":"usage-records","attributes":{"quantity":9,"action":"increment"},)"
            R"("relationships":{"subscription-item":{"data":{"type":"subscription-items","id":"7001"}}}}})");
}

}  // namespace
}  // namespace tb::billing
