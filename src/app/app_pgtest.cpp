#include "app/app.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "base/clock.h"
#include "domain/maintenance/purge.h"
#include "store/migrate/migration.h"
#include "policy/policy_set.h"
#include "store/postgres/pg_connection.h"
#include "store/postgres/pg_store.h"
#include "support/pg_database.h"
#include "support/temp_dir.h"

namespace tb::app {
namespace {

// A fresh database of the test cluster and a data dir, configured for App::Open.
class AppOnPostgres : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(db.ok());
    config.data_dir = dir.path().string();
    config.database_url = db.url();
  }

  tb::testing::PgDatabase db;
  tb::testing::TempDir dir;
  Config config;
};

TEST_F(AppOnPostgres, MigratesTheCoreSchemaOnce) {
  auto app = App::Open(config);
  ASSERT_TRUE(app) << Describe(app.error());

  auto core = migrate::CoreMigrations("postgres");
  ASSERT_TRUE(core) << Describe(core.error());
  ASSERT_FALSE(core->empty());
  auto applied = (*app)->Migrate();
  ASSERT_TRUE(applied) << Describe(applied.error());
  EXPECT_EQ(*applied, static_cast<int>(core->size()));
  auto again = (*app)->Migrate();
  ASSERT_TRUE(again) << Describe(again.error());
  EXPECT_EQ(*again, 0);
  auto status = (*app)->MigrationStatus();
  ASSERT_TRUE(status) << Describe(status.error());
  ASSERT_EQ(status->size(), core->size());
  for (const auto& m : *status) EXPECT_TRUE(m.applied) << m.name;
}

// The admin commands run the server's own SQL — now PostgreSQL's names and spellings — on
// PostgreSQL: a user (whose personal account the sign-up trigger makes), super admin, purge.
TEST_F(AppOnPostgres, AdminCommandsWorkOnPostgres) {
  auto app = App::Open(config);
  ASSERT_TRUE(app) << Describe(app.error());
  auto id = (*app)->CreateUser("Ann@Example.com", "a-long-enough-password", true);
  ASSERT_TRUE(id) << Describe(id.error());
  auto taken = (*app)->CreateUser("ann@example.com", "a-long-enough-password", true);
  ASSERT_FALSE(taken);
  auto granted = (*app)->SetSuperAdmin("ann@example.com", true);
  ASSERT_TRUE(granted) << Describe(granted.error());
  EXPECT_TRUE(*granted);
  auto unknown = (*app)->SetSuperAdmin("nobody@example.com", true);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);

  auto admin = store::postgres::PgConnection::Open(db.admin_url());
  ASSERT_TRUE(admin) << Describe(admin.error());
  const store::postgres::TypeNames types;
  const store::Value user[] = {store::Value::Text(*id)};
  auto made = (*admin)->Query(
      "SELECT u.email, u.email_confirmed_at IS NOT NULL, "
      "(SELECT count(*) FROM public.accounts a WHERE a.id = u.id AND a.is_personal_account), "
      "(SELECT count(*) FROM public.super_admins s WHERE s.user_id = u.id) FROM auth.users u WHERE u.id = $1",
      user, types);
  ASSERT_TRUE(made) << Describe(made.error());
  ASSERT_EQ(made->rows.size(), 1u);
  EXPECT_EQ(made->rows[0][0], store::Value::Text("ann@example.com"));
  EXPECT_EQ(made->rows[0][1], store::Value::Bool(true));
  EXPECT_EQ(made->rows[0][2], store::Value::Int(1));
  EXPECT_EQ(made->rows[0][3], store::Value::Int(1));

  // An expired notification and a live one: purge takes the first only.
  auto seeded = (*admin)->Execute(
      "INSERT INTO public.notifications (account_id, body, created_at, expires_at) VALUES "
      "($1::uuid, 'old', now() - interval '2 days', now() - interval '1 day'), "
      "($1::uuid, 'live', now(), now() + interval '1 day')",
      user);
  ASSERT_TRUE(seeded) << Describe(seeded.error());
  auto purged = (*app)->Purge();
  ASSERT_TRUE(purged) << Describe(purged.error());
  EXPECT_EQ(purged->notifications, 1);
  auto left = (*admin)->Query("SELECT body FROM public.notifications", {}, types);
  ASSERT_TRUE(left);
  ASSERT_EQ(left->rows.size(), 1u);
  EXPECT_EQ(left->rows[0][0], store::Value::Text("live"));

  // Realtime changes: both notifications' inserts and the purged one's delete were
  // published. Backdated, they go a batch at a time (maintenance::PurgeRealtimeChanges).
  ASSERT_TRUE((*admin)->Execute("UPDATE kit.realtime_changes SET created_at = now() - interval '2 hours'", {}));
  auto changes = (*admin)->Query("SELECT count(*) FROM kit.realtime_changes", {}, types);
  ASSERT_TRUE(changes);
  EXPECT_EQ(changes->rows[0][0], store::Value::Int(3));
  auto gone = maintenance::PurgeRealtimeChanges((*app)->store(), SystemClock::Instance().Now() - std::chrono::hours(1), 2);
  ASSERT_TRUE(gone) << Describe(gone.error());
  EXPECT_EQ(*gone, 3);
  changes = (*admin)->Query("SELECT count(*) FROM kit.realtime_changes", {}, types);
  ASSERT_TRUE(changes);
  EXPECT_EQ(changes->rows[0][0], store::Value::Int(0));
}

