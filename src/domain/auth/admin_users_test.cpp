// The service_role's user administration against the real schema: Go durations as
// GoTrue's ban_duration reads them, GoTrue's metadata merge, and what create, update,
// list and delete leave in the database — including what they end (sessions, codes).
#include "domain/auth/admin_users.h"

#include <gtest/gtest.h>

#include "support/fake_clock.h"

#include <rapidjson/document.h>

#include <limits>

#include "domain/auth/session_service.h"
#include "support/migrated_store.h"

namespace tb::auth {
namespace {

using testing::FakeClock;

using namespace std::chrono_literals;
using store::Value;


std::chrono::nanoseconds Duration(std::string_view text) {
  auto parsed = ParseGoDuration(text);
  EXPECT_TRUE(parsed.ok()) << text << ": " << (parsed.ok() ? "" : parsed.error().message);
  return parsed.ok() ? *parsed : std::chrono::nanoseconds(-1);
}

// JSON equality that ignores key order: the store keeps jsonb columns in PostgreSQL's
// key order, not the order they were written in.
::testing::AssertionResult SameJson(const std::string& actual, const std::string& expected) {
  rapidjson::Document a, e;
  a.Parse(actual.c_str());
  e.Parse(expected.c_str());
  if (!a.HasParseError() && !e.HasParseError() && a == e) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << actual << " is not " << expected;
}

TEST(ParseGoDuration, ReadsWhatGoReads) {
  EXPECT_EQ(Duration("24h"), 24h);
  EXPECT_EQ(Duration("1h30m"), 90min);
  EXPECT_EQ(Duration("10m"), 10min);
  EXPECT_EQ(Duration("876000h"), 876000h);
  EXPECT_EQ(Duration("1.5h"), 90min);
  EXPECT_EQ(Duration(".5s"), 500ms);
  EXPECT_EQ(Duration("1.s"), 1s);
  EXPECT_EQ(Duration("300ms"), 300ms);
  EXPECT_EQ(Duration("2us"), 2us);
  EXPECT_EQ(Duration("2\xC2\xB5s"), 2us);
  EXPECT_EQ(Duration("7ns"), 7ns);
  EXPECT_EQ(Duration("1h1m1s1ms"), 1h + 1min + 1s + 1ms);
  EXPECT_EQ(Duration("-10m"), -10min);
  EXPECT_EQ(Duration("+5s"), 5s);
  EXPECT_EQ(Duration("0"), 0ns);
  EXPECT_EQ(Duration("-0"), 0ns);
  EXPECT_EQ(Duration("0h"), 0ns);
  EXPECT_EQ(Duration("2562047h"), 2562047h);  // Go's largest whole number of hours
  EXPECT_EQ(Duration("9223372036854775807ns"), std::chrono::nanoseconds(9223372036854775807));
  EXPECT_EQ(Duration("0.1234567890123456789012s"), 123456789ns);
}

TEST(ParseGoDuration, RefusesWhatGoRefuses) {
  for (const char* text : {"", "h", "1", "1d", "1 h", " 1h", "1h ", "--1h", ".h", "-", "abc",
                           "1hh", "1.2.3s", "2562048h", "99999999999999999999h", "1e3s",
                           "9223372036854775808ns", "100000000000000000000ns"}) {
    auto parsed = ParseGoDuration(text);
    EXPECT_FALSE(parsed.ok()) << "accepted \"" << text << "\"";
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
      EXPECT_EQ(parsed.error().message.rfind("time: ", 0), 0u) << parsed.error().message;
    }
  }
  EXPECT_EQ(ParseGoDuration("1d").error().message, "time: unknown unit \"d\" in duration \"1d\"");
  EXPECT_EQ(ParseGoDuration("1").error().message, "time: missing unit in duration \"1\"");
}

TEST(MergeMetadata, ReplacesTopLevelKeysRemovesNullsAndKeepsTheRest) {
  auto merged = MergeMetadata(R"({"a":1,"b":{"x":1,"y":2},"c":"keep"})",
                              R"({"a":2,"b":{"x":9},"c":null,"d":[1]})");
  ASSERT_TRUE(merged.ok());
  // "b" is replaced whole (GoTrue does not merge nested objects); "c" is gone.
  EXPECT_EQ(*merged, R"({"a":2,"b":{"x":9},"d":[1]})");  // and keeps the order
  EXPECT_EQ(*MergeMetadata("", R"({"k":true})"), R"({"k":true})");
  EXPECT_EQ(*MergeMetadata(R"({"k":1})", "{}"), R"({"k":1})");
}

TEST(MergeMetadata, RefusesWhatIsNotAnObject) {
  EXPECT_FALSE(MergeMetadata("{}", "[1]").ok());
  EXPECT_FALSE(MergeMetadata("{}", "not json").ok());
  EXPECT_FALSE(MergeMetadata("7", "{}").ok());
}

class AdminUsersTest : public ::testing::Test {
 protected:
  AdminUsersTest() { config_.jwt_secret = "admin-users-test-secret-0123456789"; }

