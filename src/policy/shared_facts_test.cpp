// The store's shared facts (store/shared_facts.h) on a migrated SQLite store: which writes
// move kit_access_version, that a read keeps its version while others commit, and that
// the policy helpers answer from the shared facts yet see every change to the access
// tables at once.
#include "store/shared_facts.h"

#include <gtest/gtest.h>

#include <string>

#include "support/migrated_store.h"

namespace tb::policy {
namespace {

using store::Access;
using store::RequestContext;
using store::SharedFacts;
using store::Value;

constexpr char kOwner[] = "00000000-0000-4000-8000-000000000001";
constexpr char kMember[] = "00000000-0000-4000-8000-000000000002";
constexpr char kTeam[] = "00000000-0000-4000-8000-0000000000aa";

// ---- the cache on its own ---------------------------------------------------------------

TEST(SharedFactsCache, AnswersOnlyForTheVersionItWasToldAbout) {
  SharedFacts facts;
  facts.Remember(5, "member u a", std::make_shared<const int>(1));
  ASSERT_NE(facts.Find<int>(5, "member u a"), nullptr);
  EXPECT_EQ(*facts.Find<int>(5, "member u a"), 1);
  EXPECT_EQ(facts.Find<int>(4, "member u a"), nullptr);
  EXPECT_EQ(facts.Find<int>(6, "member u a"), nullptr);
  EXPECT_EQ(facts.Find<int>(5, "member u b"), nullptr);
}

TEST(SharedFactsCache, ANewerVersionReplacesAndAnOlderOneIsDropped) {
  SharedFacts facts;
  facts.Remember(5, "k", std::make_shared<const int>(1));
  facts.Remember(4, "k", std::make_shared<const int>(2));  // from a snapshot before 5
  ASSERT_NE(facts.Find<int>(5, "k"), nullptr);
  EXPECT_EQ(*facts.Find<int>(5, "k"), 1) << "an older snapshot's fact must not replace a newer one";
  EXPECT_EQ(facts.Find<int>(4, "k"), nullptr);
  facts.Remember(6, "k", std::make_shared<const int>(3));
  EXPECT_EQ(facts.Find<int>(5, "k"), nullptr);
  ASSERT_NE(facts.Find<int>(6, "k"), nullptr);
  EXPECT_EQ(*facts.Find<int>(6, "k"), 3);
}

TEST(SharedFactsCache, StaysWithinItsBound) {
  SharedFacts facts;
  const size_t bound = SharedFacts::kShards * SharedFacts::kShardCapacity;
  for (size_t i = 0; i < 3 * bound; ++i) facts.Remember(1, "k" + std::to_string(i), std::make_shared<const int>(0));
  EXPECT_LE(facts.size(), bound);
  EXPECT_GT(facts.size(), 0u);
  ASSERT_NE(facts.Find<int>(1, "k" + std::to_string(3 * bound - 1)), nullptr) << "the latest fact is kept";
}

// ---- on a migrated store ------------------------------------------------------------------

class SharedFactsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Exec("INSERT INTO auth_users (id, email) VALUES ($1, 'owner@example.com'), ($2, 'member@example.com')",
         {Value::Text(kOwner), Value::Text(kMember)});
    Exec("INSERT INTO accounts (id, name, slug, is_personal_account, primary_owner_user_id) VALUES ($1, 'Team', 'team', 0, $2)",
         {Value::Text(kTeam), Value::Text(kOwner)});
    Exec("INSERT INTO accounts_memberships (user_id, account_id, account_role) VALUES ($1, $3, 'owner'), ($2, $3, 'member')",
         {Value::Text(kOwner), Value::Text(kMember), Value::Text(kTeam)});
    Exec("INSERT INTO auth_sessions (id, user_id) VALUES ('00000000-0000-4000-8000-0000000000e1', $1)",
         {Value::Text(kMember)});
  }

  void Exec(std::string_view sql, std::vector<Value> params = {}) {
    auto done = db_.Exec(sql, std::move(params));
    ASSERT_TRUE(done.ok()) << Describe(done.error()) << "\n" << sql;
  }

