#include "store/postgres/pg_store.h"

#include <gtest/gtest.h>

#include <thread>

#include "support/pg_database.h"

namespace tb::store::postgres {
namespace {

using tb::testing::PgDatabase;

RequestContext User(const std::string& id) {
  return RequestContext{"authenticated", id,
                        R"({"sub":")" + id + R"(","role":"authenticated","aal":"aal1"})"};
}

const RequestContext kAnon{"anon", "", R"({"role":"anon"})"};

class PgStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(db_.ok());
    PgStoreOptions options;
    options.url = db_.url();
    options.max_connections = 4;
    options.acquire_timeout = std::chrono::milliseconds(300);
    auto store = PgStore::Open(options);
    ASSERT_TRUE(store) << Describe(store.error());
    store_ = std::move(*store);
  }

  // Runs `sql` in a schema transaction (as the owner) and commits.
  void Schema(const std::string& sql) {
    auto txn = store_->Begin(Access::kSchema);
    ASSERT_TRUE(txn) << Describe(txn.error());
    Status done = (*txn)->ExecuteScript(sql);
    ASSERT_TRUE(done) << Describe(done.error()) << "\n" << sql;
    ASSERT_TRUE((*txn)->Commit());
  }

  // Runs `sql` as the server (service_role) and commits.
  void Seed(const std::string& sql) {
    auto txn = store_->Begin(Access::kWrite);
    ASSERT_TRUE(txn) << Describe(txn.error());
    Status done = (*txn)->ExecuteScript(sql);
    ASSERT_TRUE(done) << Describe(done.error()) << "\n" << sql;
    ASSERT_TRUE((*txn)->Commit());
  }

