// store/migrate/migration.h
//
// A migration is one numbered SQL file: `0003_billing.sql` is version 3, name "billing".
// Core migrations are compiled into the binary (cmake/embed_migrations.cmake); app
// migrations (a later issue) are read from a directory. Both become the same list.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace tb::migrate {

struct Migration {
  int version = 0;
  std::string name;       // from the file name, without number and extension
  std::string file_name;  // "0003_billing.sql"
  std::string sql;
  std::string checksum;   // SHA-256 of `sql`, hex
};

// Builds a Migration from a file name and its text. Fails (kInvalidArgument) when the
// name is not NNNN_name.sql with a positive number.
Result<Migration> MakeMigration(std::string_view file_name, std::string sql);

// The core migrations for `dialect` ("sqlite" or "postgres"), sorted by version.
// Fails when two files share a version (a build mistake, caught by a test).
Result<std::vector<Migration>> CoreMigrations(std::string_view dialect);

// Every *.sql file in `dir`, sorted by version. A missing directory gives an empty list.
Result<std::vector<Migration>> MigrationsFromDirectory(const std::string& dir);

}  // namespace tb::migrate
