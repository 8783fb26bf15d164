#include "store/migrate/migrator.h"

#include <gtest/gtest.h>

#include <fstream>

#include "crypto/random.h"
#include "store/sqlite/sqlite_store.h"
#include "support/temp_dir.h"

namespace tb::migrate {
namespace {

class MigratorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(crypto::Init());
    std::filesystem::create_directory(dir_.path() / "migrations");
    Write("0001_first.sql", "CREATE TABLE a (x integer);");
    Write("0002_second.sql", "CREATE TABLE b (y integer); INSERT INTO b VALUES (1);");
    auto store = store::sqlite::SqliteStore::Open({dir_.File("db"), 2, std::chrono::milliseconds(500), {}});
    ASSERT_TRUE(store.ok());
    store_ = std::move(*store);
  }

  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_.path() / "migrations" / name) << text;
  }

  Result<int> Apply() {
    auto list = MigrationsFromDirectory((dir_.path() / "migrations").string());
    if (!list) return std::move(list).error();
    return Migrator(*store_, std::move(*list)).Apply();
  }

  testing::TempDir dir_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
};

TEST_F(MigratorTest, FreshDatabaseGetsEveryMigrationInOrder) {
  auto applied = Apply();
  ASSERT_TRUE(applied.ok()) << Describe(applied.error());
  EXPECT_EQ(*applied, 2);
  auto txn = store_->Begin(store::Access::kRead);
  ASSERT_TRUE(txn.ok());
  auto rows = (*txn)->Query("SELECT version, name, length(checksum) FROM schema_migrations ORDER BY version");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->rows.size(), 2u);
  EXPECT_EQ(rows->rows[0][1].as_text(), "first");
  EXPECT_EQ(rows->rows[1][0].as_int(), 2);
  EXPECT_EQ(rows->rows[1][2].as_int(), 64);
}

TEST_F(MigratorTest, RestartIsANoOp) {
  ASSERT_TRUE(Apply().ok());
  auto again = Apply();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);
  auto txn = store_->Begin(store::Access::kRead);
  auto rows = (*txn)->Query("SELECT count(*) FROM b");
  EXPECT_EQ(rows->rows[0][0].as_int(), 1);  // the INSERT did not run twice
}

TEST_F(MigratorTest, NewMigrationIsAppliedOnNextStart) {
  ASSERT_TRUE(Apply().ok());
  Write("0003_third.sql", "CREATE TABLE c (z integer);");
  auto applied = Apply();
  ASSERT_TRUE(applied.ok());
  EXPECT_EQ(*applied, 1);
}

