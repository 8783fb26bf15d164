#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>

#include <any>
#include <thread>

#include "crypto/random.h"
#include "support/temp_dir.h"

namespace tb::store::sqlite {
namespace {

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(crypto::Init());
    auto store = SqliteStore::Open({dir_.File("db.sqlite"), 4, std::chrono::milliseconds(500), {}});
    ASSERT_TRUE(store.ok()) << Describe(store.error());
    store_ = std::move(*store);
    Exec("CREATE TABLE t (id uuid PRIMARY KEY DEFAULT (gen_random_uuid()), flag boolean, "
         "n integer, x numeric, body jsonb, at timestamptz DEFAULT (now()), name varchar(20) UNIQUE)");
  }

  void Exec(std::string_view sql, std::vector<Value> params = {}) {
    auto txn = store_->Begin(Access::kWrite);
    ASSERT_TRUE(txn.ok()) << Describe(txn.error());
    auto done = (*txn)->Execute(sql, params);
    ASSERT_TRUE(done.ok()) << Describe(done.error());
    ASSERT_TRUE((*txn)->Commit().ok());
  }

  Rows Read(std::string_view sql, std::vector<Value> params = {}) {
    auto txn = store_->Begin(Access::kRead);
    EXPECT_TRUE(txn.ok());
    auto rows = (*txn)->Query(sql, params);
    EXPECT_TRUE(rows.ok()) << Describe(rows.error());
    return rows.ok() ? *rows : Rows{};
  }

  testing::TempDir dir_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(SqliteStoreTest, BindsDollarPlaceholdersByNumberNotPosition) {
  Exec("INSERT INTO t (name, n) VALUES ($2, $1)", {Value::Int(7), Value::Text("seven")});
  Rows rows = Read("SELECT n FROM t WHERE name = $1", {Value::Text("seven")});
  ASSERT_EQ(rows.rows.size(), 1u);
  EXPECT_EQ(rows.rows[0][0].as_int(), 7);
}

TEST_F(SqliteStoreTest, LiteralsStayDataNotSql) {
  const std::string hostile = "x'); DROP TABLE t; --";
  Exec("INSERT INTO t (name) VALUES ($1)", {Value::Text(hostile.substr(0, 20))});
  Rows rows = Read("SELECT name FROM t");
  ASSERT_EQ(rows.rows.size(), 1u);
  EXPECT_EQ(rows.rows[0][0].as_text(), hostile.substr(0, 20));
}

// The server's SQL names tables as PostgreSQL does; SQLite reads auth.x as auth_x.
TEST_F(SqliteStoreTest, ReadsPostgresSchemaQualifiedNames) {
  Exec("CREATE TABLE kit_jobs (id integer PRIMARY KEY, note text)");
  Exec("INSERT INTO kit.jobs (id, note) VALUES (1, 'kit.jobs stays a value')");
  Exec("INSERT INTO public.t (name) VALUES ($1)", {Value::Text("public")});
  Rows rows = Read("SELECT j.note, p.name FROM kit.jobs j, public.t p");
  ASSERT_EQ(rows.rows.size(), 1u);
  EXPECT_EQ(rows.rows[0][0].as_text(), "kit.jobs stays a value");
  EXPECT_EQ(rows.rows[0][1].as_text(), "public");
}

TEST_F(SqliteStoreTest, TooFewParametersIsAnError) {
  auto txn = store_->Begin(Access::kWrite);
  ASSERT_TRUE(txn.ok());
  auto done = (*txn)->Execute("INSERT INTO t (name, n) VALUES ($1, $2)",
                              std::vector<Value>{Value::Text("a")});
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(SqliteStoreTest, ColumnsCarryTheirDeclaredTypes) {
  Exec("INSERT INTO t (flag, n, x, body, name) VALUES ($1, 3, 1.5, '{\"a\":1}', 'n')",
       {Value::Bool(true)});
  Rows rows = Read("SELECT id, flag, n, x, body, at, name FROM t");
  ASSERT_EQ(rows.columns.size(), 7u);
  EXPECT_EQ(rows.columns[0].type, ColumnType::kUuid);
  EXPECT_EQ(rows.columns[1].type, ColumnType::kBool);
  EXPECT_EQ(rows.columns[2].type, ColumnType::kInteger);
  EXPECT_EQ(rows.columns[3].type, ColumnType::kNumeric);
  EXPECT_EQ(rows.columns[4].type, ColumnType::kJson);
  EXPECT_EQ(rows.columns[5].type, ColumnType::kTimestamptz);
  EXPECT_EQ(rows.columns[6].type, ColumnType::kText);
  EXPECT_EQ(rows.rows[0][1].kind(), Value::Kind::kBool);
  EXPECT_TRUE(rows.rows[0][1].as_bool());
  EXPECT_EQ(rows.rows[0][0].as_text().size(), 36u);
  EXPECT_EQ(rows.rows[0][0].as_text()[14], '4');  // version 4 UUID
}

TEST_F(SqliteStoreTest, NowIsIso8601WithMicrosecondsAndOffset) {
  Rows rows = Read("SELECT now()");
  const std::string now = rows.rows[0][0].as_text();
  ASSERT_EQ(now.size(), 32u) << now;
  EXPECT_EQ(now[10], 'T');
  EXPECT_EQ(now.substr(26), "+00:00");
}

TEST_F(SqliteStoreTest, UncommittedWriteIsRolledBack) {
  {
    auto txn = store_->Begin(Access::kWrite);
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)->Execute("INSERT INTO t (name) VALUES ('gone')").ok());
  }
  EXPECT_TRUE(Read("SELECT * FROM t").rows.empty());
}

