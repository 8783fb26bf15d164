#include "policy/app_migrations.h"

#include <gtest/gtest.h>

#include "base/strings.h"
#include "policy/policy_set.h"
#include "policy/sql/script.h"
#include "store/migrate/migrator.h"
#include "support/migrated_store.h"

namespace tb::policy {
namespace {

using store::Access;
using store::RequestContext;
using store::Value;

constexpr const char* kUser = "00000000-0000-4000-8000-000000000001";
constexpr const char* kOtherUser = "00000000-0000-4000-8000-000000000002";
constexpr const char* kTeam = "00000000-0000-4000-8000-0000000000aa";
constexpr const char* kOtherTeam = "00000000-0000-4000-8000-0000000000bb";

class AppMigrationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* user : {kUser, kOtherUser}) {
      ASSERT_TRUE(db_.Exec("INSERT INTO auth_users (id, email) VALUES ($1, $2)",
                           {Value::Text(user), Value::Text(std::string(user).substr(30) + "@example.com")})
                      .ok());
    }
    for (const char* team : {kTeam, kOtherTeam}) {
      ASSERT_TRUE(db_.Exec("INSERT INTO accounts (id, primary_owner_user_id, name, slug, is_personal_account) "
                           "VALUES ($1, $2, 'Team', $3, 0)",
                           {Value::Text(team), Value::Text(kUser), Value::Text(std::string("team-") + team)})
                      .ok());
    }
  }

  // Runs `script` as migration file `file` in one transaction, committed when it succeeds.
  Status Run(std::string_view script, std::string_view file = "0001_app.sql") {
    auto txn = db_.store().Begin(Access::kWrite);
    if (!txn) return std::move(txn).error();
    if (Status s = RunPostgresMigration(**txn, script, file); !s) return s;
    return (*txn)->Commit();
  }

  // The message of the error `script` fails with ("" and a test failure when it succeeds).
  std::string Refusal(std::string_view script, std::string_view file = "0001_app.sql") {
    Status s = Run(script, file);
    EXPECT_FALSE(s.ok()) << script;
    return s.ok() ? "" : s.error().message;
  }

  // Runs `sql` in a write transaction for `request` (a user, say) and commits.
  Result<int64_t> ExecAs(const RequestContext& request, std::string_view sql, std::vector<Value> params = {}) {
    return db_.Exec(sql, std::move(params), request);
  }

  std::string DeclaredType(const std::string& table, const std::string& column) {
    return db_.Scalar("SELECT type FROM pragma_table_info($1) WHERE name = $2", {Value::Text(table), Value::Text(column)})
        .as_text();
  }

  static RequestContext As(const char* user) { return RequestContext{"authenticated", user, "{}"}; }

  testing::MigratedStore db_;
};

// ---- splitting ------------------------------------------------------------------------

TEST(ScriptSplit, SemicolonsInStringsCommentsAndDollarBodiesDoNotSplit) {
  auto statements = sql::SplitScript(
      "SELECT ';';\n"
      "-- a comment; with a semicolon\n"
      "CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END; $$ LANGUAGE plpgsql;\n"
      "/* block ; comment */ COMMENT ON TABLE t IS 'x;y';;\n");
  ASSERT_TRUE(statements.ok()) << Describe(statements.error());
  ASSERT_EQ(statements->size(), 3u);
  EXPECT_EQ((*statements)[0].line, 1);
  EXPECT_EQ((*statements)[1].line, 3);
  EXPECT_NE((*statements)[1].preamble.find("a comment"), std::string_view::npos);
  EXPECT_EQ((*statements)[2].line, 4);
  EXPECT_EQ((*statements)[2].text, "COMMENT ON TABLE t IS 'x;y'");
}

TEST(ScriptSplit, UnterminatedBodyNamesItsLine) {
  auto statements = sql::SplitScript("SELECT 1;\nSELECT $$ never closed");
  ASSERT_FALSE(statements.ok());
  EXPECT_NE(statements.error().message.find("line 2"), std::string::npos) << statements.error().message;
}

// ---- CREATE TABLE ---------------------------------------------------------------------

TEST_F(AppMigrationsTest, ColumnsKeepTheirDeclaredTypes) {
  ASSERT_TRUE(Run(R"(
    CREATE TABLE public.kinds (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      title text, code varchar(20), label character varying(30), at timestamptz, at2 timestamp with time zone,
      day date, data jsonb, flag boolean, n integer, big int8, amount numeric(10, 2), ratio double precision,
      permission public.app_permissions, tags text[], ids uuid ARRAY
    );
    ALTER TABLE public.kinds ENABLE ROW LEVEL SECURITY;)")
                  .ok());
  const std::pair<const char*, const char*> expected[] = {
      {"id", "uuid"}, {"title", "text"}, {"code", "varchar(20)"}, {"label", "varchar(30)"},
      {"at", "timestamptz"}, {"at2", "timestamptz"}, {"day", "date"}, {"data", "jsonb"},
      {"flag", "boolean"}, {"n", "integer"}, {"big", "bigint"}, {"amount", "numeric(10,2)"},
      {"ratio", "double precision"}, {"permission", "app_permissions"}, {"tags", "jsonb"}, {"ids", "jsonb"}};
  for (const auto& [column, type] : expected) EXPECT_EQ(AsciiLower(DeclaredType("kinds", column)), type) << column;
}

TEST_F(AppMigrationsTest, DefaultsAreTranslated) {
  ASSERT_TRUE(Run(R"(
    CREATE TABLE user_preferences (
      user_id uuid REFERENCES auth.users(id) ON DELETE CASCADE,
      theme varchar(20) DEFAULT 'light',
      language varchar(10) DEFAULT 'en',
      email_notifications boolean DEFAULT true,
      quiet boolean DEFAULT 'off',
      settings jsonb DEFAULT '{}'::jsonb NOT NULL,
      tags text[] DEFAULT '{}',
      id uuid DEFAULT gen_random_uuid() NOT NULL,
      created_at timestamptz DEFAULT now() NOT NULL,
      seen_at timestamptz DEFAULT CURRENT_TIMESTAMP,
      owner uuid DEFAULT auth.uid()
    );
    ALTER TABLE user_preferences ENABLE ROW LEVEL SECURITY;)")
                  .ok());
  ASSERT_TRUE(ExecAs(As(kUser), "INSERT INTO user_preferences (user_id) VALUES ($1)", {Value::Text(kUser)}).ok());
  auto rows = db_.Query(
      "SELECT theme, language, email_notifications, quiet, settings, tags, length(id), created_at LIKE '____-__-__T__:__:__.______+00:00', "
      "seen_at IS NOT NULL, owner FROM user_preferences");
  ASSERT_TRUE(rows.ok()) << Describe(rows.error());
  const auto& row = rows->rows.at(0);
  EXPECT_EQ(row[0].as_text(), "light");
  EXPECT_EQ(row[1].as_text(), "en");
  EXPECT_EQ(row[2].as_int(), 1);
  EXPECT_EQ(row[3].as_int(), 0);
  EXPECT_EQ(row[4].as_text(), "{}");
  EXPECT_EQ(row[5].as_text(), "[]");
  EXPECT_EQ(row[6].as_int(), 36);
  EXPECT_EQ(row[7].as_int(), 1);
  EXPECT_EQ(row[8].as_int(), 1);
  EXPECT_EQ(row[9].as_text(), kUser);
}

