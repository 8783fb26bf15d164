// store/sqlite/sqlite_connection.h
//
// One sqlite3 connection with the pragmas every Tenantbase connection needs and a cache
// of prepared statements keyed by SQL text. The only type above it is SqliteStore.
//
// Thread-safety: not thread-safe; the store lends each connection to one transaction
// at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "store/store.h"

struct sqlite3;
struct sqlite3_stmt;

namespace tb::store::sqlite {

// Facts about the schema a connection needs to type its result columns.
struct SchemaInfo {
  uint64_t generation = 0;                         // changes whenever the info is re-read
  std::set<std::string, std::less<>> enum_types;  // names created as enums
};

struct ConnectionOptions {
  bool read_only = false;       // PRAGMA query_only: writes fail with 25006
  int busy_timeout_ms = 5000;
  std::string synchronous = "FULL";  // FULL: a commit is on disk before it is acknowledged
};

class SqliteConnection {
 public:
  // Opens (creating if needed) the database file at `path`.
  static Result<std::unique_ptr<SqliteConnection>> Open(const std::string& path,
                                                        const ConnectionOptions& options);
  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  Result<Rows> Query(std::string_view sql, std::span<const Value> params,
                     const SchemaInfo& schema);
  Result<int64_t> Execute(std::string_view sql, std::span<const Value> params);
  Status ExecuteScript(std::string_view sql);

  // Forgets cached statements (after schema changes, so column types are re-read).
  void ClearStatementCache();

 private:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}

  struct CachedStatement {
    sqlite3_stmt* stmt = nullptr;
    uint64_t typed_for = UINT64_MAX;  // SchemaInfo::generation the columns were typed with
    std::vector<Column> columns;
  };
  // Prepares (or finds) `sql` and binds `params`; the statement is reset on return paths.
  Result<CachedStatement*> Prepare(std::string_view sql, std::span<const Value> params);

  sqlite3* db_;
  std::unordered_map<std::string, CachedStatement> cache_;
};

}  // namespace tb::store::sqlite
