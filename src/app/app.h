// app/app.h
//
// The composition root: builds each service once from a Config, owns their lifetimes,
// and tears them down in reverse order. main.cpp only parses the command line and calls
// one of these methods.
//
// Thread-safety: call from the main thread; Serve() blocks until shutdown.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "app/config.h"
#include "base/result.h"
#include "domain/maintenance/purge.h"
#include "store/migrate/migrator.h"
#include "store/store.h"

namespace tb::app {

struct Keys {
  std::string anon;
  std::string service_role;
};

// The anon and service_role keys for `secret`: HS256 JWTs with a fixed issue time, so the
// same secret always yields the same keys (apps configure them once).
Keys MakeKeys(const std::string& secret);

class App {
 public:
  // Prepares the data directory and the JWT secret and opens the database.
  // Migrations are not applied yet (see Migrate / Serve).
  static Result<std::unique_ptr<App>> Open(const Config& config);
  ~App();

  // Applies pending core migrations, then the app's own (AppMigrationsDir(config), written
  // in PostgreSQL's SQL, see policy/app_migrations.h); returns how many in all. Refuses a
  // tampered database; an app migration's error names its file and line.
  Result<int> Migrate();
  // Every core migration, then every app migration, applied or pending.
  Result<std::vector<migrate::MigrationStatus>> MigrationStatus();
  Result<std::vector<migrate::MigrationStatus>> AppMigrationStatus();
  Keys keys() const { return MakeKeys(jwt_secret_); }
  // The open database, for commands that work on it as a whole (copy-data).
  store::Store& store() { return *store_; }

  // `tenantbase admin create-user`: checks the input, migrates, then creates a user (and
  // their personal account) with `password`, confirmed now when `confirmed`; returns the
  // new user's id.
  // Fails with kInvalidArgument for a malformed email or a password shorter than
  // config.auth_min_password_length, and with reason email_exists when the address is taken.
  Result<std::string> CreateUser(const std::string& email, const std::string& password, bool confirmed);

  // `tenantbase admin grant-super-admin | revoke-super-admin EMAIL`: migrates, then adds or
  // removes the user's super_admins row; true when that changed anything. Fails with
  // kNotFound for an unknown email.
  Result<bool> SetSuperAdmin(const std::string& email, bool grant);

  // `tenantbase admin purge`: migrates, then deletes what has expired (maintenance::Purge).
  Result<maintenance::Purged> Purge();

  // Migrates, listens, and serves until SIGINT/SIGTERM (purging expired rows every
  // config.purge_interval_seconds meanwhile); then finishes in-flight requests and closes
  // the database. Fails before serving when migration or listening fails.
  Status Serve();

 private:
  App(Config config, std::string jwt_secret, std::unique_ptr<store::Store> store);
  Result<migrate::Migrator> MakeMigrator();
  Result<migrate::Migrator> MakeAppMigrator();

  const Config config_;
  const std::string jwt_secret_;
  std::unique_ptr<store::Store> store_;
};

}  // namespace tb::app