TEST_F(AppMigrationsTest, KeysAndReferencesAreEnforced) {
  ASSERT_TRUE(Run(R"(
    CREATE TABLE documents (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      account_id uuid REFERENCES accounts(id) ON DELETE CASCADE,
      title text NOT NULL,
      slug text UNIQUE,
      content text,
      created_by uuid REFERENCES auth.users(id) ON DELETE SET NULL,
      -- Always include account_id for multi-tenancy
      CONSTRAINT documents_account_ownership CHECK (account_id IS NOT NULL)
    );
    ALTER TABLE documents ENABLE ROW LEVEL SECURITY;)")
                  .ok());
  auto insert = [&](const char* account, const char* title, const char* slug) {
    return db_.Exec("INSERT INTO documents (account_id, title, slug, created_by) VALUES ($1, $2, $3, $4)",
                    {account ? Value::Text(account) : Value::Null(), title ? Value::Text(title) : Value::Null(),
                     Value::Text(slug), Value::Text(kOtherUser)});
  };
  ASSERT_TRUE(insert(kTeam, "Plan", "plan").ok());
  EXPECT_EQ(insert(kTeam, nullptr, "a").error().sqlstate, "23502");
  EXPECT_EQ(insert(kTeam, "Dup", "plan").error().sqlstate, "23505");
  EXPECT_EQ(insert("00000000-0000-4000-8000-0000000000ff", "Orphan", "b").error().sqlstate, "23503");
  auto unowned = insert(nullptr, "Nobody's", "c");
  EXPECT_EQ(unowned.error().sqlstate, "23514");
  EXPECT_NE(unowned.error().message.find("documents_account_ownership"), std::string::npos);
  ASSERT_TRUE(db_.Exec("DELETE FROM auth_users WHERE id = $1", {Value::Text(kOtherUser)}).ok());
  EXPECT_TRUE(db_.Scalar("SELECT created_by FROM documents").is_null());  // ON DELETE SET NULL
  ASSERT_TRUE(db_.Exec("DELETE FROM accounts WHERE id = $1", {Value::Text(kTeam)}).ok());
  EXPECT_EQ(db_.Scalar("SELECT count(*) FROM documents").as_int(), 0);  // ON DELETE CASCADE
}

TEST_F(AppMigrationsTest, TablePrimaryKeyAndCompositeUniqueWork) {
  ASSERT_TRUE(Run(R"(
    CREATE TABLE feature_limits (
      account_id uuid REFERENCES accounts(id) ON DELETE CASCADE,
      feature_name text NOT NULL,
      seat integer,
      usage_limit integer, -- NULL means unlimited
      PRIMARY KEY (account_id, feature_name),
      CONSTRAINT feature_limits_seat UNIQUE (account_id, seat)
    );
    ALTER TABLE feature_limits ENABLE ROW LEVEL SECURITY;)")
                  .ok());
  ASSERT_TRUE(db_.Exec("INSERT INTO feature_limits (account_id, feature_name, seat) VALUES ($1, 'x', 1)", {Value::Text(kTeam)}).ok());
  EXPECT_EQ(db_.Exec("INSERT INTO feature_limits (account_id, feature_name) VALUES ($1, 'x')", {Value::Text(kTeam)})
                .error().sqlstate, "23505");
  EXPECT_EQ(db_.Exec("INSERT INTO feature_limits (account_id, feature_name, seat) VALUES ($1, 'y', 1)", {Value::Text(kTeam)})
                .error().sqlstate, "23505");
  // PostgreSQL's primary keys are NOT NULL; SQLite's are not unless told.
  EXPECT_EQ(db_.Exec("INSERT INTO feature_limits (account_id, feature_name) VALUES (NULL, 'z')").error().sqlstate, "23502");
}

TEST_F(AppMigrationsTest, ChecksKeepTheirNamesAndPostgresNamesTheRest) {
  ASSERT_TRUE(Run(R"(
    CREATE TABLE collaboration_requests (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      from_account_id uuid REFERENCES accounts(id) ON DELETE CASCADE,
      to_account_id uuid REFERENCES accounts(id) ON DELETE CASCADE,
      status text CHECK (status IN ('pending', 'accepted', 'rejected')),
      -- Prevent self-collaboration
      CONSTRAINT no_self_collaboration CHECK (from_account_id != to_account_id)
    );
    ALTER TABLE collaboration_requests ENABLE ROW LEVEL SECURITY;)")
                  .ok());
  auto insert = [&](const char* from, const char* to, const char* status) {
    return db_.Exec("INSERT INTO collaboration_requests (from_account_id, to_account_id, status) VALUES ($1, $2, $3)",
                    {Value::Text(from), Value::Text(to), Value::Text(status)});
  };
  EXPECT_TRUE(insert(kTeam, kOtherTeam, "pending").ok());
  auto self = insert(kTeam, kTeam, "pending");
  EXPECT_EQ(self.error().sqlstate, "23514");
  EXPECT_NE(self.error().message.find("no_self_collaboration"), std::string::npos) << self.error().message;
  auto status = insert(kTeam, kOtherTeam, "maybe");
  EXPECT_EQ(status.error().sqlstate, "23514");
  EXPECT_NE(status.error().message.find("collaboration_requests_status_check"), std::string::npos);
}