TEST_F(MigratorTest, TamperedAppliedMigrationIsRefused) {
  ASSERT_TRUE(Apply().ok());
  Write("0002_second.sql", "CREATE TABLE b (y integer); INSERT INTO b VALUES (2);");
  auto applied = Apply();
  ASSERT_FALSE(applied.ok());
  EXPECT_EQ(applied.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(applied.error().message.find("0002_second.sql"), std::string::npos);
}

TEST_F(MigratorTest, DatabaseFromANewerBuildIsRefused) {
  Write("0003_third.sql", "CREATE TABLE c (z integer);");
  ASSERT_TRUE(Apply().ok());
  std::filesystem::remove(dir_.path() / "migrations" / "0003_third.sql");
  auto applied = Apply();
  ASSERT_FALSE(applied.ok());
  EXPECT_EQ(applied.error().code, ErrorCode::kFailedPrecondition);
}

TEST_F(MigratorTest, MigrationAddedBelowTheAppliedVersionIsRefused) {
  Write("0005_fifth.sql", "CREATE TABLE e (z integer);");
  ASSERT_TRUE(Apply().ok());
  Write("0004_fourth.sql", "CREATE TABLE d (z integer);");
  auto applied = Apply();
  ASSERT_FALSE(applied.ok());
  EXPECT_NE(applied.error().message.find("0004_fourth.sql"), std::string::npos);
}

TEST_F(MigratorTest, FailingMigrationLeavesNothingBehind) {
  Write("0003_bad.sql", "CREATE TABLE c (z integer); INSERT INTO nope VALUES (1);");
  auto applied = Apply();
  ASSERT_FALSE(applied.ok());
  EXPECT_NE(applied.error().message.find("0003_bad.sql"), std::string::npos);
  auto txn = store_->Begin(store::Access::kRead);
  auto rows = (*txn)->Query("SELECT count(*) FROM sqlite_schema WHERE name = 'c'");
  EXPECT_EQ(rows->rows[0][0].as_int(), 0);
  auto versions = (*txn)->Query("SELECT max(version) FROM schema_migrations");
  EXPECT_EQ(versions->rows[0][0].as_int(), 2);
}

TEST_F(MigratorTest, StatusListsAppliedAndPending) {
  ASSERT_TRUE(Apply().ok());
  Write("0003_third.sql", "CREATE TABLE c (z integer);");
  auto list = MigrationsFromDirectory((dir_.path() / "migrations").string());
  ASSERT_TRUE(list.ok());
  auto status = Migrator(*store_, std::move(*list)).Status();
  ASSERT_TRUE(status.ok());
  ASSERT_EQ(status->size(), 3u);
  EXPECT_TRUE((*status)[1].applied);
  EXPECT_FALSE((*status)[2].applied);
  EXPECT_FALSE((*status)[1].applied_at.empty());
}

TEST_F(MigratorTest, ASecondHistoryRunsItsOwnListThroughItsRunner) {
  ASSERT_TRUE(Apply().ok());
  auto app = MakeMigration("0001_app.sql", "ignored by the runner");
  ASSERT_TRUE(app.ok());
  std::vector<std::string> ran;
  MigratorOptions options;
  options.history_table = "app_history";
  options.label = "app migration";
  options.run = [&](store::Transaction& txn, const Migration& m) -> tb::Status {
    ran.push_back(m.file_name);
    auto done = txn.Execute("CREATE TABLE from_app (x integer)");
    if (!done) return std::move(done).error();
    return Ok();
  };
  auto applied = Migrator(*store_, {*app}, options).Apply();
  ASSERT_TRUE(applied.ok()) << Describe(applied.error());
  EXPECT_EQ(*applied, 1);
  EXPECT_EQ(ran, std::vector<std::string>{"0001_app.sql"});
  auto again = Migrator(*store_, {*app}, options).Apply();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);
  auto txn = store_->Begin(store::Access::kRead);
  auto rows = (*txn)->Query("SELECT (SELECT count(*) FROM app_history), (SELECT count(*) FROM schema_migrations)");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->rows[0][0].as_int(), 1);
  EXPECT_EQ(rows->rows[0][1].as_int(), 2);  // the core history is untouched
  txn->reset();

  options.run = [](store::Transaction&, const Migration&) -> tb::Status {
    return Error::Make(ErrorCode::kInvalidArgument, "refused (0002_bad.sql:3)");
  };
  auto bad = MakeMigration("0002_bad.sql", "x");
  auto failed = Migrator(*store_, {*app, *bad}, options).Apply();
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message, "app migration 0002_bad.sql failed: refused (0002_bad.sql:3)");
}

TEST(MigrationFiles, BadNamesAreRefused) {
  EXPECT_FALSE(MakeMigration("first.sql", "").ok());
  EXPECT_FALSE(MakeMigration("0000_zero.sql", "").ok());
  EXPECT_FALSE(MakeMigration("0001_.sql", "").ok());
  EXPECT_FALSE(MakeMigration("0001_x.txt", "").ok());
  EXPECT_TRUE(MakeMigration("0001_x.sql", "").ok());
}

TEST(MigrationFiles, CoreMigrationsAreNumberedAndUnique) {
  auto core = CoreMigrations("sqlite");
  ASSERT_TRUE(core.ok()) << Describe(core.error());
  ASSERT_FALSE(core->empty());
  EXPECT_EQ(core->front().version, 1);
}

}  // namespace
}  // namespace tb::migrate