// On PostgreSQL the API adds no policy SQL of its own (the database applies them), but
// realtime and storage evaluate a policy over a row that is not in its table: the native
// policy set gives the policies' own text from pg_policy, which runs as the caller.
TEST_F(AppOnPostgres, NativePolicySetGivesTheDatabasesPoliciesForRowImages) {
  auto app = App::Open(config);
  ASSERT_TRUE(app) << Describe(app.error());
  ASSERT_TRUE((*app)->Migrate());
  auto member = (*app)->CreateUser("member@example.com", "a-long-enough-password", true);
  ASSERT_TRUE(member) << Describe(member.error());

  store::postgres::PgStoreOptions options;
  options.url = db.url();
  auto store = store::postgres::PgStore::Open(options);
  ASSERT_TRUE(store) << Describe(store.error());
  std::shared_ptr<const policy::PolicySet> policies;
  {
    auto txn = (*store)->Begin(store::Access::kRead);
    ASSERT_TRUE(txn) << Describe(txn.error());
    auto loaded = policy::PolicySet::Native(**txn);
    ASSERT_TRUE(loaded) << Describe(loaded.error());
    policies = *loaded;
  }
  using policy::Command;
  EXPECT_FALSE(policies->Using("notifications", "authenticated", Command::kSelect));
  EXPECT_FALSE(policies->Check("notifications", "authenticated", Command::kInsert));
  EXPECT_FALSE(policies->PredicateUsing("notifications", "service_role", Command::kSelect));
  EXPECT_EQ(policies->PredicateUsing("notifications", "anon", Command::kSelect), "false");
  EXPECT_EQ(policies->PredicateUsing("no_such_table", "authenticated", Command::kSelect), "false");
  const auto read = policies->PredicateUsing("notifications", "authenticated", Command::kSelect);
  ASSERT_TRUE(read);
  EXPECT_NE(read->find("has_role_on_account"), std::string::npos) << *read;
  ASSERT_TRUE(policies->PredicateCheck("storage_objects", "authenticated", Command::kInsert));

  // Over an image of a notification, as the member: their own account's shows, another's not.
  const std::string claims = R"({"sub":")" + *member + R"(","role":"authenticated","aal":"aal1"})";
  auto txn = (*store)->Begin(store::Access::kRead, store::RequestContext{"authenticated", *member, claims});
  ASSERT_TRUE(txn) << Describe(txn.error());
  const std::string image_sql =
      "SELECT count(*) FROM jsonb_populate_record(CAST(NULL AS public.notifications), CAST($1 AS jsonb)) AS notifications "
      "WHERE coalesce((" + *read + "), false)";
  const store::Value mine[] = {store::Value::Text(R"({"id":1,"account_id":")" + *member + R"(","body":"hi"})")};
  auto shown = (*txn)->Query(image_sql, mine);
  ASSERT_TRUE(shown) << Describe(shown.error());
  EXPECT_EQ(shown->rows[0][0], store::Value::Int(1));
  const store::Value theirs[] = {store::Value::Text(R"({"id":2,"account_id":"00000000-0000-4000-8000-000000000001","body":"x"})")};
  auto hidden = (*txn)->Query(image_sql, theirs);
  ASSERT_TRUE(hidden) << Describe(hidden.error());
  EXPECT_EQ(hidden->rows[0][0], store::Value::Int(0));
}

void WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

