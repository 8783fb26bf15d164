#include "domain/maintenance/purge.h"

#include <gtest/gtest.h>

#include "support/fake_clock.h"
#include "support/migrated_store.h"

namespace tb::maintenance {
namespace {

using namespace std::chrono_literals;
using store::Value;

constexpr const char* kUser = "00000000-0000-4000-8000-000000000001";
constexpr const char* kTeam = "00000000-0000-4000-8000-0000000000aa";

class PurgeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Exec("INSERT INTO auth_users (id, email) VALUES ($1, 'u@example.com')", {Value::Text(kUser)});
    Exec("INSERT INTO accounts (id, name, slug, is_personal_account, primary_owner_user_id) VALUES ($1, 'T', 't', 0, $2)",
         {Value::Text(kTeam), Value::Text(kUser)});
  }

  void Exec(std::string_view sql, std::vector<Value> params) {
    auto done = db_.Exec(sql, std::move(params));
    ASSERT_TRUE(done.ok()) << Describe(done.error());
  }
  std::string At(std::chrono::microseconds from_now) const { return FormatTimestamp(clock_.Now() + from_now); }

  // A one-time token created an hour ago, expiring at `expires`, used / revoked at the times given.
  void Token(const std::string& id, std::chrono::microseconds expires, std::optional<std::chrono::microseconds> used,
             std::optional<std::chrono::microseconds> revoked) {
    Exec("INSERT INTO one_time_tokens (id, token, target_id, purpose, created_at, expires_at, used_at, revoked, revoked_at) "
         "VALUES ($1, $2, $3, 'p', $4, $5, $6, $7, $8)",
         {Value::Text(id), Value::Text(std::string(64, 'a') + id), Value::Text(kUser), Value::Text(At(-48h)),
          Value::Text(At(expires)), used ? Value::Text(At(*used)) : Value::Null(), Value::Bool(revoked.has_value()),
          revoked ? Value::Text(At(*revoked)) : Value::Null()});
  }

  std::vector<std::string> Ids(std::string_view table) {
    auto rows = db_.Query("SELECT id FROM " + std::string(table) + " ORDER BY id");
    EXPECT_TRUE(rows.ok());
    std::vector<std::string> ids;
    for (const auto& row : rows->rows) ids.push_back(row[0].kind() == Value::Kind::kInt ? std::to_string(row[0].as_int()) : row[0].as_text());
    return ids;
  }

  Purged Run() {
    auto txn = db_.store().Begin(store::Access::kWrite);
    EXPECT_TRUE(txn.ok());
    auto purged = Purge(**txn, clock_);
    EXPECT_TRUE(purged.ok()) << Describe(purged.error());
    EXPECT_TRUE((*txn)->Commit().ok());
    return *purged;
  }

  testing::MigratedStore db_;
  testing::FakeClock clock_;
};

TEST_F(PurgeTest, DeletesExpiredTokensAndUsedOnesAfterADay) {
  // live, expired, used 23 h / 25 h ago, revoked 1 h / 25 h ago
  // Live, expired, used 23 h and 25 h ago, revoked 1 h and 25 h ago.
  Token("10000000-0000-4000-8000-000000000001", 1h, std::nullopt, std::nullopt);
  Token("10000000-0000-4000-8000-000000000002", -1s, std::nullopt, std::nullopt);
  Token("10000000-0000-4000-8000-000000000003", 1h, -23h, std::nullopt);
  Token("10000000-0000-4000-8000-000000000004", 1h, -25h, std::nullopt);
  Token("10000000-0000-4000-8000-000000000005", 1h, std::nullopt, -1h);
  Token("10000000-0000-4000-8000-000000000006", 1h, std::nullopt, -25h);
  const Purged purged = Run();
  EXPECT_EQ(purged.one_time_tokens, 3);
  EXPECT_EQ(Ids("one_time_tokens"),
            (std::vector<std::string>{"10000000-0000-4000-8000-000000000001", "10000000-0000-4000-8000-000000000003",
                                      "10000000-0000-4000-8000-000000000005"}));
  // An hour and a minute on, the live ones have expired too.
  clock_.Advance(61min);
  EXPECT_EQ(Run().one_time_tokens, 3);
  EXPECT_TRUE(Ids("one_time_tokens").empty());
}