TEST_F(SqliteStoreTest, ReadTransactionRefusesWrites) {
  auto txn = store_->Begin(Access::kRead);
  ASSERT_TRUE(txn.ok());
  auto done = (*txn)->Execute("INSERT INTO t (name) VALUES ('x')");
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.error().sqlstate, "25006");
}

TEST_F(SqliteStoreTest, UniqueViolationMapsTo23505) {
  Exec("INSERT INTO t (name) VALUES ('dup')");
  auto txn = store_->Begin(Access::kWrite);
  ASSERT_TRUE(txn.ok());
  auto done = (*txn)->Execute("INSERT INTO t (name) VALUES ('dup')");
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.error().code, ErrorCode::kConstraint);
  EXPECT_EQ(done.error().sqlstate, "23505");
}

TEST_F(SqliteStoreTest, UnknownTableAndColumnMapToPostgresCodes) {
  auto txn = store_->Begin(Access::kRead);
  ASSERT_TRUE(txn.ok());
  auto table = (*txn)->Query("SELECT * FROM nope");
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.error().sqlstate, "42P01");
  auto column = (*txn)->Query("SELECT nope FROM t");
  ASSERT_FALSE(column.ok());
  EXPECT_EQ(column.error().sqlstate, "42703");
}

TEST_F(SqliteStoreTest, ReadersSeeACommittedSnapshotWhileTheWriterWorks) {
  Exec("INSERT INTO t (name) VALUES ('before')");
  auto writer = store_->Begin(Access::kWrite);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Execute("INSERT INTO t (name) VALUES ('during')").ok());
  EXPECT_EQ(Read("SELECT name FROM t").rows.size(), 1u);  // not blocked, not dirty
  ASSERT_TRUE((*writer)->Commit().ok());
  EXPECT_EQ(Read("SELECT name FROM t").rows.size(), 2u);
}

TEST_F(SqliteStoreTest, SecondWriterWaitsThenTimesOutAsBusy) {
  auto first = store_->Begin(Access::kWrite);
  ASSERT_TRUE(first.ok());
  Result<std::unique_ptr<Transaction>> second = Error::Make(ErrorCode::kInternal, "unset");
  std::thread other([&] { second = store_->Begin(Access::kWrite); });
  other.join();
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, ErrorCode::kBusy);
}

TEST_F(SqliteStoreTest, CommitAfterCommitIsRefused) {
  auto txn = store_->Begin(Access::kWrite);
  ASSERT_TRUE(txn.ok());
  ASSERT_TRUE((*txn)->Commit().ok());
  auto again = (*txn)->Commit();
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition);
}

TEST_F(SqliteStoreTest, CommittedWritesSurviveReopen) {
  Exec("INSERT INTO t (name) VALUES ('kept')");
  store_->Close();
  auto reopened = SqliteStore::Open({dir_.File("db.sqlite"), 2, std::chrono::milliseconds(500), {}});
  ASSERT_TRUE(reopened.ok());
  auto txn = (*reopened)->Begin(Access::kRead);
  ASSERT_TRUE(txn.ok());
  auto rows = (*txn)->Query("SELECT name FROM t");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->rows.size(), 1u);
  EXPECT_EQ(rows->rows[0][0].as_text(), "kept");
}