TEST_F(AppMigrationsTest, TypeChecksGuardBooleansJsonArraysAndLengths) {
  ASSERT_TRUE(Run(R"(
    CREATE TABLE typed (flag boolean, data jsonb, tags text[], code varchar(3));
    ALTER TABLE typed ENABLE ROW LEVEL SECURITY;)")
                  .ok());
  EXPECT_TRUE(db_.Exec("INSERT INTO typed VALUES (1, '{\"a\":1}', '[\"x\"]', 'abc')").ok());
  for (const char* bad : {"INSERT INTO typed (flag) VALUES (2)", "INSERT INTO typed (data) VALUES ('{nope')",
                          "INSERT INTO typed (tags) VALUES ('{\"a\":1}')"}) {
    auto refused = db_.Exec(bad);
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_EQ(refused.error().sqlstate, "23514") << bad;
  }
  // A string over varchar(n) is PostgreSQL's 22001, message and all.
  auto too_long = db_.Exec("INSERT INTO typed (code) VALUES ('abcd')");
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.error().sqlstate, "22001");
  EXPECT_EQ(too_long.error().message, "value too long for type character varying(3)");
}

TEST_F(AppMigrationsTest, SubqueryCheckBecomesTriggersThatLookUpTheParent) {
  ASSERT_TRUE(Run(R"(
    -- Pattern 2 without its ltree column
    CREATE TABLE project_categories (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      account_id uuid REFERENCES accounts(id) ON DELETE CASCADE NOT NULL,
      parent_id uuid REFERENCES project_categories(id) ON DELETE CASCADE,
      name text NOT NULL,
      -- Ensure hierarchy stays within account
      CONSTRAINT categories_same_account CHECK (
        parent_id IS NULL OR (SELECT account_id FROM project_categories WHERE id = parent_id) = account_id
      )
    );
    ALTER TABLE project_categories ENABLE ROW LEVEL SECURITY;)")
                  .ok());
  const char* root = "00000000-0000-4000-8000-00000000c001";
  ASSERT_TRUE(db_.Exec("INSERT INTO project_categories (id, account_id, name) VALUES ($1, $2, 'root')",
                       {Value::Text(root), Value::Text(kTeam)})
                  .ok());
  EXPECT_TRUE(db_.Exec("INSERT INTO project_categories (account_id, parent_id, name) VALUES ($1, $2, 'child')",
                       {Value::Text(kTeam), Value::Text(root)})
                  .ok());
  auto foreign = db_.Exec("INSERT INTO project_categories (account_id, parent_id, name) VALUES ($1, $2, 'x')",
                          {Value::Text(kOtherTeam), Value::Text(root)});
  ASSERT_FALSE(foreign.ok());
  EXPECT_EQ(foreign.error().sqlstate, "23514");
  EXPECT_EQ(foreign.error().message,
            "new row for relation \"project_categories\" violates check constraint \"categories_same_account\"");
  auto moved = db_.Exec("UPDATE project_categories SET account_id = $1 WHERE name = 'child'", {Value::Text(kOtherTeam)});
  EXPECT_EQ(moved.error().sqlstate, "23514");
}

TEST_F(AppMigrationsTest, EnumsAreCreatedExtendedAndValidated) {
  ASSERT_TRUE(Run(R"(
    CREATE TYPE public.request_status AS ENUM ('pending', 'accepted');
    ALTER TYPE request_status ADD VALUE 'rejected';
    ALTER TYPE request_status ADD VALUE IF NOT EXISTS 'pending';
    ALTER TYPE request_status ADD VALUE 'draft' BEFORE 'pending';
    CREATE TABLE requests (status request_status NOT NULL DEFAULT 'pending'::request_status, history request_status[]);
    ALTER TABLE requests ENABLE ROW LEVEL SECURITY;)")
                  .ok());
  auto order = db_.Query("SELECT value FROM kit_enum_values WHERE type_name = 'request_status' ORDER BY sort_order");
  ASSERT_TRUE(order.ok());
  std::vector<std::string> values;
  for (const auto& row : order->rows) values.push_back(row[0].as_text());
  EXPECT_EQ(values, (std::vector<std::string>{"draft", "pending", "accepted", "rejected"}));
  auto defaults = db_.Exec("INSERT INTO requests DEFAULT VALUES");
  EXPECT_TRUE(defaults.ok()) << Describe(defaults.error());
  EXPECT_TRUE(db_.Exec("INSERT INTO requests (status, history) VALUES ('rejected', '[\"draft\"]')").ok());
  EXPECT_EQ(db_.Exec("INSERT INTO requests (status) VALUES ('lost')").error().sqlstate, "22P02");
  EXPECT_EQ(db_.Exec("INSERT INTO requests (status, history) VALUES ('draft', '[\"lost\"]')").error().sqlstate, "22P02");
  EXPECT_EQ(db_.Exec("UPDATE requests SET status = 'lost'").error().sqlstate, "22P02");
  EXPECT_NE(Refusal("ALTER TYPE request_status ADD VALUE 'draft';").find("enum label \"draft\" already exists"),
            std::string::npos);
  EXPECT_NE(Refusal("CREATE TYPE request_status AS ENUM ('x');").find("type \"request_status\" already exists"),
            std::string::npos);
}

TEST_F(AppMigrationsTest, IndexesAreCreatedAndUniqueOnesEnforced) {
  ASSERT_TRUE(Run(R"(
    CREATE TABLE if not exists public.your_table (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      account_id uuid REFERENCES accounts(id) ON DELETE CASCADE NOT NULL,
      email text,
      created_at timestamptz DEFAULT now() NOT NULL
    );
    CREATE INDEX idx_your_table_account_id ON public.your_table(account_id);
    CREATE INDEX idx_your_table_created_at ON public.your_table(created_at DESC);
    CREATE UNIQUE INDEX IF NOT EXISTS your_table_email_key ON your_table USING btree (lower(email)) WHERE email IS NOT NULL;
    CREATE INDEX ON your_table (account_id, created_at);
    ALTER TABLE public.your_table ENABLE ROW LEVEL SECURITY;)")
                  .ok());
  auto indexes = db_.Query("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'your_table' "
                           "AND sql IS NOT NULL ORDER BY name");
  ASSERT_TRUE(indexes.ok());
  std::vector<std::string> names;
  for (const auto& row : indexes->rows) names.push_back(row[0].as_text());
  EXPECT_EQ(names, (std::vector<std::string>{"idx_your_table_account_id", "idx_your_table_created_at",
                                             "your_table_account_id_created_at_idx", "your_table_email_key"}));
  ASSERT_TRUE(db_.Exec("INSERT INTO your_table (account_id, email) VALUES ($1, 'A@x.io')", {Value::Text(kTeam)}).ok());
  EXPECT_EQ(db_.Exec("INSERT INTO your_table (account_id, email) VALUES ($1, 'a@x.io')", {Value::Text(kTeam)})
                .error().sqlstate, "23505");
}