  // The version a new read transaction sees.
  int64_t Version() {
    auto txn = db_.store().Begin(Access::kRead);
    EXPECT_TRUE(txn.ok());
    auto view = (*txn)->shared_facts();
    EXPECT_TRUE(view.ok());
    EXPECT_TRUE(*view) << "a read on a migrated SQLite store shares facts";
    return view.ok() ? view->version : -1;
  }

  // Whether the helper call `sql` (one boolean) holds for `user` in a new read.
  bool Holds(const std::string& user, const std::string& sql) {
    auto txn = db_.store().Begin(Access::kRead, RequestContext{"authenticated", user, "{}"});
    EXPECT_TRUE(txn.ok());
    auto rows = (*txn)->Query(sql, {});
    EXPECT_TRUE(rows.ok()) << Describe(rows.error());
    return rows.ok() && rows->rows.at(0).at(0).as_bool();
  }

  testing::MigratedStore db_;
};

TEST_F(SharedFactsTest, TheVersionMovesWithWhatDecidesAccessAndNothingElse) {
  struct Case {
    const char* sql;
    bool moves;
  };
  const Case cases[] = {
      {"UPDATE accounts_memberships SET updated_at = now() WHERE user_id = '00000000-0000-4000-8000-000000000002'", false},
      {"UPDATE accounts_memberships SET account_role = 'owner' WHERE user_id = '00000000-0000-4000-8000-000000000002'", true},
      {"UPDATE accounts SET name = 'Renamed' WHERE id = '00000000-0000-4000-8000-0000000000aa'", false},
      {"UPDATE accounts SET primary_owner_user_id = primary_owner_user_id", true},
      {"UPDATE auth_sessions SET refreshed_at = now()", false},
      {"UPDATE auth_sessions SET aal = 'aal2'", true},
      {"UPDATE auth_users SET last_sign_in_at = now()", false},
      {"UPDATE auth_users SET banned_until = '2999-01-01T00:00:00.000000+00:00' "
       "WHERE id = '00000000-0000-4000-8000-000000000002'", true},
      {"INSERT INTO auth_sessions (user_id) VALUES ('00000000-0000-4000-8000-000000000001')", true},
      {"DELETE FROM auth_sessions WHERE user_id = '00000000-0000-4000-8000-000000000001'", true},
      {"INSERT INTO role_permissions (role, permission) VALUES ('member', 'billing.manage')", true},
      {"DELETE FROM role_permissions WHERE role = 'member' AND permission = 'billing.manage'", true},
      {"INSERT INTO roles (name, hierarchy_level) VALUES ('viewer', 3)", true},
      {"INSERT INTO kit_enum_values (type_name, value, sort_order) VALUES ('app_permissions', 'notes.manage', 99)", true},
      {"DELETE FROM accounts_memberships WHERE user_id = '00000000-0000-4000-8000-000000000002'", true},
      {"INSERT INTO notifications (account_id, body) VALUES ('00000000-0000-4000-8000-0000000000aa', 'hello')", false},
  };
  for (const Case& c : cases) {
    const int64_t before = Version();
    Exec(c.sql);
    const int64_t after = Version();
    if (c.moves) {
      EXPECT_GT(after, before) << c.sql;
    } else {
      EXPECT_EQ(after, before) << c.sql;
    }
  }
}

TEST_F(SharedFactsTest, AReadKeepsItsVersionWhileOthersCommitAndWritesDoNotShare) {
  auto reader = db_.store().Begin(Access::kRead);
  ASSERT_TRUE(reader.ok());
  auto first = (*reader)->shared_facts();
  ASSERT_TRUE(first.ok() && *first);
  Exec("DELETE FROM accounts_memberships WHERE user_id = $1", {Value::Text(kMember)});
  auto again = (*reader)->shared_facts();
  ASSERT_TRUE(again.ok() && *again);
  EXPECT_EQ(again->version, first->version) << "the reader's snapshot predates the delete";
  EXPECT_GT(Version(), first->version);

  auto writer = db_.store().Begin(Access::kWrite);
  ASSERT_TRUE(writer.ok());
  auto view = (*writer)->shared_facts();
  ASSERT_TRUE(view.ok());
  EXPECT_FALSE(*view) << "a write's own changes are not committed yet: it must not share";
}

