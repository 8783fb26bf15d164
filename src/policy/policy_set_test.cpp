#include "policy/policy_set.h"

#include <gtest/gtest.h>

#include "policy/helpers.h"
#include "support/migrated_store.h"

namespace tb::policy {
namespace {

using store::Access;
using store::RequestContext;
using store::Value;

class PolicySetTest : public ::testing::Test {
 protected:
  // Runs `statement` through the migration hook in its own transaction.
  Result<bool> Hook(std::string_view statement) {
    auto txn = db_.store().Begin(Access::kWrite);
    if (!txn) return std::move(txn).error();
    auto handled = HandleMigrationStatement(**txn, statement);
    if (handled && *handled) {
      if (Status s = (*txn)->Commit(); !s) return std::move(s).error();
    }
    return handled;
  }

  std::shared_ptr<const PolicySet> Load() {
    auto txn = db_.store().Begin(Access::kRead);
    EXPECT_TRUE(txn.ok());
    auto set = PolicySet::Load(**txn);
    EXPECT_TRUE(set.ok()) << Describe(set.error());
    return set.ok() ? *set : nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(db_.Exec("CREATE TABLE items (id integer PRIMARY KEY, owner text, team text, public boolean)").ok());
    ASSERT_TRUE(Hook("ALTER TABLE public.items ENABLE ROW LEVEL SECURITY").ok());
  }

  // How many rows of items `request` sees through the SELECT predicate.
  int64_t Visible(const RequestContext& request) {
    auto set = Load();
    const auto predicate = set->Using("items", request.role, Command::kSelect);
    auto txn = db_.store().Begin(Access::kRead, request);
    EXPECT_TRUE(txn.ok());
    auto rows = (*txn)->Query("SELECT count(*) FROM items WHERE " + predicate.value_or("1"));
    EXPECT_TRUE(rows.ok()) << Describe(rows.error());
    return rows.ok() ? rows->rows[0][0].as_int() : -1;
  }