TEST_F(AppMigrationsTest, SerialAndIdentityKeysNumberRows) {
  ASSERT_TRUE(Run(R"(
    CREATE TABLE events (id bigserial PRIMARY KEY, name text);
    CREATE TABLE audits (id bigint GENERATED ALWAYS AS IDENTITY, note text, PRIMARY KEY (id));
    ALTER TABLE events ENABLE ROW LEVEL SECURITY;
    ALTER TABLE audits ENABLE ROW LEVEL SECURITY;)")
                  .ok());
  for (const char* table : {"events", "audits"}) {
    const std::string t(table);
    ASSERT_TRUE(db_.Exec("INSERT INTO " + t + " DEFAULT VALUES").ok());
    ASSERT_TRUE(db_.Exec("INSERT INTO " + t + " DEFAULT VALUES").ok());
    EXPECT_EQ(db_.Scalar("SELECT group_concat(id) FROM " + t).as_text(), "1,2") << table;
    EXPECT_EQ(AsciiLower(DeclaredType(t, "id")), "integer");
  }
}

TEST_F(AppMigrationsTest, IfNotExistsLeavesAnExistingTableAlone) {
  const char* script = "CREATE TABLE IF NOT EXISTS notes (id uuid PRIMARY KEY); ALTER TABLE notes ENABLE ROW LEVEL SECURITY;";
  ASSERT_TRUE(Run(script).ok());
  ASSERT_TRUE(Run("CREATE TABLE IF NOT EXISTS notes (id uuid PRIMARY KEY, other text);").ok());
  EXPECT_EQ(db_.Scalar("SELECT count(*) FROM pragma_table_info('notes')").as_int(), 1);
  EXPECT_NE(Refusal("CREATE TABLE notes (id uuid);").find("relation \"notes\" already exists"), std::string::npos);
}

// ---- policies, comments, grants -------------------------------------------------------

TEST_F(AppMigrationsTest, PoliciesAndRowLevelSecurityGoToThePolicyLayer) {
  ASSERT_TRUE(Run(R"(
    CREATE TABLE your_feature (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      account_id uuid REFERENCES accounts(id) ON DELETE CASCADE NOT NULL,
      name text NOT NULL
    );
    ALTER TABLE your_feature ENABLE ROW LEVEL SECURITY;
    -- Standard RLS policy
    CREATE POLICY "feature_account_access" ON your_feature FOR ALL TO authenticated
      USING (public.has_role_on_account(account_id))
      WITH CHECK (public.has_permission(auth.uid(), account_id, 'feature.manage'));
    CREATE POLICY "temporary" ON your_feature FOR SELECT USING (true);
    DROP POLICY "temporary" ON your_feature;
    COMMENT ON TABLE public.your_feature IS 'Description of your table';
    COMMENT ON COLUMN public.your_feature.account_id IS 'Account ownership';
    COMMENT ON POLICY "feature_account_access" ON your_feature IS 'accepted, not kept';
    REVOKE ALL ON public.your_feature FROM authenticated, service_role;
    GRANT SELECT, INSERT, UPDATE, DELETE ON public.your_feature TO authenticated;)")
                  .ok());
  EXPECT_EQ(db_.Scalar("SELECT enabled FROM kit_rls_tables WHERE table_name = 'your_feature'").as_int(), 1);
  EXPECT_EQ(db_.Scalar("SELECT group_concat(policy_name) FROM kit_policies WHERE table_name = 'your_feature'").as_text(),
            "feature_account_access");
  EXPECT_EQ(db_.Scalar("SELECT comment FROM kit_comments WHERE object_type = 'column' AND object_name = "
                       "'your_feature.account_id'")
                .as_text(),
            "Account ownership");
  EXPECT_EQ(db_.Scalar("SELECT count(*) FROM kit_comments").as_int(), 2);
}

TEST_F(AppMigrationsTest, NoRlsMarkerAllowsATableWithoutRowLevelSecurity) {
  EXPECT_TRUE(Run("-- tenantbase: no-rls (server-side only)\nCREATE TABLE internal_jobs (id integer PRIMARY KEY);").ok());
  EXPECT_TRUE(Run("CREATE TABLE internal_log ( -- tenantbase: no-rls\n id integer PRIMARY KEY);", "0002_log.sql").ok());
  // A marker trailing the previous statement on its line is that statement's, not the next one's.
  EXPECT_NE(Refusal("CREATE TABLE a (id int); -- tenantbase: no-rls\nCREATE TABLE b (id int);", "0003_ab.sql")
                .find("table \"b\" was created without row-level security"),
            std::string::npos);
}

// ---- triggers -------------------------------------------------------------------------

class TrackedTableTest : public AppMigrationsTest {
 protected:
  void SetUp() override {
    AppMigrationsTest::SetUp();
    ASSERT_TRUE(Run(R"(
      CREATE TABLE if not exists public.your_table (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        account_id uuid REFERENCES accounts(id) ON DELETE CASCADE NOT NULL,
        created_at timestamptz DEFAULT now() NOT NULL,
        updated_at timestamptz DEFAULT now() NOT NULL,
        created_by uuid REFERENCES auth.users(id),
        updated_by uuid REFERENCES auth.users(id),
        title text
      );
      ALTER TABLE public.your_table ENABLE ROW LEVEL SECURITY;
      -- Update timestamp trigger
      CREATE TRIGGER update_your_table_updated_at BEFORE UPDATE ON public.your_table
        FOR EACH ROW EXECUTE FUNCTION kit.update_updated_at();
      -- Audit trigger
      CREATE TRIGGER track_your_table_changes BEFORE INSERT OR UPDATE ON public.your_table
        FOR EACH ROW EXECUTE FUNCTION kit.track_user_changes();)")
                    .ok());
  }
};

TEST_F(TrackedTableTest, UpdatedAtChangesOnUpdate) {
  ASSERT_TRUE(db_.Exec("INSERT INTO your_table (account_id, updated_at) VALUES ($1, '2000-01-01T00:00:00.000000+00:00')",
                       {Value::Text(kTeam)})
                  .ok());
  ASSERT_TRUE(db_.Exec("UPDATE your_table SET title = 'new'").ok());
  EXPECT_GT(db_.Scalar("SELECT updated_at FROM your_table").as_text(), "2026");
}