TEST(SqliteStoreOpen, RefusesAFileThatIsNotADatabase) {
  testing::TempDir dir;
  {
    FILE* f = fopen(dir.File("junk").c_str(), "w");
    fputs("this is not a database file, not at all, not even close to one......", f);
    fclose(f);
  }
  auto store = SqliteStore::Open({dir.File("junk"), 1, std::chrono::milliseconds(100), {}});
  ASSERT_FALSE(store.ok());
}

// Registered functions: the request they run for, queries on the same transaction, the
// memo, and errors that carry a SQLSTATE.
class RegisteredFunctionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(crypto::Init());
    SqliteStoreOptions options;
    options.path = dir_.File("db.sqlite");
    options.max_readers = 2;
    options.functions.push_back({"caller", 0, [](CallContext& c, std::span<const Value>) -> Result<Value> {
                                   if (c.request().user_id.empty()) return Value::Null();
                                   return Value::Text(c.request().user_id);
                                 }});
    options.functions.push_back({"count_t", 0, [this](CallContext& c, std::span<const Value>) -> Result<Value> {
                                   // Counted once per transaction until something writes.
                                   if (auto* cached = std::any_cast<int64_t>(&c.memo())) return Value::Int(*cached);
                                   ++loads_;
                                   auto rows = c.Query("SELECT count(*) FROM t");
                                   if (!rows) return std::move(rows).error();
                                   c.memo() = rows->rows[0][0].as_int();
                                   return rows->rows[0][0];
                                 }});
    options.functions.push_back({"refuse", 1, [](CallContext&, std::span<const Value> args) -> Result<Value> {
                                   Error e = Error::Make(ErrorCode::kPermissionDenied, "refused " + args[0].as_text());
                                   e.sqlstate = "42501";
                                   return e;
                                 }});
    auto store = SqliteStore::Open(options);
    ASSERT_TRUE(store.ok()) << Describe(store.error());
    store_ = std::move(*store);
    auto txn = store_->Begin(Access::kWrite);
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)->ExecuteScript("CREATE TABLE t (n integer); INSERT INTO t VALUES (1), (2);").ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }

  testing::TempDir dir_;
  std::unique_ptr<SqliteStore> store_;
  int loads_ = 0;
};

TEST_F(RegisteredFunctionsTest, SeeTheRequestOfTheirTransactionOnly) {
  RequestContext alice{"authenticated", "alice", "{}"};
  {
    auto txn = store_->Begin(Access::kRead, alice);
    ASSERT_TRUE(txn.ok());
    auto rows = (*txn)->Query("SELECT caller()");
    ASSERT_TRUE(rows.ok()) << Describe(rows.error());
    EXPECT_EQ(rows->rows[0][0].as_text(), "alice");
  }
  // The same pooled connection, a new transaction without a user.
  auto txn = store_->Begin(Access::kRead);
  ASSERT_TRUE(txn.ok());
  auto rows = (*txn)->Query("SELECT caller() IS NULL");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->rows[0][0].as_int(), 1);
}

TEST_F(RegisteredFunctionsTest, MemoLastsUntilAWrite) {
  auto txn = store_->Begin(Access::kWrite, RequestContext{"authenticated", "bob", "{}"});
  ASSERT_TRUE(txn.ok());
  // Called for every row of t, loaded once.
  auto rows = (*txn)->Query("SELECT count_t() FROM t, t AS u");
  ASSERT_TRUE(rows.ok()) << Describe(rows.error());
  ASSERT_EQ(rows->rows.size(), 4u);
  EXPECT_EQ(rows->rows[3][0].as_int(), 2);
  EXPECT_EQ(loads_, 1);
  ASSERT_TRUE((*txn)->Execute("INSERT INTO t VALUES (3)").ok());
  rows = (*txn)->Query("SELECT count_t()");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->rows[0][0].as_int(), 3) << "the write emptied the memo";
  EXPECT_EQ(loads_, 2);
}