TEST_F(SharedFactsTest, HelpersAnswerFromSharedFactsAndSeeEveryChangeAtOnce) {
  const std::string member_of = "SELECT has_role_on_account('" + std::string(kTeam) + "')";
  const std::string may_bill =
      "SELECT has_permission('" + std::string(kMember) + "', '" + std::string(kTeam) + "', 'billing.manage')";
  const std::string owns = "SELECT is_account_owner('" + std::string(kTeam) + "')";
  EXPECT_TRUE(Holds(kMember, member_of));
  EXPECT_FALSE(Holds(kMember, may_bill));
  EXPECT_FALSE(Holds(kMember, owns));
  EXPECT_TRUE(Holds(kOwner, owns));

  // The answers are shared: a change made behind the version's back (its trigger
  // dropped, as no migration may) is not seen, which proves the second read did not ask
  // the tables again.
  Exec("DROP TRIGGER kit_access_version_memberships_delete");
  Exec("DELETE FROM accounts_memberships WHERE user_id = $1", {Value::Text(kMember)});
  EXPECT_TRUE(Holds(kMember, member_of)) << "answered from the shared facts";
  Exec("CREATE TRIGGER kit_access_version_memberships_delete AFTER DELETE ON accounts_memberships "
       "BEGIN UPDATE kit_access_version SET n = n + 1; END");

  // Every change through the schema is seen by the next read.
  Exec("INSERT INTO accounts_memberships (user_id, account_id, account_role) VALUES ($1, $2, 'member')",
       {Value::Text(kMember), Value::Text(kTeam)});
  EXPECT_TRUE(Holds(kMember, member_of));
  Exec("DELETE FROM accounts_memberships WHERE user_id = $1", {Value::Text(kMember)});
  EXPECT_FALSE(Holds(kMember, member_of)) << "a removed member is refused at once";
  Exec("INSERT INTO accounts_memberships (user_id, account_id, account_role) VALUES ($1, $2, 'member')",
       {Value::Text(kMember), Value::Text(kTeam)});
  EXPECT_TRUE(Holds(kMember, member_of)) << "and let in again at once";
  EXPECT_FALSE(Holds(kMember, may_bill));
  Exec("INSERT INTO role_permissions (role, permission) VALUES ('member', 'billing.manage')");
  EXPECT_TRUE(Holds(kMember, may_bill)) << "a permission granted to the role counts at once";
  Exec("DELETE FROM role_permissions WHERE role = 'member' AND permission = 'billing.manage'");
  EXPECT_FALSE(Holds(kMember, may_bill)) << "and its revocation too";
  Exec("UPDATE accounts SET primary_owner_user_id = $1 WHERE id = $2", {Value::Text(kMember), Value::Text(kTeam)});
  EXPECT_TRUE(Holds(kMember, owns));
  EXPECT_FALSE(Holds(kOwner, owns)) << "ownership moves at once";
}

TEST_F(SharedFactsTest, AnUnknownPermissionNameIsRefusedFromSharedFactsToo) {
  const std::string unknown =
      "SELECT has_permission('" + std::string(kOwner) + "', '" + std::string(kTeam) + "', 'no.such.permission')";
  for (int i = 0; i < 2; ++i) {  // the second read answers from the shared names
    auto txn = db_.store().Begin(Access::kRead, RequestContext{"authenticated", kMember, "{}"});
    ASSERT_TRUE(txn.ok());
    auto rows = (*txn)->Query(unknown, {});
    ASSERT_FALSE(rows.ok());
    EXPECT_EQ(rows.error().sqlstate, "22P02");
  }
  Exec("INSERT INTO kit_enum_values (type_name, value, sort_order) VALUES ('app_permissions', 'no.such.permission', 99)");
  EXPECT_FALSE(Holds(kMember, unknown)) << "a new value is known at once (and not granted)";
}

}  // namespace
}  // namespace tb::policy