  Result<User> Create(const UserAttributes& attributes) {
    return InWriter([&](store::Transaction& txn) { return admin_.Create(txn, attributes); });
  }
  Result<User> Update(const std::string& id, const UserAttributes& attributes) {
    return InWriter([&](store::Transaction& txn) { return admin_.Update(txn, id, attributes); });
  }
  Status Delete(const std::string& id, AdminUsers::DeleteMode mode) {
    auto txn = db_.store().Begin(store::Access::kWrite);
    Status s = admin_.Delete(**txn, id, mode);
    if (s.ok()) {
      EXPECT_TRUE((*txn)->Commit().ok());
    }
    return s;
  }
  Result<UserPage> List(uint64_t page, uint64_t per_page) {
    auto txn = db_.store().Begin(store::Access::kRead);
    return admin_.List(**txn, page, per_page);
  }

  // Commits only when `fn` succeeds, as the handlers do.
  template <typename Fn>
  Result<User> InWriter(Fn fn) {
    auto txn = db_.store().Begin(store::Access::kWrite);
    Result<User> user = fn(**txn);
    if (user.ok()) {
      EXPECT_TRUE((*txn)->Commit().ok());
    }
    return user;
  }

  User NewUserWithEmail(const std::string& email) {
    UserAttributes attributes;
    attributes.email = email;
    attributes.encrypted_password = "$argon2id$not-a-real-hash";
    auto user = Create(attributes);
    EXPECT_TRUE(user.ok()) << Describe(user.error());
    return user.ok() ? *user : User{};
  }