// An app's migrations run natively on PostgreSQL — plpgsql, extensions, the seed's policy
// helpers — under the same rule as on SQLite: no table without row-level security.
TEST_F(AppOnPostgres, AppMigrationsRunNativelyAndEveryNewTableIsForced) {
  // The seed's pattern: a new permission (its own file: an enum value is usable only after
  // its transaction), then rows for it in a core table, written by the migration itself.
  WriteFile(dir.path() / "migrations" / "0001_permissions.sql",
            "ALTER TYPE public.app_permissions ADD VALUE 'notes.manage';\n");
  WriteFile(dir.path() / "migrations" / "0002_notes.sql", R"(
INSERT INTO public.role_permissions (role, permission) VALUES ('owner', 'notes.manage');
CREATE EXTENSION IF NOT EXISTS ltree;
CREATE TABLE public.notes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id uuid NOT NULL REFERENCES public.accounts (id) ON DELETE CASCADE,
  path ltree,
  body text NOT NULL
);
ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY notes_read ON public.notes FOR SELECT TO authenticated
  USING (public.has_role_on_account(account_id));
CREATE FUNCTION public.note_count(target uuid) RETURNS bigint
LANGUAGE plpgsql STABLE SET search_path = '' AS $$
BEGIN
  RETURN (SELECT count(*) FROM public.notes WHERE account_id = target);
END $$;
-- tenantbase: no-rls (server-side only)
CREATE TABLE public.note_jobs (id bigserial PRIMARY KEY);
)");
  auto app = App::Open(config);
  ASSERT_TRUE(app) << Describe(app.error());
  auto applied = (*app)->Migrate();
  ASSERT_TRUE(applied) << Describe(applied.error());
  auto status = (*app)->AppMigrationStatus();
  ASSERT_TRUE(status) << Describe(status.error());
  ASSERT_EQ(status->size(), 2u);
  for (const auto& m : *status) EXPECT_TRUE(m.applied) << m.name;

  auto admin = store::postgres::PgConnection::Open(db.admin_url());
  ASSERT_TRUE(admin) << Describe(admin.error());
  // The app's history lives in kit, out of every client's reach (no grant, not public).
  auto history = (*admin)->Query(
      "SELECT has_table_privilege('anon', 'kit.app_migrations', 'SELECT'), "
      "has_table_privilege('authenticated', 'kit.app_migrations', 'UPDATE'), "
      "to_regclass('public.kit_app_migrations') IS NULL", {}, store::postgres::TypeNames{});
  ASSERT_TRUE(history) << Describe(history.error());
  EXPECT_EQ(history->rows[0][0], store::Value::Bool(false));
  EXPECT_EQ(history->rows[0][1], store::Value::Bool(false));
  EXPECT_EQ(history->rows[0][2], store::Value::Bool(true));
  auto rls = (*admin)->Query(
      "SELECT relname::text, relrowsecurity, relforcerowsecurity FROM pg_class "
      "WHERE relname IN ('notes', 'note_jobs') ORDER BY relname", {}, store::postgres::TypeNames{});
  ASSERT_TRUE(rls) << Describe(rls.error());
  ASSERT_EQ(rls->rows.size(), 2u);
  for (const auto& row : rls->rows) {
    EXPECT_EQ(row[1], store::Value::Bool(true)) << row[0].as_text();
    EXPECT_EQ(row[2], store::Value::Bool(true)) << row[0].as_text();
  }
  // The migration's own row landed, and every core table is forced again afterwards.
  auto granted = (*admin)->Query("SELECT count(*) FROM public.role_permissions WHERE permission = 'notes.manage'", {},
                                 store::postgres::TypeNames{});
  ASSERT_TRUE(granted) << Describe(granted.error());
  EXPECT_EQ(granted->rows[0][0], store::Value::Int(1));
  auto unforced = (*admin)->Query(
      "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE c.relkind = 'r' AND n.nspname IN ('public', 'auth', 'kit', 'storage') AND NOT c.relforcerowsecurity "
      "AND c.relname NOT IN ('schema_migrations', 'app_migrations')", {}, store::postgres::TypeNames{});
  ASSERT_TRUE(unforced) << Describe(unforced.error());
  EXPECT_EQ(unforced->rows[0][0], store::Value::Int(0));

  // A later file that forgets row-level security is refused as a whole, naming the line.
  WriteFile(dir.path() / "migrations" / "0003_tags.sql",
            "CREATE TABLE public.tags (id int PRIMARY KEY);\n\nCREATE TABLE public.tag_links (id int);\n"
            "ALTER TABLE public.tags ENABLE ROW LEVEL SECURITY;\n");
  auto reopened = App::Open(config);
  ASSERT_TRUE(reopened) << Describe(reopened.error());
  auto refused = (*reopened)->Migrate();
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("table \"tag_links\" was created without row-level security"),
            std::string::npos) << refused.error().message;
  EXPECT_NE(refused.error().message.find("(0003_tags.sql:3)"), std::string::npos) << refused.error().message;
  auto tags = (*admin)->Query("SELECT count(*) FROM pg_class WHERE relname = 'tags'", {}, store::postgres::TypeNames{});
  ASSERT_TRUE(tags);
  EXPECT_EQ(tags->rows[0][0], store::Value::Int(0));  // rolled back with the file

  // A PostgreSQL error in an app file names the file and line too.
  WriteFile(dir.path() / "migrations" / "0003_tags.sql", "SELECT 1;\n\nCREATE TABLE public.tags (id nosuchtype);\n");
  auto bad = (*reopened)->Migrate();
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("(0003_tags.sql:3)"), std::string::npos) << bad.error().message;
}

TEST_F(AppOnPostgres, AnUnreachableDatabaseIsAClearError) {
  config.database_url = "postgresql://tenantbase:pw@127.0.0.1:1/x?connect_timeout=2";
  auto app = App::Open(config);
  ASSERT_FALSE(app);
  EXPECT_EQ(app.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(app.error().message.find("cannot connect to PostgreSQL"), std::string::npos);
}

}  // namespace
}  // namespace tb::app
