// tests/support/migrated_store.h
//
// A SQLite store in a temp dir with every core migration applied: the schema exactly as
// `tenantbase serve` creates it, with the policy helpers registered and the migrations'
// row-level security kept by the policy layer. Helpers run one statement per transaction and return
// the store's Result, so tests can assert on refusals (error code, SQLSTATE).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string_view>
#include <vector>

#include "crypto/random.h"
#include "policy/helpers.h"
#include "policy/policy_set.h"
#include "store/migrate/migrator.h"
#include "store/sqlite/sqlite_store.h"
#include "support/temp_dir.h"

namespace tb::testing {

class MigratedStore {
 public:
  MigratedStore() {
    if (!crypto::Init()) std::abort();
    store::sqlite::SqliteStoreOptions options;
    options.path = dir_.File("tenantbase.db");
    options.max_readers = 4;
    options.busy_timeout = std::chrono::milliseconds(1000);
    options.functions = policy::HelperFunctions();
    auto store = store::sqlite::SqliteStore::Open(options);
    if (!store.ok()) {
      ADD_FAILURE() << Describe(store.error());
      return;
    }
    store_ = std::move(*store);
    auto migrations = migrate::CoreMigrations("sqlite");
    if (!migrations.ok()) {
      ADD_FAILURE() << Describe(migrations.error());
      return;
    }
    auto applied = migrate::Migrator(*store_, std::move(*migrations), policy::HandleMigrationStatement).Apply();
    if (!applied.ok()) ADD_FAILURE() << Describe(applied.error());
  }

  store::Store& store() { return *store_; }

  // Runs `sql` in its own write transaction (for `as`; default: the server) and commits;
  // returns rows changed or the error.
  Result<int64_t> Exec(std::string_view sql, std::vector<store::Value> params = {},
                       const store::RequestContext& as = {}) {
    auto txn = store_->Begin(store::Access::kWrite, as);
    if (!txn) return std::move(txn).error();
    auto done = (*txn)->Execute(sql, params);
    if (!done) return done;
    if (Status s = (*txn)->Commit(); !s) return std::move(s).error();
    return done;
  }

  // Runs `sql` in a read transaction.
  Result<store::Rows> Query(std::string_view sql, std::vector<store::Value> params = {}) {
    auto txn = store_->Begin(store::Access::kRead);
    if (!txn) return std::move(txn).error();
    return (*txn)->Query(sql, params);
  }

  // The single value of a one-row, one-column query (test fails otherwise).
  store::Value Scalar(std::string_view sql, std::vector<store::Value> params = {}) {
    auto rows = Query(sql, std::move(params));
    if (!rows.ok()) {
      ADD_FAILURE() << Describe(rows.error());
      return {};
    }
    if (rows->rows.size() != 1 || rows->rows[0].size() != 1) {
      ADD_FAILURE() << "expected one value from: " << sql;
      return {};
    }
    return rows->rows[0][0];
  }

  const TempDir& dir() const { return dir_; }

 private:
  TempDir dir_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
};

}  // namespace tb::testing
