#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>

#include <thread>

#include "crypto/random.h"
#include "support/temp_dir.h"

namespace tb::store::sqlite {
namespace {

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(crypto::Init());
    auto store = SqliteStore::Open({dir_.File("db.sqlite"), 4, std::chrono::milliseconds(500)});
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
  auto reopened = SqliteStore::Open({dir_.File("db.sqlite"), 2, std::chrono::milliseconds(500)});
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
  auto store = SqliteStore::Open({dir.File("junk"), 1, std::chrono::milliseconds(100)});
  ASSERT_FALSE(store.ok());
}

}  // namespace
}  // namespace tb::store::sqlite