  // A table guarded the PostgREST way: FORCE'd RLS, a policy over request.jwt.claims.
  void CreateNotes() {
    Schema(R"(
      CREATE TABLE public.notes (id serial PRIMARY KEY, owner uuid NOT NULL, body text NOT NULL);
      ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;
      ALTER TABLE public.notes FORCE ROW LEVEL SECURITY;
      CREATE POLICY notes_own ON public.notes FOR ALL TO authenticated
        USING (owner = (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')::uuid)
        WITH CHECK (owner = (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')::uuid);
      GRANT SELECT, INSERT, UPDATE, DELETE ON public.notes TO authenticated, service_role;
      GRANT USAGE ON SEQUENCE public.notes_id_seq TO authenticated, service_role;
    )");
    // The owner may not write either (FORCE): the server's own rows come as service_role.
    Seed(R"(
      INSERT INTO public.notes (owner, body) VALUES
        ('11111111-1111-4111-8111-111111111111', 'a1'), ('11111111-1111-4111-8111-111111111111', 'a2'),
        ('22222222-2222-4222-8222-222222222222', 'b1');
    )");
  }

  int64_t CountNotes(Access access, const RequestContext& who) {
    auto txn = store_->Begin(access, who);
    EXPECT_TRUE(txn) << Describe(txn.error());
    if (!txn) return -1;
    auto rows = (*txn)->Query("SELECT count(*) FROM public.notes");
    EXPECT_TRUE(rows) << Describe(rows.error());
    return rows ? rows->rows[0][0].as_int() : -1;
  }

  PgDatabase db_;
  std::unique_ptr<PgStore> store_;
};

TEST(PgStoreOpen, UnreachableServerFailsClearlyWithoutThePassword) {
  PgStoreOptions options;
  options.url = "postgresql://tenantbase:s3cret@127.0.0.1:1/tenantbase?connect_timeout=2";
  auto store = PgStore::Open(options);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(store.error().message.find("127.0.0.1:1"), std::string::npos) << store.error().message;
  EXPECT_EQ(store.error().message.find("s3cret"), std::string::npos) << store.error().message;
  EXPECT_EQ(Describe(store.error()).find("s3cret"), std::string::npos);
}

TEST(PgStoreOpen, RedactsPasswordsInEveryForm) {
  EXPECT_EQ(RedactConnectionString("postgres://u:pw@h:5432/d"), "postgres://u:***@h:5432/d");
  EXPECT_EQ(RedactConnectionString("host=h password=pw dbname=d"), "host=h password=*** dbname=d");
  EXPECT_EQ(RedactConnectionString("postgres://u@h/d?password=pw&sslmode=off"),
            "postgres://u@h/d?password=***&sslmode=off");
  EXPECT_EQ(RedactConnectionString("postgres://u@h/d"), "postgres://u@h/d");
}

TEST(PgStoreOpen, PgbouncerSwitchIsOursAndNeverReachesLibpq) {
  struct Case {
    const char* given;
    const char* libpq;
    bool pgbouncer;
  };
  const Case cases[] = {
      {"postgres://u@h:6432/d?pgbouncer=true", "postgres://u@h:6432/d", true},
      {"postgresql://u@h/d?sslmode=off&pgbouncer=true&application_name=x",
       "postgresql://u@h/d?sslmode=off&application_name=x", true},
      {"postgres://u@h/d?pgbouncer=false&sslmode=off", "postgres://u@h/d?sslmode=off", false},
      {"postgres://u@h/d?sslmode=off", "postgres://u@h/d?sslmode=off", false},
      {"host=h pgbouncer=true dbname=d", "host=h  dbname=d", true},
      // Only a whole key counts: a value that merely contains the text is left alone.
      {"host=h application_name=xpgbouncer=true", "host=h application_name=xpgbouncer=true", false},
  };
  for (const Case& c : cases) {
    const ConnectionTarget target = ParseConnectionTarget(c.given);
    EXPECT_EQ(target.libpq, c.libpq) << c.given;
    EXPECT_EQ(target.pgbouncer, c.pgbouncer) << c.given;
  }
}

// Behind pgbouncer (transaction mode) a named statement prepared in one transaction may be
// on another server connection in the next: with the switch, nothing is left prepared,
// and everything else behaves the same.
TEST(PgStorePgbouncer, StatementsRunUnnamedWithTheSwitch) {
  PgDatabase db;
  ASSERT_TRUE(db.ok());
  auto prepared_count = [&](bool pgbouncer) -> int64_t {
    PgStoreOptions options;
    options.url = db.url() + (db.url().find('?') == std::string::npos ? "?" : "&") + "pgbouncer=" +
                  (pgbouncer ? "true" : "false");
    options.max_connections = 1;
    auto store = PgStore::Open(options);
    EXPECT_TRUE(store) << Describe(store.error());
    if (!store) return -1;
    for (int i = 0; i < 3; ++i) {
      auto txn = (*store)->Begin(Access::kRead, User("11111111-1111-4111-8111-111111111111"));
      EXPECT_TRUE(txn) << Describe(txn.error());
      if (!txn) return -1;
      const Value params[] = {Value::Int(i), Value::Text("x")};
      auto rows = (*txn)->Query("SELECT $1::int + 1, $2::text, current_setting('request.jwt.claim.sub', true)", params);
      EXPECT_TRUE(rows) << Describe(rows.error());
      if (!rows) return -1;
      EXPECT_EQ(rows->rows[0][0].as_int(), i + 1);
      EXPECT_EQ(rows->rows[0][2].as_text(), "11111111-1111-4111-8111-111111111111");
    }
    auto txn = (*store)->Begin(Access::kRead, User("11111111-1111-4111-8111-111111111111"));
    EXPECT_TRUE(txn);
    if (!txn) return -1;
    auto n = (*txn)->Query("SELECT count(*) FROM pg_prepared_statements");
    EXPECT_TRUE(n) << Describe(n.error());
    return n ? n->rows[0][0].as_int() : -1;
  };
  EXPECT_GT(prepared_count(false), 0) << "the control: without the switch statements are prepared by name";
  EXPECT_EQ(prepared_count(true), 0);
}

TEST_F(PgStoreTest, ValuesRoundTripWithTheirTypes) {
  Schema(R"(
    CREATE TYPE public.mood AS ENUM ('happy', 'sad');
    CREATE TABLE public.kinds (b boolean, i integer, big bigint, r double precision, n numeric,
      n2 numeric, t text, u uuid, ts timestamptz, d date, j jsonb, bytes bytea, m public.mood);
    GRANT ALL ON public.kinds TO service_role;
  )");
  ASSERT_TRUE(store_->RefreshSchema());  // learns the new enum type
  auto txn = store_->Begin(Access::kWrite);
  ASSERT_TRUE(txn) << Describe(txn.error());
  const Value params[] = {Value::Bool(true), Value::Int(42), Value::Int(9007199254740993),
                          Value::Real(1.5), Value::Text("12"), Value::Text("12.25"),
                          Value::Text("it's \"quoted\" ; DROP TABLE kinds"),
                          Value::Text("AAAAAAAA-0000-4000-8000-000000000001"),
                          Value::Text("2026-11-28T04:34:55.1+00:00"), Value::Text("2026-11-28"),
                          Value::Text(R"({"a": [1, 2]})"), Value::Blob(std::string("\0\xff\x01", 3)),
                          Value::Text("sad")};
  auto inserted = (*txn)->Execute(
      "INSERT INTO public.kinds VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)", params);
  ASSERT_TRUE(inserted) << Describe(inserted.error());
  EXPECT_EQ(*inserted, 1);
  auto rows = (*txn)->Query("SELECT * FROM public.kinds");
  ASSERT_TRUE(rows) << Describe(rows.error());
  ASSERT_EQ(rows->rows.size(), 1u);
  const auto& row = rows->rows[0];
  EXPECT_EQ(row[0], Value::Bool(true));
  EXPECT_EQ(row[1], Value::Int(42));
  EXPECT_EQ(row[2], Value::Int(9007199254740993));
  EXPECT_EQ(row[3], Value::Real(1.5));
  EXPECT_EQ(row[4], Value::Int(12));
  EXPECT_EQ(row[5], Value::Real(12.25));
  EXPECT_EQ(row[6], Value::Text("it's \"quoted\" ; DROP TABLE kinds"));
  EXPECT_EQ(row[7], Value::Text("aaaaaaaa-0000-4000-8000-000000000001"));
  EXPECT_EQ(row[8], Value::Text("2026-11-28T04:34:55.100000+00:00"));
  EXPECT_EQ(row[9], Value::Text("2026-11-28"));
  EXPECT_EQ(row[10], Value::Text(R"({"a": [1, 2]})"));
  EXPECT_EQ(row[11], Value::Blob(std::string("\0\xff\x01", 3)));
  EXPECT_EQ(row[12], Value::Text("sad"));
  const ColumnType expected[] = {ColumnType::kBool, ColumnType::kInteger, ColumnType::kInteger,
                                 ColumnType::kNumeric, ColumnType::kNumeric, ColumnType::kNumeric,
                                 ColumnType::kText, ColumnType::kUuid, ColumnType::kTimestamptz,
                                 ColumnType::kDate, ColumnType::kJson, ColumnType::kBytea,
                                 ColumnType::kEnum};
  for (size_t c = 0; c < std::size(expected); ++c) {
    EXPECT_EQ(rows->columns[c].type, expected[c]) << rows->columns[c].name;
  }
  EXPECT_EQ(rows->columns[12].declared_type, "mood");
  EXPECT_EQ(rows->ColumnIndex("ts"), 8);
}

TEST_F(PgStoreTest, NullsAndAbsentParametersReadAsNull) {
  auto txn = store_->Begin(Access::kRead);
  ASSERT_TRUE(txn);
  const Value params[] = {Value::Null()};
  auto rows = (*txn)->Query("SELECT $1::text IS NULL, NULL::uuid", params);
  ASSERT_TRUE(rows) << Describe(rows.error());
  EXPECT_EQ(rows->rows[0][0], Value::Bool(true));
  EXPECT_TRUE(rows->rows[0][1].is_null());
}

TEST_F(PgStoreTest, RequestsRunAsTheCallersRoleWithTheirClaims) {
  CreateNotes();
  // Each user sees their own rows only; the database, not the server, decides.
  EXPECT_EQ(CountNotes(Access::kRead, User("11111111-1111-4111-8111-111111111111")), 2);
  EXPECT_EQ(CountNotes(Access::kRead, User("22222222-2222-4222-8222-222222222222")), 1);
  EXPECT_EQ(CountNotes(Access::kRead, User("33333333-3333-4333-8333-333333333333")), 0);
  // The server's own work runs as service_role, which bypasses the policies.
  EXPECT_EQ(CountNotes(Access::kRead, RequestContext{}), 3);
  // The connecting role owns the table, and FORCE binds it too: it sees nothing.
  EXPECT_EQ(CountNotes(Access::kSchema, RequestContext{}), 0);

  auto txn = store_->Begin(Access::kRead, User("11111111-1111-4111-8111-111111111111"));
  ASSERT_TRUE(txn);
  auto who = (*txn)->Query(
      "SELECT current_user::text, current_setting('request.jwt.claims', true), "
      "current_setting('request.jwt.claim.sub', true)");
  ASSERT_TRUE(who) << Describe(who.error());
  EXPECT_EQ(who->rows[0][0], Value::Text("authenticated"));
  EXPECT_NE(who->rows[0][1].as_text().find("11111111-1111"), std::string::npos);
  // The sub claim on its own too, which auth.uid() reads (migrations/postgres/0020).
  EXPECT_EQ(who->rows[0][2], Value::Text("11111111-1111-4111-8111-111111111111"));
}

// BEGIN and the caller's settings travel in one round trip; a transaction that fails
// halfway leaves the connection ready for the next one, which sets its own caller.
TEST_F(PgStoreTest, EachTransactionSetsItsOwnCallerAfterAFailure) {
  CreateNotes();
  {
    auto txn = store_->Begin(Access::kRead, User("11111111-1111-4111-8111-111111111111"));
    ASSERT_TRUE(txn);
    ASSERT_FALSE((*txn)->Query("SELECT no_such_column FROM public.notes"));
  }
  for (int i = 0; i < 8; ++i) {  // more than the pool holds: every connection is reused
    EXPECT_EQ(CountNotes(Access::kRead, User("22222222-2222-4222-8222-222222222222")), 1);
    EXPECT_EQ(CountNotes(Access::kWrite, User("11111111-1111-4111-8111-111111111111")), 2);
    EXPECT_EQ(CountNotes(Access::kRead, RequestContext{}), 3);
  }
}

// Store::Read: BEGIN READ ONLY, the caller, the statements and COMMIT in one round trip.
TEST_F(PgStoreTest, ReadRunsItsStatementsAsTheCallerAndEnds) {
  CreateNotes();
  const Value owner[] = {Value::Text("11111111-1111-4111-8111-111111111111")};
  const Statement statements[] = {
      {"SELECT body FROM public.notes ORDER BY body", {}},
      {"SELECT count(*) FROM public.notes WHERE owner = $1::uuid", owner},
      {"SELECT current_user::text, current_setting('transaction_read_only')", {}}};
  auto read = store_->Read(User("22222222-2222-4222-8222-222222222222"), statements);
  ASSERT_TRUE(read) << Describe(read.error());
  ASSERT_EQ(read->size(), 3u);
  for (const auto& result : *read) ASSERT_TRUE(result) << Describe(result.error());
  // The policies are the caller's: their one row, none of the other owner's.
  ASSERT_EQ((*read)[0]->rows.size(), 1u);
  EXPECT_EQ((*read)[0]->rows[0][0], Value::Text("b1"));
  EXPECT_EQ((*read)[1]->rows[0][0].as_int(), 0);
  EXPECT_EQ((*read)[2]->rows[0][0], Value::Text("authenticated"));
  EXPECT_EQ((*read)[2]->rows[0][1], Value::Text("on"));
  // Nothing is left open: every pooled connection serves the next transactions.
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(CountNotes(Access::kWrite, User("11111111-1111-4111-8111-111111111111")), 2);
  }
}

// A statement that fails ends the results with its error; the ones after it do not run,
// and the transaction left in error is rolled back, so the connection serves again.
TEST_F(PgStoreTest, ReadStopsAtTheFirstFailingStatement) {
  CreateNotes();
  const Statement statements[] = {{"SELECT count(*) FROM public.notes", {}},
                                  {"SELECT no_such_column FROM public.notes", {}},
                                  {"SELECT 1", {}}};
  for (int i = 0; i < 6; ++i) {  // more than the pool holds: every connection is reused
    auto read = store_->Read(User("11111111-1111-4111-8111-111111111111"), statements);
    ASSERT_TRUE(read) << Describe(read.error());
    ASSERT_EQ(read->size(), 2u);
    ASSERT_TRUE((*read)[0]);
    EXPECT_EQ((*read)[0]->rows[0][0].as_int(), 2);
    ASSERT_FALSE((*read)[1]);
    EXPECT_EQ((*read)[1].error().sqlstate, "42703");
    EXPECT_EQ(CountNotes(Access::kRead, User("22222222-2222-4222-8222-222222222222")), 1);
  }
  // A read may not write: READ ONLY holds for the statements of the flight too.
  const Statement write[] = {{"DELETE FROM public.notes", {}}};
  auto refused = store_->Read(User("11111111-1111-4111-8111-111111111111"), write);
  ASSERT_TRUE(refused) << Describe(refused.error());
  ASSERT_EQ(refused->size(), 1u);
  ASSERT_FALSE(refused->front());
  EXPECT_EQ(refused->front().error().sqlstate, "25006");
  EXPECT_EQ(CountNotes(Access::kRead, RequestContext{}), 3);
}

// The connection's prepared statements start over when full (kMaxPrepared = 512): a flight
// that would cross that line starts over before it prepares, so none of its own names is
// dropped before it runs.
TEST_F(PgStoreTest, AFlightPastThePreparedStatementLimitStillRuns) {
  PgStoreOptions options;
  options.url = db_.url();
  options.max_connections = 1;  // every statement below on the one connection
  auto store = PgStore::Open(options);
  ASSERT_TRUE(store) << Describe(store.error());
  for (int i = 0; i < 510; ++i) {
    auto txn = (*store)->Begin(Access::kRead, kAnon);
    ASSERT_TRUE(txn) << Describe(txn.error());
    ASSERT_TRUE((*txn)->Query("SELECT " + std::to_string(i)));
  }
  const Statement statements[] = {{"SELECT 'a'::text", {}}, {"SELECT 'b'::text", {}}, {"SELECT 'c'::text", {}}};
  auto read = (*store)->Read(kAnon, statements);
  ASSERT_TRUE(read) << Describe(read.error());
  ASSERT_EQ(read->size(), 3u);
  for (const auto& result : *read) ASSERT_TRUE(result) << Describe(result.error());
  EXPECT_EQ((*read)[2]->rows[0][0], Value::Text("c"));
}

TEST_F(PgStoreTest, AnonWithoutGrantsIsRefusedWithPermissionDenied) {
  CreateNotes();
  auto txn = store_->Begin(Access::kRead, kAnon);
  ASSERT_TRUE(txn);
  auto rows = (*txn)->Query("SELECT * FROM public.notes");
  ASSERT_FALSE(rows);
  EXPECT_EQ(rows.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(rows.error().sqlstate, "42501");
  EXPECT_EQ(rows.error().message, "permission denied for table notes");
}

TEST_F(PgStoreTest, PolicyRefusesAWriteForSomeoneElse) {
  CreateNotes();
  auto txn = store_->Begin(Access::kWrite, User("11111111-1111-4111-8111-111111111111"));
  ASSERT_TRUE(txn);
  const Value theirs[] = {Value::Text("22222222-2222-4222-8222-222222222222")};
  auto refused = (*txn)->Execute("INSERT INTO public.notes (owner, body) VALUES ($1, 'x')", theirs);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().sqlstate, "42501");
  EXPECT_NE(refused.error().message.find("row-level security"), std::string::npos);
  // Not even an UPDATE of another user's row reaches it: zero rows changed.
  auto txn2 = store_->Begin(Access::kWrite, User("11111111-1111-4111-8111-111111111111"));
  ASSERT_TRUE(txn2);
  auto changed = (*txn2)->Execute("UPDATE public.notes SET body = 'mine' WHERE body = 'b1'");
  ASSERT_TRUE(changed) << Describe(changed.error());
  EXPECT_EQ(*changed, 0);
}

TEST_F(PgStoreTest, AsServerSwitchesToServiceRoleAndBack) {
  CreateNotes();
  auto txn = store_->Begin(Access::kWrite, User("11111111-1111-4111-8111-111111111111"));
  ASSERT_TRUE(txn);
  {
    AsServer server(**txn);
    auto rows = (*txn)->Query("SELECT current_user::text, count(*) FROM public.notes GROUP BY 1");
    ASSERT_TRUE(rows) << Describe(rows.error());
    EXPECT_EQ(rows->rows[0][0], Value::Text("service_role"));
    EXPECT_EQ(rows->rows[0][1], Value::Int(3));
  }
  auto rows = (*txn)->Query("SELECT current_user::text, count(*) FROM public.notes GROUP BY 1");
  ASSERT_TRUE(rows) << Describe(rows.error());
  EXPECT_EQ(rows->rows[0][0], Value::Text("authenticated"));
  EXPECT_EQ(rows->rows[0][1], Value::Int(2));
}

TEST_F(PgStoreTest, ReadTransactionsRefuseWrites) {
  CreateNotes();
  auto txn = store_->Begin(Access::kRead);
  ASSERT_TRUE(txn);
  auto refused = (*txn)->Execute("DELETE FROM public.notes");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().sqlstate, "25006");
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
}

TEST_F(PgStoreTest, UncommittedWritesRollBackAndCommittedOnesStay) {
  CreateNotes();
  {
    auto txn = store_->Begin(Access::kWrite);
    ASSERT_TRUE(txn);
    ASSERT_TRUE((*txn)->Execute("DELETE FROM public.notes"));
  }  // destroyed without Commit
  EXPECT_EQ(CountNotes(Access::kRead, RequestContext{}), 3);
  {
    auto txn = store_->Begin(Access::kWrite);
    ASSERT_TRUE(txn);
    ASSERT_TRUE((*txn)->Execute("DELETE FROM public.notes WHERE body = 'a1'"));
    ASSERT_TRUE((*txn)->Commit());
    auto after = (*txn)->Query("SELECT 1");
    ASSERT_FALSE(after);
    EXPECT_EQ(after.error().code, ErrorCode::kFailedPrecondition);
  }
  EXPECT_EQ(CountNotes(Access::kRead, RequestContext{}), 2);
}

TEST_F(PgStoreTest, ConstraintErrorsCarryTheirSqlstate) {
  Schema(R"(
    CREATE TABLE public.parents (id int PRIMARY KEY);
    CREATE TABLE public.children (id int PRIMARY KEY, parent int NOT NULL REFERENCES public.parents,
      n int CONSTRAINT children_n_positive CHECK (n > 0));
    CREATE FUNCTION public.refuse() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'no updates here' USING ERRCODE = '42501'; END $$;
    CREATE TRIGGER children_refuse BEFORE UPDATE ON public.children FOR EACH ROW EXECUTE FUNCTION public.refuse();
    GRANT ALL ON public.parents, public.children TO service_role;
  )");
  Seed("INSERT INTO public.parents VALUES (1); INSERT INTO public.children VALUES (1, 1, 1);");
  struct Case {
    const char* sql;
    const char* sqlstate;
    ErrorCode code;
  };
  const Case cases[] = {
      {"INSERT INTO public.parents VALUES (1)", "23505", ErrorCode::kConstraint},
      {"INSERT INTO public.children VALUES (2, 9, 1)", "23503", ErrorCode::kConstraint},
      {"INSERT INTO public.children VALUES (2, 1, 0)", "23514", ErrorCode::kConstraint},
      {"INSERT INTO public.children (id, n) VALUES (2, 1)", "23502", ErrorCode::kConstraint},
      {"INSERT INTO public.children VALUES ('x', 1, 1)", "22P02", ErrorCode::kInvalidArgument},
      {"SELECT nope FROM public.children", "42703", ErrorCode::kInvalidArgument},
      {"SELECT * FROM public.nothing", "42P01", ErrorCode::kInvalidArgument},
      {"SELEC 1", "42601", ErrorCode::kInvalidArgument},
      {"UPDATE public.children SET n = 2", "42501", ErrorCode::kPermissionDenied},
  };
  for (const Case& c : cases) {
    auto txn = store_->Begin(Access::kWrite);
    ASSERT_TRUE(txn);
    auto done = (*txn)->Execute(c.sql);
    ASSERT_FALSE(done) << c.sql;
    EXPECT_EQ(done.error().sqlstate, c.sqlstate) << c.sql << ": " << done.error().message;
    EXPECT_EQ(done.error().code, c.code) << c.sql;
  }
  auto txn = store_->Begin(Access::kWrite);
  ASSERT_TRUE(txn);
  auto raised = (*txn)->Execute("UPDATE public.children SET n = 2");
  ASSERT_FALSE(raised);
  EXPECT_TRUE(raised.error().raised_by_trigger);
  EXPECT_EQ(raised.error().message, "no updates here");
  auto txn2 = store_->Begin(Access::kWrite);
  ASSERT_TRUE(txn2);
  auto check = (*txn2)->Execute("INSERT INTO public.children VALUES (2, 1, 0)");
  ASSERT_FALSE(check);
  EXPECT_FALSE(check.error().raised_by_trigger);
  EXPECT_NE(check.error().message.find("children_n_positive"), std::string::npos);
}

TEST_F(PgStoreTest, ScriptErrorsNameTheLine) {
  auto txn = store_->Begin(Access::kSchema);
  ASSERT_TRUE(txn);
  auto failed = (*txn)->ExecuteScript("CREATE TABLE public.a (id int);\n\nCREATE TABLE public.b (id nosuchtype);\n");
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().message.find("(at line 3)"), std::string::npos) << failed.error().message;
  auto hooked = (*txn)->ExecuteScript("SELECT 1", [](std::string_view) -> Result<bool> { return false; });
  ASSERT_FALSE(hooked);
  EXPECT_EQ(hooked.error().code, ErrorCode::kFailedPrecondition);
}

TEST_F(PgStoreTest, PoolWaitsThenReportsBusy) {
  std::vector<std::unique_ptr<Transaction>> held;
  for (int i = 0; i < 4; ++i) {
    auto txn = store_->Begin(Access::kRead);
    ASSERT_TRUE(txn) << Describe(txn.error());
    held.push_back(std::move(*txn));
  }
  auto busy = store_->Begin(Access::kRead);
  ASSERT_FALSE(busy);
  EXPECT_EQ(busy.error().code, ErrorCode::kBusy);
  // A connection handed back wakes a waiter.
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    held.pop_back();
  });
  auto waited = store_->Begin(Access::kRead);
  releaser.join();
  EXPECT_TRUE(waited) << Describe(waited.error());
}

TEST_F(PgStoreTest, ReconnectsAfterTheServerDropsItsConnections) {
  CreateNotes();
  EXPECT_EQ(CountNotes(Access::kRead, RequestContext{}), 3);
  auto admin = PgConnection::Open(db_.admin_url());
  ASSERT_TRUE(admin) << Describe(admin.error());
  TypeNames none;
  auto killed = (*admin)->Query(
      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
      "WHERE usename = 'tenantbase' AND datname = current_database()", {}, none);
  ASSERT_TRUE(killed) << Describe(killed.error());
  EXPECT_GE(killed->rows[0][0].as_int(), 1);
  // The pooled connection is dead; the store notices at BEGIN and opens a new one.
  EXPECT_EQ(CountNotes(Access::kRead, RequestContext{}), 3);
}

}  // namespace
}  // namespace tb::store::postgres
