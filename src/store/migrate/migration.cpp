#include "store/migrate/migration.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "crypto/hash.h"

namespace tb::migrate {

// Generated from migrations/sqlite/ and migrations/postgres/ at build time.
std::vector<std::pair<std::string_view, std::string_view>> EmbeddedMigrationFiles();
std::vector<std::pair<std::string_view, std::string_view>> EmbeddedPostgresMigrationFiles();

namespace {

Result<std::vector<Migration>> SortedUnique(std::vector<Migration> list) {
  std::sort(list.begin(), list.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
  for (size_t i = 1; i < list.size(); ++i) {
    if (list[i].version == list[i - 1].version) {
      return Error::Make(ErrorCode::kInvalidArgument,
                         "two migrations share version " + std::to_string(list[i].version) + ": " +
                             list[i - 1].file_name + " and " + list[i].file_name);
    }
  }
  return list;
}

}  // namespace

Result<Migration> MakeMigration(std::string_view file_name, std::string sql) {
  const size_t underscore = file_name.find('_');
  int version = 0;
  const bool numbered =
      underscore != std::string_view::npos && underscore > 0 &&
      std::from_chars(file_name.data(), file_name.data() + underscore, version).ptr ==
          file_name.data() + underscore &&
      version > 0;
  if (!numbered || !file_name.ends_with(".sql") || underscore + 1 >= file_name.size() - 4) {
    return Error::Make(ErrorCode::kInvalidArgument,
                       "migration file names look like 0001_name.sql, not " + std::string(file_name));
  }
  Migration m;
  m.version = version;
  m.file_name = std::string(file_name);
  m.name = std::string(file_name.substr(underscore + 1, file_name.size() - 4 - underscore - 1));
  m.checksum = crypto::Sha256Hex(sql);
  m.sql = std::move(sql);
  return m;
}

Result<std::vector<Migration>> CoreMigrations(std::string_view dialect) {
  if (dialect != "sqlite" && dialect != "postgres") {
    return Error::Make(ErrorCode::kInvalidArgument,
                       "no core migrations for dialect " + std::string(dialect));
  }
  std::vector<Migration> list;
  for (const auto& [name, text] :
       dialect == "sqlite" ? EmbeddedMigrationFiles() : EmbeddedPostgresMigrationFiles()) {
    auto m = MakeMigration(name, std::string(text));
    if (!m) return std::move(m).error();
    list.push_back(std::move(*m));
  }
  return SortedUnique(std::move(list));
}

Result<std::vector<Migration>> MigrationsFromDirectory(const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<Migration> list;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return list;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file() || it->path().extension() != ".sql") continue;
    std::ifstream in(it->path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in && !in.eof()) {
      return Error::Make(ErrorCode::kIo, "cannot read migration " + it->path().string());
    }
    auto m = MakeMigration(it->path().filename().string(), text.str());
    if (!m) return std::move(m).error();
    list.push_back(std::move(*m));
  }
  if (ec) return Error::Make(ErrorCode::kIo, "cannot list migrations in " + dir, ec.message());
  return SortedUnique(std::move(list));
}

}  // namespace tb::migrate