TEST_F(TrackedTableTest, CreatedByIsTheCallerAndNeverChanges) {
  // A spoofed created_by is overwritten, as the seed's trigger does.
  ASSERT_TRUE(ExecAs(As(kUser), "INSERT INTO your_table (account_id, created_by) VALUES ($1, $2)",
                     {Value::Text(kTeam), Value::Text(kOtherUser)})
                  .ok());
  EXPECT_EQ(db_.Scalar("SELECT created_by FROM your_table").as_text(), kUser);
  EXPECT_EQ(db_.Scalar("SELECT updated_by FROM your_table").as_text(), kUser);
  ASSERT_TRUE(ExecAs(As(kOtherUser), "UPDATE your_table SET title = 'edited', created_by = $1", {Value::Text(kOtherUser)}).ok());
  EXPECT_EQ(db_.Scalar("SELECT created_by FROM your_table").as_text(), kUser);
  EXPECT_EQ(db_.Scalar("SELECT updated_by FROM your_table").as_text(), kOtherUser);
  EXPECT_EQ(db_.Scalar("SELECT title FROM your_table").as_text(), "edited");
  EXPECT_EQ(db_.Scalar("SELECT count(*) FROM kit_tracked_inserts").as_int(), 0);
  // The server itself (and service_role) is nobody: auth.uid() is NULL, as on PostgreSQL.
  ASSERT_TRUE(db_.Exec("INSERT INTO your_table (account_id, title) VALUES ($1, 'server')", {Value::Text(kTeam)}).ok());
  EXPECT_TRUE(db_.Scalar("SELECT created_by FROM your_table WHERE title = 'server'").is_null());
  // …and a client cannot fill in the creator of a row nobody is recorded as creating.
  ASSERT_TRUE(ExecAs(As(kOtherUser), "UPDATE your_table SET created_by = $1 WHERE title = 'server'",
                     {Value::Text(kOtherUser)}).ok());
  EXPECT_TRUE(db_.Scalar("SELECT created_by FROM your_table WHERE title = 'server'").is_null());
}

TEST_F(TrackedTableTest, DeletingTheWriterLeavesNull) {
  // ON DELETE SET NULL is an update the tracking trigger must not undo, even when the
  // deleted user is the one deleting.
  const Status created = Run(R"(
      CREATE TABLE public.tracked_notes (
        id serial PRIMARY KEY,
        created_by uuid REFERENCES auth.users(id) ON DELETE SET NULL,
        updated_by uuid REFERENCES auth.users(id) ON DELETE SET NULL
      );
      ALTER TABLE public.tracked_notes ENABLE ROW LEVEL SECURITY;
      CREATE TRIGGER track_tracked_notes BEFORE INSERT OR UPDATE ON public.tracked_notes
        FOR EACH ROW EXECUTE FUNCTION kit.track_user_changes();)",
                            "0002_tracked.sql");
  ASSERT_TRUE(created.ok()) << Describe(created.error());
  ASSERT_TRUE(ExecAs(As(kOtherUser), "INSERT INTO tracked_notes DEFAULT VALUES").ok());
  ASSERT_EQ(db_.Scalar("SELECT created_by FROM tracked_notes").as_text(), kOtherUser);
  auto deleted = ExecAs(As(kOtherUser), "DELETE FROM auth_users WHERE id = $1", {Value::Text(kOtherUser)});
  ASSERT_TRUE(deleted.ok()) << Describe(deleted.error());
  EXPECT_TRUE(db_.Scalar("SELECT created_by FROM tracked_notes").is_null());
  EXPECT_TRUE(db_.Scalar("SELECT updated_by FROM tracked_notes").is_null());
}

TEST_F(TrackedTableTest, ATriggerNameIsTakenOnce) {
  EXPECT_NE(Refusal("CREATE TRIGGER update_your_table_updated_at BEFORE UPDATE ON your_table FOR EACH ROW "
                    "EXECUTE FUNCTION kit.update_updated_at();")
                .find("already exists"),
            std::string::npos);
  EXPECT_TRUE(Run("CREATE OR REPLACE TRIGGER update_your_table_updated_at BEFORE UPDATE ON your_table FOR EACH ROW "
                  "EXECUTE PROCEDURE kit.update_updated_at();")
                  .ok());
}

// ---- data and views -------------------------------------------------------------------

TEST_F(AppMigrationsTest, InsertValuesTranslatesNamesAndLiterals) {
  ASSERT_TRUE(Run("ALTER TYPE public.app_permissions ADD VALUE 'notes.manage';").ok());
  ASSERT_TRUE(Run(R"(
    INSERT INTO public.role_permissions (role, permission) VALUES
      ('owner', 'notes.manage'::public.app_permissions), ('member', 'notes.manage');
    INSERT INTO public.role_permissions (role, permission) VALUES ('owner', 'notes.manage') ON CONFLICT DO NOTHING;
    CREATE TABLE flags (name text PRIMARY KEY, enabled boolean NOT NULL);
    ALTER TABLE flags ENABLE ROW LEVEL SECURITY;
    INSERT INTO flags (name, enabled) VALUES ('beta', true), ('legacy', FALSE);)")
                  .ok());
  EXPECT_EQ(db_.Scalar("SELECT count(*) FROM role_permissions WHERE permission = 'notes.manage'").as_int(), 2);
  EXPECT_EQ(db_.Scalar("SELECT group_concat(enabled) FROM (SELECT enabled FROM flags ORDER BY name)").as_text(), "1,0");
  EXPECT_NE(Refusal("INSERT INTO role_permissions (role, permission) VALUES ('owner', 'nope');").find("invalid input value for enum"),
            std::string::npos);
}

TEST_F(AppMigrationsTest, InvokerViewsBecomeSqliteViews) {
  ASSERT_TRUE(Run(R"(
    CREATE TABLE your_table (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), account_id uuid REFERENCES accounts(id), title text);
    ALTER TABLE your_table ENABLE ROW LEVEL SECURITY;
    -- Always use security invoker for views
    CREATE VIEW public.your_view
    WITH (security_invoker = true) AS
    SELECT t.*, a.name as account_name
    FROM your_table t
    JOIN accounts a ON a.id = t.account_id;
    -- Grant access
    GRANT SELECT ON public.your_view TO authenticated;)")
                  .ok());
  ASSERT_TRUE(db_.Exec("INSERT INTO your_table (account_id, title) VALUES ($1, 'doc')", {Value::Text(kTeam)}).ok());
  EXPECT_EQ(db_.Scalar("SELECT account_name || ':' || title FROM your_view").as_text(), "Team:doc");
  EXPECT_EQ(db_.Scalar("SELECT type FROM pragma_table_info('your_view') WHERE name = 'account_id'").as_text(), "uuid");
}

// ---- storage ---------------------------------------------------------------------------