  void StartSession(const User& user) {
    auto txn = db_.store().Begin(store::Access::kWrite);
    ASSERT_TRUE(sessions_.Create(**txn, user, "password", {}).ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }

  void IssueCode(const std::string& user_id) {
    ASSERT_TRUE(db_.Exec("INSERT INTO one_time_tokens (token, target_id, purpose, expires_at) "
                         "VALUES ($1, $2, 'recovery', '2999-01-01T00:00:00.000000+00:00')",
                         {Value::Text(std::string(64, 'a') + user_id), Value::Text(user_id)})
                    .ok());
  }

  int64_t Count(std::string_view sql, const std::string& id) {
    const Value v = db_.Scalar(sql, {Value::Text(id)});
    return v.kind() == Value::Kind::kInt ? v.as_int() : -1;
  }
  std::string Text(std::string_view sql, const std::string& id) {
    const Value v = db_.Scalar(sql, {Value::Text(id)});
    return v.kind() == Value::Kind::kText ? v.as_text() : "<" + v.DebugString() + ">";
  }

  testing::MigratedStore db_;
  FakeClock clock_;
  AuthConfig config_;
  SessionService sessions_{config_, clock_};
  AdminUsers admin_{clock_};
};

TEST_F(AdminUsersTest, CreateStoresTheUserWithTheirPersonalAccountAndMergedAppMetadata) {
  UserAttributes attributes;
  attributes.email = "ada@example.com";
  attributes.confirm_email = true;
  attributes.user_metadata = R"({"name":"Ada Lovelace"})";
  attributes.app_metadata = R"({"plan":"pro","provider":null})";
  auto user = Create(attributes);
  ASSERT_TRUE(user.ok()) << Describe(user.error());
  EXPECT_TRUE(user->confirmed());
  EXPECT_TRUE(SameJson(user->raw_user_meta_data, R"({"name":"Ada Lovelace"})"));
  EXPECT_TRUE(SameJson(user->raw_app_meta_data, R"({"providers":["email"],"plan":"pro"})"));
  EXPECT_EQ(user->encrypted_password, "");
  EXPECT_EQ(Text("SELECT name FROM accounts WHERE id = $1 AND is_personal_account = 1", user->id),
            "Ada Lovelace");
}

TEST_F(AdminUsersTest, CreateRefusesATakenEmailAsEmailExists) {
  NewUserWithEmail("taken@example.com");
  UserAttributes attributes;
  attributes.email = "taken@example.com";
  auto again = Create(attributes);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().reason, "email_exists");
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
}

TEST_F(AdminUsersTest, CreateWithABanStoresBannedUntilFromTheClock) {
  UserAttributes attributes;
  attributes.email = "banned@example.com";
  attributes.ban = 24h;
  auto user = Create(attributes);
  ASSERT_TRUE(user.ok());
  EXPECT_EQ(user->banned_until, FormatTimestamp(clock_.Now() + 24h));
}

TEST_F(AdminUsersTest, BanDurationZeroLiftsTheBan) {
  const User user = NewUserWithEmail("b@example.com");
  UserAttributes ban;
  ban.ban = 90min;
  ASSERT_EQ(Update(user.id, ban)->banned_until, FormatTimestamp(clock_.Now() + 90min));
  UserAttributes lift;
  lift.ban = 0ns;
  auto lifted = Update(user.id, lift);
  ASSERT_TRUE(lifted.ok());
  EXPECT_EQ(lifted->banned_until, "");
}

TEST_F(AdminUsersTest, ANewPasswordEndsEverySessionAndRevokesUnusedCodes) {
  const User user = NewUserWithEmail("p@example.com");
  const User other = NewUserWithEmail("other@example.com");
  StartSession(user);
  StartSession(user);
  StartSession(other);
  IssueCode(user.id);
  UserAttributes attributes;
  attributes.encrypted_password = "$argon2id$another";
  auto updated = Update(user.id, attributes);
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->encrypted_password, "$argon2id$another");
  EXPECT_EQ(Count("SELECT count(*) FROM auth_sessions WHERE user_id = $1", user.id), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM auth_sessions WHERE user_id = $1", other.id), 1);
  EXPECT_EQ(Text("SELECT revoked_reason FROM one_time_tokens WHERE target_id = $1", user.id),
            "password_changed");
}

TEST_F(AdminUsersTest, MetadataUpdatesMergeAndOtherFieldsStay) {
  UserAttributes create;
  create.email = "m@example.com";
  create.user_metadata = R"({"name":"M","theme":"dark"})";
  auto user = Create(create);
  ASSERT_TRUE(user.ok());
  UserAttributes attributes;
  attributes.user_metadata = R"({"theme":null,"lang":"fr"})";
  attributes.app_metadata = R"({"role_hint":"admin"})";
  auto updated = Update(user->id, attributes);
  ASSERT_TRUE(updated.ok());
  EXPECT_TRUE(SameJson(updated->raw_user_meta_data, R"({"name":"M","lang":"fr"})"));
  EXPECT_TRUE(SameJson(updated->raw_app_meta_data,
                       R"({"provider":"email","providers":["email"],"role_hint":"admin"})"));
  EXPECT_EQ(updated->email, "m@example.com");
  EXPECT_EQ(updated->encrypted_password, user->encrypted_password);
}

TEST_F(AdminUsersTest, AnEmailChangeReachesThePersonalAccountAndATakenOneIsRefused) {
  const User user = NewUserWithEmail("old@example.com");
  NewUserWithEmail("someone@example.com");
  UserAttributes taken;
  taken.email = "someone@example.com";
  auto refused = Update(user.id, taken);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().reason, "email_exists");

  IssueCode(user.id);
  UserAttributes fresh;
  fresh.email = "new@example.com";
  fresh.confirm_email = true;
  auto updated = Update(user.id, fresh);
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->email, "new@example.com");
  EXPECT_TRUE(updated->confirmed());
  EXPECT_EQ(Text("SELECT email FROM accounts WHERE id = $1", user.id), "new@example.com");
  EXPECT_EQ(Text("SELECT revoked_reason FROM one_time_tokens WHERE target_id = $1", user.id),
            "email_changed");
}

TEST_F(AdminUsersTest, UpdatingAnUnknownUserIsUserNotFound) {
  UserAttributes attributes;
  attributes.user_metadata = R"({"a":1})";
  auto updated = Update("00000000-0000-4000-8000-000000000000", attributes);
  ASSERT_FALSE(updated.ok());
  EXPECT_EQ(updated.error().reason, "user_not_found");
}