TEST_F(RegisteredFunctionsTest, AnErrorKeepsItsSqlState) {
  auto txn = store_->Begin(Access::kRead);
  ASSERT_TRUE(txn.ok());
  auto rows = (*txn)->Query("SELECT refuse('this') FROM t");
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(rows.error().sqlstate, "42501");
  EXPECT_EQ(rows.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(rows.error().message, "refused this");
}

TEST_F(RegisteredFunctionsTest, HookedScriptsSplitWhereSqliteDoes) {
  auto txn = store_->Begin(Access::kWrite);
  ASSERT_TRUE(txn.ok());
  std::vector<std::string> kept;
  auto hook = [&](std::string_view statement) -> Result<bool> {
    if (statement.find("KEEP") == std::string_view::npos) return false;
    kept.emplace_back(statement);
    return true;
  };
  const char* script =
      "CREATE TABLE u (s text); -- a comment; with a semicolon\n"
      "INSERT INTO u VALUES ('a;b');\n"
      "CREATE TRIGGER u_t AFTER INSERT ON u BEGIN\n"
      "  INSERT INTO t VALUES (10); INSERT INTO t VALUES (11);\n"
      "END;\n"
      "KEEP this one;\n"
      "INSERT INTO u VALUES ('c')";
  ASSERT_TRUE((*txn)->ExecuteScript(script, hook).ok());
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_NE(kept[0].find("KEEP this one"), std::string::npos);
  auto rows = (*txn)->Query("SELECT count(*) FROM t");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->rows[0][0].as_int(), 4) << "the trigger ran once, whole";
  auto failed = (*txn)->ExecuteScript("SELECT 1;\n\nSELECT nonsense(;", hook);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message.rfind("line 3: ", 0), 0u) << failed.error().message;
}

TEST_F(RegisteredFunctionsTest, AuthFunctionsReadTheRequest) {
  auto txn = store_->Begin(Access::kRead, RequestContext{"authenticated", "u1", R"({"sub":"u1","aal":"aal2"})"});
  ASSERT_TRUE(txn.ok());
  auto rows = (*txn)->Query("SELECT auth_uid(), auth_role(), auth_jwt() ->> 'aal'");
  ASSERT_TRUE(rows.ok()) << Describe(rows.error());
  EXPECT_EQ(rows->rows[0][0].as_text(), "u1");
  EXPECT_EQ(rows->rows[0][1].as_text(), "authenticated");
  EXPECT_EQ(rows->rows[0][2].as_text(), "aal2");
  auto server = store_->Begin(Access::kRead);
  ASSERT_TRUE(server.ok());
  rows = (*server)->Query("SELECT auth_uid() IS NULL, auth_role() IS NULL, auth_jwt()");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->rows[0][0].as_int(), 1);
  EXPECT_EQ(rows->rows[0][1].as_int(), 1);
  EXPECT_EQ(rows->rows[0][2].as_text(), "{}");
}

TEST_F(RegisteredFunctionsTest, PgLikeIsCaseSensitiveWithEscapes) {
  auto txn = store_->Begin(Access::kRead);
  ASSERT_TRUE(txn.ok());
  struct Case {
    const char* s;
    const char* p;
    int want;
  };
  for (const Case& c : {Case{"Hello", "H%", 1}, Case{"hello", "H%", 0}, Case{"Hello", "%ll_", 1},
                        Case{"50%", "50\\%", 1}, Case{"500", "50\\%", 0}, Case{"a_b", "a\\_b", 1},
                        Case{"axb", "a\\_b", 0}, Case{"ünï", "_n_", 1}, Case{"", "%", 1}, Case{"abc", "", 0},
                        Case{"mississippi", "%iss%pi", 1}}) {
    const Value params[] = {Value::Text(c.s), Value::Text(c.p)};
    auto rows = (*txn)->Query("SELECT pg_like($1, $2)", params);
    ASSERT_TRUE(rows.ok());
    EXPECT_EQ(rows->rows[0][0].as_int(), c.want) << c.s << " LIKE " << c.p;
  }
  auto rows = (*txn)->Query("SELECT pg_array_get('[\"a\",\"b\"]', 2), pg_array_get('[\"a\"]', 2) IS NULL, "
                            "pg_array_get('not json', 1) IS NULL");
  ASSERT_TRUE(rows.ok()) << Describe(rows.error());
  EXPECT_EQ(rows->rows[0][0].as_text(), "b");
  EXPECT_EQ(rows->rows[0][1].as_int(), 1);
  EXPECT_EQ(rows->rows[0][2].as_int(), 1);
}

}  // namespace
}  // namespace tb::store::sqlite