// The seed's "Storage Security": an app creates its bucket and guards it with a policy on
// storage.objects, both in its own migration.
TEST_F(AppMigrationsTest, AppsCreateBucketsAndStoragePolicies) {
  ASSERT_TRUE(db_.Exec("INSERT INTO accounts_memberships (user_id, account_id, account_role) VALUES ($1, $2, 'owner')",
                       {Value::Text(kUser), Value::Text(kTeam)})
                  .ok());
  Status s = Run(R"(
    -- Create bucket with proper RLS
    INSERT INTO storage.buckets (id, name, public)
    VALUES ('your_files', 'your_files', false);
    -- RLS policy validating account ownership
    CREATE POLICY "your_files_policy" ON storage.objects
    FOR ALL USING (
      bucket_id = 'your_files' AND
      public.has_role_on_account(
        (storage.foldername(name))[1]::uuid
      )
    );
    -- Makerkit's other storage helpers, in the shape of its project_image policies.
    INSERT INTO storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
    VALUES ('project_images', 'project_images', true, 1048576, ARRAY['image/png', 'image/jpeg']);
    CREATE POLICY project_images ON storage.objects FOR ALL USING (
      bucket_id = 'project_images'
      AND storage.extension(name) IN ('png', 'jpeg')
      AND (kit.get_storage_filename_as_uuid(name) = (SELECT auth.uid())
           OR public.has_role_on_account(kit.get_storage_filename_as_uuid(name)))
    );
    -- An app table may use the path helpers too, and a view may read the objects.
    CREATE TABLE documents (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      path text NOT NULL CHECK (storage.extension(path) = 'pdf')
    );
    ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
    CREATE VIEW public.my_files WITH (security_invoker = true) AS
      SELECT o.bucket_id, o.name, storage.filename(o.name) AS filename FROM storage.objects o;)");
  ASSERT_TRUE(s.ok()) << Describe(s.error());
  EXPECT_EQ(db_.Scalar("SELECT public || ',' || coalesce(file_size_limit, 'NULL') FROM storage_buckets WHERE id = "
                       "'your_files'")
                .as_text(),
            "0,NULL");
  EXPECT_EQ(db_.Scalar("SELECT allowed_mime_types FROM storage_buckets WHERE id = 'project_images'").as_text(),
            "[\"image/png\",\"image/jpeg\"]");
  // An array literal is not translated (as in column defaults): the bucket refuses it.
  EXPECT_NE(Refusal("INSERT INTO storage.buckets (id, name, allowed_mime_types) VALUES ('b', 'b', '{\"image/png\"}');")
                .find("buckets_allowed_mime_types_array"),
            std::string::npos);
  EXPECT_EQ(db_.Scalar("SELECT command || ' ' || roles FROM kit_policies WHERE table_name = 'storage_objects' AND "
                       "policy_name = 'your_files_policy'")
                .as_text(),
            "ALL [\"public\"]");
  EXPECT_FALSE(Run("INSERT INTO documents (path) VALUES ('a/b.png');").ok());

  for (const auto& [bucket, name] : std::vector<std::pair<std::string, std::string>>{
           {"your_files", std::string(kTeam) + "/report.pdf"},
           {"your_files", std::string(kOtherTeam) + "/report.pdf"},
           {"your_files", "not-a-uuid/report.pdf"},
           {"project_images", std::string("p/") + kTeam + ".png"},
           {"project_images", std::string("p/") + kOtherTeam + ".png"},
           {"project_images", std::string("p/") + kUser + ".jpeg"},
           {"project_images", std::string("p/") + kTeam + ".gif"}}) {
    ASSERT_TRUE(db_.Exec("INSERT INTO storage_objects (bucket_id, name) VALUES ($1, $2)",
                         {Value::Text(bucket), Value::Text(name)})
                    .ok());
  }
  auto txn = db_.store().Begin(Access::kRead, As(kUser));
  ASSERT_TRUE(txn.ok());
  auto policies = PolicySet::Load(**txn);
  ASSERT_TRUE(policies.ok()) << Describe(policies.error());
  auto names = [&](const std::string& where) {
    auto rows = (*txn)->Query("SELECT group_concat(name, ' ') FROM (SELECT name FROM storage_objects WHERE " + where +
                              " ORDER BY bucket_id, name)");
    EXPECT_TRUE(rows.ok()) << Describe(rows.error());
    return rows.ok() && !rows->rows[0][0].is_null() ? rows->rows[0][0].as_text() : "";
  };
  for (Command command : {Command::kSelect, Command::kInsert, Command::kUpdate, Command::kDelete}) {
    const auto predicate = command == Command::kInsert ? (*policies)->Check("storage_objects", "authenticated", command)
                                                       : (*policies)->Using("storage_objects", "authenticated", command);
    ASSERT_TRUE(predicate.has_value());
    // The member's team folder and, for project_images, the images named after their team
    // or themselves with an allowed extension: never the other team's.
    const std::string expected = std::string("p/") + kUser + ".jpeg p/" + kTeam + ".png " + kTeam + "/report.pdf";
    // account_image's SELECT policy is the core migration's (no objects there).
    EXPECT_EQ(names(*predicate), expected) << static_cast<int>(command);
  }
  // The view reads storage.objects with the caller's policies.
  auto with = (*policies)->ViewSql("my_files", "authenticated");
  ASSERT_TRUE(with.ok()) << Describe(with.error());
  ASSERT_TRUE(with->has_value());
  auto viewed = (*txn)->Query(**with + "SELECT count(*), min(filename) FROM my_files");
  ASSERT_TRUE(viewed.ok()) << Describe(viewed.error());
  EXPECT_EQ(viewed->rows[0][0].as_int(), 3);
  EXPECT_EQ(viewed->rows[0][1].as_text(), std::string(kUser) + ".jpeg");
}

// ---- refusals -------------------------------------------------------------------------

struct RefusalCase {
  const char* name;
  const char* script;
  const char* message;  // the error's whole message, file:line included
};

class RefusalTest : public AppMigrationsTest, public ::testing::WithParamInterface<RefusalCase> {};

TEST_P(RefusalTest, NamesTheConstructAndTheLine) {
  EXPECT_EQ(Refusal(GetParam().script, "0007_features.sql"), GetParam().message);
}