TEST_F(AdminUsersTest, ListPagesNewestFirstWithTheTotal) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    const User user = NewUserWithEmail("list" + std::to_string(i) + "@example.com");
    // Known, distinct creation times: user i is created at minute i, so later is newer.
    ASSERT_TRUE(db_.Exec("UPDATE auth_users SET created_at = $1 WHERE id = $2",
                         {Value::Text("2030-01-01T00:0" + std::to_string(i) + ":00.000000+00:00"),
                          Value::Text(user.id)})
                    .ok());
    ids.insert(ids.begin(), user.id);  // newest first
  }
  std::vector<std::string> seen;
  for (uint64_t page = 1; page <= 3; ++page) {
    auto listed = List(page, 2);
    ASSERT_TRUE(listed.ok());
    EXPECT_EQ(listed->total, 5);
    EXPECT_EQ(listed->users.size(), page < 3 ? 2u : 1u);
    for (const auto& u : listed->users) seen.push_back(u.id);
  }
  EXPECT_EQ(seen, ids);
  EXPECT_TRUE(List(4, 2)->users.empty());
  EXPECT_TRUE(List(std::numeric_limits<uint64_t>::max(), 1000)->users.empty());
  EXPECT_EQ(List(1, 1000)->users.size(), 5u);
}

TEST_F(AdminUsersTest, HardDeleteCascadesToSessionsFactorsCodesAndThePersonalAccount) {
  const User user = NewUserWithEmail("gone@example.com");
  StartSession(user);
  IssueCode(user.id);
  ASSERT_TRUE(db_.Exec("INSERT INTO auth_mfa_factors (user_id, secret) VALUES ($1, 'sealed')",
                       {Value::Text(user.id)})
                  .ok());
  ASSERT_TRUE(Delete(user.id, AdminUsers::DeleteMode::kHard).ok());
  for (const char* sql : {"SELECT count(*) FROM auth_users WHERE id = $1",
                          "SELECT count(*) FROM auth_sessions WHERE user_id = $1",
                          "SELECT count(*) FROM auth_refresh_tokens WHERE user_id = $1",
                          "SELECT count(*) FROM auth_mfa_factors WHERE user_id = $1",
                          "SELECT count(*) FROM one_time_tokens WHERE target_id = $1",
                          "SELECT count(*) FROM accounts WHERE id = $1"}) {
    EXPECT_EQ(Count(sql, user.id), 0) << sql;
  }
  Status again = Delete(user.id, AdminUsers::DeleteMode::kHard);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().reason, "user_not_found");
}

TEST_F(AdminUsersTest, SoftDeleteKeepsAScrambledRowAndEndsEverythingElse) {
  const User user = NewUserWithEmail("soft@example.com");
  StartSession(user);
  IssueCode(user.id);
  ASSERT_TRUE(Delete(user.id, AdminUsers::DeleteMode::kSoft).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM auth_users WHERE id = $1 AND deleted_at IS NOT NULL "
                  "AND encrypted_password IS NULL AND email LIKE '%@deleted.invalid'",
                  user.id),
            1);
  EXPECT_EQ(Count("SELECT count(*) FROM auth_sessions WHERE user_id = $1", user.id), 0);
  EXPECT_EQ(Text("SELECT revoked_reason FROM one_time_tokens WHERE target_id = $1", user.id), "user_deleted");
  EXPECT_EQ(Count("SELECT count(*) FROM accounts WHERE id = $1", user.id), 1);
  {
    auto txn = db_.store().Begin(store::Access::kRead);
    EXPECT_FALSE(users::FindById(**txn, user.id)->has_value());
    EXPECT_FALSE(users::FindByEmail(**txn, "soft@example.com")->has_value());
  }
  EXPECT_EQ(List(1, 50)->total, 0);
  // The address is free again, a repeat is a no-op, and a hard delete still removes the row.
  NewUserWithEmail("soft@example.com");
  EXPECT_TRUE(Delete(user.id, AdminUsers::DeleteMode::kSoft).ok());
  EXPECT_TRUE(Delete(user.id, AdminUsers::DeleteMode::kHard).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM auth_users WHERE id = $1", user.id), 0);
  EXPECT_FALSE(Delete(user.id, AdminUsers::DeleteMode::kSoft).ok());
}

}  // namespace
}  // namespace tb::auth
