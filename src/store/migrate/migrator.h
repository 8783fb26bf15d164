// store/migrate/migrator.h
//
// Applies migrations in version order, each in its own write transaction together with
// its row in the history table (version, name, checksum, applied_at; `schema_migrations`
// for the core, `app_schema_migrations` for an app's own), so a migration is either wholly
// applied and recorded or not at all. Before applying anything it checks
// that every applied migration still has the same text (checksum): a changed file means
// the database no longer matches the code, and the server must not start on it.
//
// Thread-safety: run it before serving; it takes the store's writer for each step.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "store/migrate/migration.h"
#include "store/store.h"

namespace tb::migrate {

struct MigrationStatus {
  int version = 0;
  std::string name;
  bool applied = false;
  std::string applied_at;  // "" when pending
};

// Offered each statement of a migration before the database runs it; returns true when
// it handled the statement itself (the policy layer keeps CREATE POLICY and friends on
// SQLite, which has no such statements). Runs inside the migration's transaction.
using StatementHook = std::function<Result<bool>(store::Transaction& txn, std::string_view statement)>;

// Runs one migration's whole script inside its transaction (an app's PostgreSQL migrations
// on SQLite, say); its error message should name the file and line.
using ScriptRunner = std::function<tb::Status(store::Transaction& txn, const Migration& migration)>;

struct MigratorOptions {
  // Where applied versions are recorded. REQUIRES: a plain identifier, or schema.identifier
  // where the dialect has schemas.
  std::string history_table = "schema_migrations";
  // How messages name one step: "migration", "app migration".
  std::string label = "migration";
  // What to do about an applied version this list does not have.
  std::string missing_hint = "use a newer tenantbase";
  StatementHook hook;  // offered each statement when `run` is not set
  ScriptRunner run;    // when set, runs each migration instead of the store's ExecuteScript
};

class Migrator {
 public:
  // `migrations` REQUIRES: sorted by version, versions unique (as the loaders return them).
  Migrator(store::Store& store, std::vector<Migration> migrations, StatementHook hook = nullptr)
      : store_(store), migrations_(std::move(migrations)) {
    options_.hook = std::move(hook);
  }
  Migrator(store::Store& store, std::vector<Migration> migrations, MigratorOptions options)
      : store_(store), migrations_(std::move(migrations)), options_(std::move(options)) {}

  // Applies every pending migration; returns how many were applied.
  // Fails with kFailedPrecondition when an applied migration's checksum differs from its
  // file, or the database has a version this list does not know (written by a newer
  // build); with the store's error (and the file name in the message) when a step fails.
  Result<int> Apply();

  // Every known migration and whether it is applied. Also fails on tampering, as Apply.
  Result<std::vector<MigrationStatus>> Status();

  // The highest applied version, 0 for a fresh database.
  Result<int> CurrentVersion();

 private:
  struct Applied {
    int version;
    std::string name;
    std::string checksum;
    std::string applied_at;
  };
  Result<std::vector<Applied>> ReadApplied();
  tb::Status CheckApplied(const std::vector<Applied>& applied) const;

  store::Store& store_;
  const std::vector<Migration> migrations_;
  MigratorOptions options_;
};

}  // namespace tb::migrate