const RefusalCase kRefusals[] = {
    {"PlpgsqlFunction",
     "-- Helper function to check feature access\n\n"
     "CREATE OR REPLACE FUNCTION has_feature_access(target_account_id uuid, feature_name text)\n"
     "RETURNS boolean AS $$\nDECLARE has_access boolean := false;\nBEGIN\n  RETURN COALESCE(has_access, false);\n"
     "END;\n$$ LANGUAGE plpgsql;",
     "plpgsql functions are not supported on SQLite: has_feature_access (0007_features.sql:3)"},
    {"SelectStatement", "SELECT 1;\nCREATE FUNCTION public.one() RETURNS int LANGUAGE sql AS 'SELECT 1';",
     "unsupported statement SELECT on SQLite (0007_features.sql:1)"},
    {"SqlFunctionAlone", "\nCREATE FUNCTION public.one() RETURNS int LANGUAGE sql AS 'SELECT 1';",
     "SQL functions are not supported on SQLite: public.one (0007_features.sql:2)"},
    {"DoBlock", "DO $$ BEGIN PERFORM 1; END $$;", "DO blocks (plpgsql) are not supported on SQLite (0007_features.sql:1)"},
    {"Ltree",
     "CREATE TABLE project_categories (\n  id uuid PRIMARY KEY,\n  path ltree -- tree\n);",
     "ltree is not available on SQLite (0007_features.sql:3)"},
    {"Extension", "create extension if not exists ltree;", "extensions are not available on SQLite: ltree (0007_features.sql:1)"},
    {"TableWithoutRls", "\nCREATE TABLE your_new_table (id uuid);\nCREATE INDEX ON your_new_table (id);",
     "table \"your_new_table\" was created without row-level security: add ALTER TABLE public.your_new_table ENABLE ROW "
     "LEVEL SECURITY (the seed: \"Enable RLS (NEVER SKIP THIS!)\"), or mark the CREATE TABLE with the comment -- "
     "tenantbase: no-rls (0007_features.sql:2)"},
    {"OtherTriggerFunction",
     "CREATE TABLE t (id uuid);\nALTER TABLE t ENABLE ROW LEVEL SECURITY;\n"
     "CREATE TRIGGER t_audit AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION audit();",
     "unsupported construct AFTER trigger on SQLite (only BEFORE) (0007_features.sql:3)"},
    {"UnknownTriggerFunction",
     "CREATE TABLE t (id uuid);\nALTER TABLE t ENABLE ROW LEVEL SECURITY;\n"
     "CREATE TRIGGER t_audit BEFORE INSERT ON t FOR EACH ROW\n  EXECUTE FUNCTION public.audit();",
     "trigger function public.audit() is not available on SQLite (only kit.update_updated_at() and "
     "kit.track_user_changes()) (0007_features.sql:4)"},
    {"UpdatedAtWithoutTheColumn",
     "CREATE TABLE t (id uuid);\nALTER TABLE t ENABLE ROW LEVEL SECURITY;\n"
     "CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION kit.update_updated_at();",
     "trigger function kit.update_updated_at() needs column \"updated_at\" in table \"t\" (0007_features.sql:3)"},
    {"AlterTableAddColumn", "\n\nALTER TABLE accounts ADD COLUMN nickname text;",
     "unsupported statement ALTER TABLE ... ADD COLUMN on SQLite (app migrations may only change a table's row-level "
     "security) (0007_features.sql:3)"},
    {"DropTable", "DROP TABLE accounts;", "unsupported statement DROP TABLE on SQLite (0007_features.sql:1)"},
    {"Interval", "CREATE TABLE t (\n  every interval\n);",
     "type \"interval\" is not available on SQLite (enum types must be created first) (0007_features.sql:2)"},
    {"SyntaxError", "CREATE TABLE t (id uuid PRIMARY KEY,\n  CHECK (id = ))\n;",
     "syntax error at end of input (0007_features.sql:2)"},
    {"UnterminatedString", "SELECT 1;\nINSERT INTO t VALUES ('oops);", "unterminated quoted string (0007_features.sql:2)"},
    {"ViewWithOwnerRights", "CREATE VIEW v AS SELECT id FROM accounts;",
     "views must be created WITH (security_invoker = true) (the seed: \"Always use security invoker for views\"); a "
     "view with its owner's rights would read past row-level security (0007_features.sql:1)"},
    {"SerialNotKey", "CREATE TABLE t (\n  id uuid PRIMARY KEY,\n  n bigserial\n);",
     "serial and identity columns are supported on SQLite only as the table's single-column PRIMARY KEY (column "
     "\"n\") (0007_features.sql:1)"},
    {"OtherSchema", "CREATE TABLE kit.secrets (id uuid);",
     "app migrations create tables in schema public only, not kit (0007_features.sql:1)"},
    {"ReservedName", "CREATE TABLE auth_tokens (id uuid);",
     "table name \"auth_tokens\" is reserved on SQLite (auth_… names stand for another schema) (0007_features.sql:1)"},
    {"MissingReference", "CREATE TABLE t (\n  project_id uuid REFERENCES projects(id)\n);",
     "relation \"projects\" does not exist (0007_features.sql:2)"},
    {"MissingEnum", "ALTER TYPE moods ADD VALUE 'happy';", "type \"moods\" does not exist (0007_features.sql:1)"},
    {"PolicyOnMissingTable", "\nCREATE POLICY p ON public.nowhere FOR SELECT USING (true);",
     "relation \"nowhere\" does not exist (0007_features.sql:2)"},
    {"PolicyBadColumn",
     "CREATE TABLE t (id uuid);\nALTER TABLE t ENABLE ROW LEVEL SECURITY;\n"
     "CREATE POLICY p ON t FOR SELECT\n  USING (owner = auth.uid());",
     "no such column: owner (0007_features.sql:3)"},
    {"GeneratedColumn", "CREATE TABLE t (a int, b int GENERATED ALWAYS AS (a * 2) STORED);",
     "unsupported construct GENERATED column on SQLite (0007_features.sql:1)"},
    {"UnsafeEnumValue",
     "ALTER TYPE app_permissions ADD VALUE 'notes.manage';\n"
     "INSERT INTO role_permissions (role, permission)\n  VALUES ('owner', 'notes.manage');",
     "unsafe use of new value \"notes.manage\" of enum type app_permissions (added at line 1): PostgreSQL cannot use a "
     "value before the migration that adds it commits; add it in an earlier migration file (0007_features.sql:3)"},
    {"TemporaryTable", "CREATE TEMPORARY TABLE scratch (id int);",
     "unsupported construct CREATE TEMPORARY TABLE on SQLite (0007_features.sql:1)"},
    {"ViewOverMissingTable", "CREATE VIEW v WITH (security_invoker = true) AS\n  SELECT id FROM nowhere;",
     "relation \"nowhere\" does not exist (0007_features.sql:1)"},
    {"Union", "CREATE VIEW v WITH (security_invoker = on) AS\nSELECT id FROM accounts\nUNION SELECT id FROM accounts;",
     "unsupported construct UNION (0007_features.sql:3)"},
    {"InsertSelect", "INSERT INTO roles (name, hierarchy_level) SELECT 'x', 5;",
     "unsupported construct INSERT other than INSERT ... VALUES on SQLite (0007_features.sql:1)"},
    {"StorageBeforeItExists", "INSERT INTO storage.nothing (id) VALUES ('x');",
     "relation \"storage.nothing\" does not exist (0007_features.sql:1)"},
    {"GinIndex", "CREATE INDEX ix ON accounts USING gin (public_data);",
     "index method gin is not available on SQLite (only btree) (0007_features.sql:1)"},
    {"FunctionInDefault", "CREATE TABLE t (\n  at timestamptz DEFAULT clock_timestamp()\n);",
     "function clock_timestamp is not available here on SQLite (defaults and checks may call now(), gen_random_uuid(), "
     "auth.uid(), auth.role(), auth.jwt(), storage.foldername(), storage.filename(), storage.extension() and "
     "kit.get_storage_filename_as_uuid()) (0007_features.sql:2)"},
};