TEST_F(PurgeTest, DeletesExpiredInvitationsAndNotificationsOnly) {
  Exec("INSERT INTO invitations (id, email, account_id, invited_by, role, invite_token, created_at, expires_at) VALUES "
       "(1, 'a@example.com', $1, $2, 'member', 'tok-1', $3, $4), (2, 'b@example.com', $1, $2, 'member', 'tok-2', $3, $5)",
       {Value::Text(kTeam), Value::Text(kUser), Value::Text(At(-48h)), Value::Text(At(-1s)), Value::Text(At(1h))});
  Exec("INSERT INTO notifications (id, account_id, body, created_at, expires_at) VALUES "
       "(1, $1, 'old', $2, $3), (2, $1, 'live', $2, $4), (3, $1, 'forever', $2, NULL)",
       {Value::Text(kTeam), Value::Text(At(-48h)), Value::Text(At(-1s)), Value::Text(At(1h))});
  const Purged purged = Run();
  EXPECT_EQ(purged.invitations, 1);
  EXPECT_EQ(purged.notifications, 1);
  EXPECT_EQ(purged.total(), 2);
  EXPECT_EQ(Ids("invitations"), (std::vector<std::string>{"2"}));
  EXPECT_EQ(Ids("notifications"), (std::vector<std::string>{"2", "3"}));
  EXPECT_EQ(Run().total(), 0) << "a second run finds nothing";
}

TEST_F(PurgeTest, RealtimeChangesGoOldestFirstABatchPerTransaction) {
  // Seven changes from two hours ago, three from a minute ago.
  for (int i = 1; i <= 10; ++i) {
    Exec("INSERT INTO kit_realtime_changes (id, table_name, op, pk, image, created_at) "
         "VALUES ($1, 'notifications', 'INSERT', $2, '{}', $3)",
         {Value::Int(i), Value::Text(std::to_string(i)), Value::Text(At(i <= 7 ? -2h : -1min))});
  }
  int batches = 0;
  auto purged = PurgeRealtimeChanges(db_.store(), clock_.Now() - 1h, 3, [&] { return ++batches > 0; });
  ASSERT_TRUE(purged.ok()) << Describe(purged.error());
  EXPECT_EQ(*purged, 7);
  EXPECT_EQ(batches, 3) << "3 + 3 + 1: the short batch ends it";
  EXPECT_EQ(Ids("kit_realtime_changes"), (std::vector<std::string>{"8", "9", "10"}));
  auto again = PurgeRealtimeChanges(db_.store(), clock_.Now() - 1h, 3);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);
}

TEST_F(PurgeTest, RealtimePurgeStopsWhenAskedBetweenBatches) {
  for (int i = 1; i <= 5; ++i) {
    Exec("INSERT INTO kit_realtime_changes (id, table_name, op, pk, image, created_at) "
         "VALUES ($1, 'notifications', 'INSERT', $2, '{}', $3)",
         {Value::Int(i), Value::Text(std::to_string(i)), Value::Text(At(-2h - std::chrono::minutes(10 - i)))});
  }
  int asked = 0;
  auto purged = PurgeRealtimeChanges(db_.store(), clock_.Now() - 1h, 2, [&] { return ++asked == 1; });
  ASSERT_TRUE(purged.ok()) << Describe(purged.error());
  EXPECT_EQ(*purged, 2) << "one batch, then told to stop";
  EXPECT_EQ(Ids("kit_realtime_changes"), (std::vector<std::string>{"3", "4", "5"})) << "the oldest went first";
}

}  // namespace
}  // namespace tb::maintenance