  testing::MigratedStore db_;
};

TEST_F(PolicySetTest, CoreMigrationsProtectEveryPublicTable) {
  auto rows = db_.Query(
      "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'auth\\_%' ESCAPE '\\' "
      "AND name NOT LIKE 'kit\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
      "AND name NOT IN ('schema_migrations', 'items') "
      "AND name NOT IN (SELECT table_name FROM kit_rls_tables WHERE enabled)");
  ASSERT_TRUE(rows.ok()) << Describe(rows.error());
  std::string missing;
  for (const auto& row : rows->rows) missing += row[0].as_text() + " ";
  EXPECT_TRUE(rows->rows.empty()) << "tables without row-level security: " << missing;
}

TEST_F(PolicySetTest, DeniesByDefaultAndLetsServiceRoleThrough) {
  ASSERT_TRUE(db_.Exec("INSERT INTO items (owner, public) VALUES ('u1', 1), ('u2', 0)").ok());
  EXPECT_EQ(Visible({"authenticated", "u1", "{}"}), 0) << "no policy: nothing";
  EXPECT_EQ(Visible({"anon", "", ""}), 0);
  EXPECT_EQ(Visible({"service_role", "", ""}), 2);
  auto set = Load();
  EXPECT_FALSE(set->Using("items", "service_role", Command::kSelect).has_value());
  EXPECT_FALSE(set->Using("items", "", Command::kDelete).has_value()) << "the server itself";
  EXPECT_EQ(set->Using("no_rls_table", "authenticated", Command::kSelect), "0");
}

TEST_F(PolicySetTest, PermissivePoliciesOrAndRestrictiveOnesAnd) {
  ASSERT_TRUE(db_.Exec("INSERT INTO items (owner, team, public) VALUES ('u1', 't1', 0), ('u2', 't1', 1), ('u2', 't2', 0)").ok());
  ASSERT_TRUE(Hook("CREATE POLICY own ON items FOR SELECT TO authenticated USING (owner = (SELECT auth.uid()))").ok());
  EXPECT_EQ(Visible({"authenticated", "u1", "{}"}), 1);
  ASSERT_TRUE(Hook("CREATE POLICY open ON items FOR SELECT TO authenticated USING (public)").ok());
  EXPECT_EQ(Visible({"authenticated", "u1", "{}"}), 2) << "own OR public";
  ASSERT_TRUE(Hook("CREATE POLICY team_one ON items AS RESTRICTIVE FOR SELECT TO authenticated USING (team = 't1')").ok());
  EXPECT_EQ(Visible({"authenticated", "u2", "{}"}), 1) << "(own OR public) AND team t1";
  EXPECT_EQ(Visible({"anon", "", ""}), 0) << "policies TO authenticated do not apply to anon";
  ASSERT_TRUE(Hook("CREATE POLICY anon_public ON items FOR SELECT TO anon USING (public = true)").ok());
  EXPECT_EQ(Visible({"anon", "", ""}), 1);
}

TEST_F(PolicySetTest, ChecksFallBackToUsingPerPolicy) {
  ASSERT_TRUE(Hook("CREATE POLICY manage ON items FOR ALL TO authenticated USING (owner = auth.uid())").ok());
  ASSERT_TRUE(Hook("CREATE POLICY add ON items FOR INSERT TO authenticated WITH CHECK (team = 'open')").ok());
  auto set = Load();
  const auto check = set->Check("items", "authenticated", Command::kInsert);
  ASSERT_TRUE(check.has_value());
  EXPECT_NE(check->find("auth_uid()"), std::string::npos) << *check;
  EXPECT_NE(check->find("'open'"), std::string::npos) << *check;
  const auto update_check = set->Check("items", "authenticated", Command::kUpdate);
  ASSERT_TRUE(update_check.has_value());
  EXPECT_EQ(update_check->find("'open'"), std::string::npos) << "the INSERT policy does not guard updates";
  // An INSERT-only policy grants no reading.
  EXPECT_EQ(set->Using("items", "authenticated", Command::kSelect)->find("'open'"), std::string::npos);
}

TEST_F(PolicySetTest, HelpersAnswerForTheTransactionsCaller) {
  ASSERT_TRUE(db_.Exec("INSERT INTO auth_users (id, email) VALUES ('00000000-0000-4000-8000-000000000001', 'a@example.com')").ok());
  ASSERT_TRUE(db_.Exec("INSERT INTO accounts (id, name, slug, is_personal_account, primary_owner_user_id) VALUES "
                       "('00000000-0000-4000-8000-0000000000aa', 'Team', 'team', 0, '00000000-0000-4000-8000-000000000001')")
                  .ok());
  ASSERT_TRUE(db_.Exec("INSERT INTO accounts_memberships (user_id, account_id, account_role) VALUES "
                       "('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000aa', 'member')")
                  .ok());
  ASSERT_TRUE(db_.Exec("INSERT INTO items (team) VALUES ('00000000-0000-4000-8000-0000000000aa'), ('00000000-0000-4000-8000-0000000000bb')").ok());
  ASSERT_TRUE(Hook("CREATE POLICY members ON public.items FOR SELECT TO authenticated "
                   "USING (public.has_role_on_account(team::uuid) "
                   "AND public.has_permission(auth.uid(), team::uuid, 'invites.manage'::public.app_permissions))")
                  .ok());
  EXPECT_EQ(Visible({"authenticated", "00000000-0000-4000-8000-000000000001", "{}"}), 1);
  EXPECT_EQ(Visible({"authenticated", "00000000-0000-4000-8000-000000000002", "{}"}), 0);
}

TEST_F(PolicySetTest, ViewsReadTheirTablesUnderTheCallersPolicies) {
  ASSERT_TRUE(db_.Exec("INSERT INTO items (owner, public) VALUES ('u1', 0), ('u2', 0), ('u2', 1)").ok());
  // A view that filters nothing itself: on its own it would show every row.
  ASSERT_TRUE(db_.Exec("CREATE VIEW all_items AS SELECT i.id AS id, i.owner AS owner FROM items i").ok());
  ASSERT_TRUE(Hook("CREATE POLICY own ON items FOR SELECT TO authenticated USING (owner = auth.uid())").ok());
  auto set = Load();
  auto with = set->ViewSql("all_items", "authenticated");
  ASSERT_TRUE(with.ok()) << Describe(with.error());
  ASSERT_TRUE(with->has_value());
  auto count = [&](const RequestContext& request, const std::string& prefix) {
    auto txn = db_.store().Begin(Access::kRead, request);
    EXPECT_TRUE(txn.ok());
    auto rows = (*txn)->Query(prefix + "SELECT count(*) FROM all_items");
    EXPECT_TRUE(rows.ok()) << Describe(rows.error()) << "\n" << prefix;
    return rows.ok() ? rows->rows[0][0].as_int() : -1;
  };
  EXPECT_EQ(count({"authenticated", "u2", "{}"}, **with), 2);
  EXPECT_EQ(count({"authenticated", "u3", "{}"}, **with), 0);
  auto anon = set->ViewSql("all_items", "anon");
  ASSERT_TRUE(anon.ok());
  EXPECT_EQ(count({"anon", "", ""}, **anon), 0) << "no policy for anon";
  auto service = set->ViewSql("all_items", "service_role");
  ASSERT_TRUE(service.ok());
  EXPECT_FALSE(service->has_value()) << "service_role reads the view as stored";
  EXPECT_FALSE(set->ViewSql("no_such_view", "authenticated").ok());
}

TEST_F(PolicySetTest, RefusesBadPolicyStatementsWithTheReason) {
  struct Case {
    const char* statement;
    const char* sqlstate;
  };
  for (const Case& c : {
           Case{"CREATE POLICY p ON nowhere FOR SELECT USING (true)", "42P01"},
           Case{"CREATE POLICY p ON items FOR SELECT USING (public.no_such_helper(id))", "42883"},
           Case{"CREATE POLICY p ON other.items FOR SELECT USING (true)", "42P01"},
           Case{"DROP POLICY missing ON items", "42704"},
           Case{"ALTER TABLE nowhere ENABLE ROW LEVEL SECURITY", "42P01"},
       }) {
    auto handled = Hook(c.statement);
    ASSERT_FALSE(handled.ok()) << c.statement;
    EXPECT_EQ(handled.error().sqlstate, c.sqlstate) << c.statement << ": " << Describe(handled.error());
  }
  auto unknown_column = Hook("CREATE POLICY p ON items FOR SELECT USING (no_such_column = 1)");
  ASSERT_FALSE(unknown_column.ok());
  EXPECT_NE(unknown_column.error().message.find("no_such_column"), std::string::npos);
  auto select_with_check = Hook("CREATE POLICY p ON items FOR SELECT WITH CHECK (true)");
  EXPECT_FALSE(select_with_check.ok()) << (select_with_check.ok() ? (*select_with_check ? "handled" : "not handled") : "");
  auto syntax = Hook("CREATE POLICY p ON items FOR SELECT USING (owner = )");
  ASSERT_FALSE(syntax.ok());
  EXPECT_NE(syntax.error().message.find("line 1"), std::string::npos) << syntax.error().message;

  ASSERT_TRUE(Hook("CREATE POLICY twice ON items FOR SELECT USING (true)").ok());
  auto duplicate = Hook("CREATE POLICY twice ON items FOR SELECT USING (true)");
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().sqlstate, "42710");
  EXPECT_TRUE(Hook("DROP POLICY IF EXISTS missing ON items").ok());
  auto dropped = Hook("DROP POLICY twice ON items");
  ASSERT_TRUE(dropped.ok());
  EXPECT_TRUE(*dropped);
}

TEST_F(PolicySetTest, LeavesOtherStatementsToTheDatabase) {
  for (const char* statement : {"CREATE TABLE t (x int)", "-- ALTER TABLE items ENABLE ROW LEVEL SECURITY\nSELECT 1",
                                "ALTER TABLE items ADD COLUMN note text", "INSERT INTO items (owner) VALUES ('create policy')"}) {
    auto handled = Hook(statement);
    ASSERT_TRUE(handled.ok()) << statement;
    EXPECT_FALSE(*handled) << statement;
  }
}

}  // namespace
}  // namespace tb::policy