INSTANTIATE_TEST_SUITE_P(Constructs, RefusalTest, ::testing::ValuesIn(kRefusals),
                         [](const ::testing::TestParamInfo<RefusalCase>& info) { return std::string(info.param.name); });

TEST_F(AppMigrationsTest, ARefusedMigrationLeavesNothingBehind) {
  EXPECT_FALSE(Run("CREATE TABLE t (id uuid); ALTER TABLE t ENABLE ROW LEVEL SECURITY; DROP TABLE accounts;").ok());
  EXPECT_EQ(db_.Scalar("SELECT count(*) FROM sqlite_schema WHERE name = 't'").as_int(), 0);
}

// ---- the migrator ---------------------------------------------------------------------

TEST_F(AppMigrationsTest, AppMigrationsKeepTheirOwnHistory) {
  auto migration = migrate::MakeMigration("0001_notes.sql",
                                          "CREATE TABLE notes (id uuid PRIMARY KEY);\n"
                                          "ALTER TABLE notes ENABLE ROW LEVEL SECURITY;");
  ASSERT_TRUE(migration.ok());
  migrate::MigratorOptions options;
  options.history_table = "kit_app_migrations";
  options.label = "app migration";
  options.run = [](store::Transaction& txn, const migrate::Migration& m) { return RunPostgresMigration(txn, m.sql, m.file_name); };
  auto applied = migrate::Migrator(db_.store(), {*migration}, options).Apply();
  ASSERT_TRUE(applied.ok()) << Describe(applied.error());
  EXPECT_EQ(*applied, 1);
  EXPECT_EQ(db_.Scalar("SELECT name FROM kit_app_migrations WHERE version = 1").as_text(), "notes");
  EXPECT_EQ(db_.Scalar("SELECT name FROM schema_migrations WHERE version = 1").as_text(), "kit");

  auto changed = migrate::MakeMigration("0001_notes.sql", "CREATE TABLE notes (id uuid PRIMARY KEY, x text);");
  auto tampered = migrate::Migrator(db_.store(), {*changed}, options).Apply();
  ASSERT_FALSE(tampered.ok());
  EXPECT_EQ(tampered.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(tampered.error().message.find("app migration 0001_notes.sql was changed"), std::string::npos);

  auto bad = migrate::MakeMigration("0002_bad.sql", "\nDO $$ BEGIN END $$;");
  auto failed = migrate::Migrator(db_.store(), {*migration, *bad}, options).Apply();
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message,
            "app migration 0002_bad.sql failed: DO blocks (plpgsql) are not supported on SQLite (0002_bad.sql:2)");
}


TEST_F(AppMigrationsTest, APublishedTableWritesItsChangesForRealtime) {
  ASSERT_TRUE(Run("CREATE TABLE public.pins (id bigint PRIMARY KEY, label text NOT NULL, data jsonb NOT NULL DEFAULT '{}');\n"
                  "ALTER TABLE public.pins ENABLE ROW LEVEL SECURITY;\n"
                  "ALTER PUBLICATION supabase_realtime ADD TABLE ONLY public.pins;")
                  .ok());
  ASSERT_TRUE(db_.Exec("INSERT INTO pins (id, label, data) VALUES (7, 'it''s', '{\"a\":[1]}')").ok());
  ASSERT_TRUE(db_.Exec("DELETE FROM pins WHERE id = 7").ok());
  auto rows = db_.Query("SELECT op, pk, image FROM kit_realtime_changes WHERE table_name = 'pins' ORDER BY id");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->rows.size(), 2u);
  EXPECT_EQ(rows->rows[0][0].as_text(), "INSERT");
  EXPECT_EQ(rows->rows[0][1].as_text(), "7");
  EXPECT_EQ(rows->rows[0][2].as_text(), R"({"id":7,"label":"it's","data":{"a":[1]}})") << "JSON columns stay JSON";
  EXPECT_EQ(rows->rows[1][0].as_text(), "DELETE");
  EXPECT_EQ(db_.Scalar("SELECT count(*) FROM kit_realtime_tables WHERE name = 'pins'").as_int(), 1);

  ASSERT_TRUE(Run("ALTER PUBLICATION supabase_realtime DROP TABLE public.pins;", "0002_app.sql").ok());
  ASSERT_TRUE(db_.Exec("INSERT INTO pins (id, label) VALUES (8, 'quiet')").ok());
  EXPECT_EQ(db_.Scalar("SELECT count(*) FROM kit_realtime_changes WHERE table_name = 'pins'").as_int(), 2);
  EXPECT_EQ(db_.Scalar("SELECT count(*) FROM kit_realtime_tables WHERE name = 'pins'").as_int(), 0);
}

TEST_F(AppMigrationsTest, PublishingRefusesWhatRealtimeCannotServe) {
  ASSERT_TRUE(Run("CREATE TABLE public.loose (label text);\nALTER TABLE public.loose ENABLE ROW LEVEL SECURITY;").ok());
  EXPECT_NE(Refusal("ALTER PUBLICATION other_pub ADD TABLE public.loose;", "0002_app.sql").find("supabase_realtime"),
            std::string::npos);
  EXPECT_NE(Refusal("ALTER PUBLICATION supabase_realtime ADD TABLE public.loose;", "0002_app.sql").find("primary key"),
            std::string::npos);
  EXPECT_NE(Refusal("ALTER PUBLICATION supabase_realtime ADD TABLE public.missing;", "0002_app.sql").find("does not exist"),
            std::string::npos);
  EXPECT_NE(Refusal("ALTER PUBLICATION supabase_realtime ADD TABLE auth.users;", "0002_app.sql").find("public schema"),
            std::string::npos);
}

}  // namespace
}  // namespace tb::policy
