// store/sqlite/sqlite_connection.h
//
// One sqlite3 connection with the pragmas every Tenantbase connection needs and a cache
// of prepared statements keyed by SQL text. The only type above it is SqliteStore.
//
// Thread-safety: not thread-safe; the store lends each connection to one transaction
// at a time.
#pragma once

#include <any>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
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

class SqliteConnection;

// What sqlite3_user_data hands a registered function back.
struct FunctionBinding {
  const ScalarFunction* function;
  SqliteConnection* connection;
};

// Facts about the schema a connection needs to type its result columns.
struct SchemaInfo {
  uint64_t generation = 0;                         // changes whenever the info is re-read
  std::set<std::string, std::less<>> enum_types;  // names created as enums
  bool has_access_version = false;                 // kit_access_version (migration 0022)
};

struct ConnectionOptions {
  bool read_only = false;       // PRAGMA query_only: writes fail with 25006
  int busy_timeout_ms = 5000;
  std::string synchronous = "FULL";  // FULL: a commit is on disk before it is acknowledged
  // Functions SQL on this connection may call (besides the built-ins); must outlive it.
  std::shared_ptr<const std::vector<ScalarFunction>> functions;
};

class SqliteConnection final : public CallContext {
 public:
  // Opens (creating if needed) the database file at `path`.
  static Result<std::unique_ptr<SqliteConnection>> Open(const std::string& path,
                                                        const ConnectionOptions& options);
  ~SqliteConnection() override;
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  Result<Rows> Query(std::string_view sql, std::span<const Value> params,
                     const SchemaInfo& schema);
  Result<int64_t> Execute(std::string_view sql, std::span<const Value> params);
  Status ExecuteScript(std::string_view sql);
  // BEGIN [IMMEDIATE], COMMIT or ROLLBACK, which every transaction runs: from the statement
  // cache rather than parsed each time; empties the memo as ExecuteScript does.
  Status Control(std::string_view sql);
  // Statement by statement (see Transaction::ExecuteScript).
  Status ExecuteScript(std::string_view sql,
                       const std::function<Result<bool>(std::string_view statement)>& hook);

  // Who the current transaction runs for, and the schema facts its queries are typed
  // with; the registered functions read them. Set when a transaction begins, cleared when
  // it ends (which also empties the memo). `facts`, for a read transaction only, is the
  // store's shared facts (shared_facts.h), null when the transaction must not share them.
  void BeginScope(const RequestContext& request, std::shared_ptr<const SchemaInfo> schema,
                  SharedFacts* facts = nullptr);
  void EndScope();

  // CallContext, for registered functions.
  const RequestContext& request() const override { return request_; }
  Result<Rows> Query(std::string_view sql, std::span<const Value> params) override;
  std::any& memo() override { return memo_; }
  // The scope's shared facts at the version its snapshot reads: kit_access_version.n,
  // queried the first time and kept for the scope (a read's snapshot does not move).
  Result<SharedFactsView> shared_facts() override;

  // Forgets cached statements (after schema changes, so column types are re-read).
  void ClearStatementCache();

 private:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  Status RegisterFunctions(std::shared_ptr<const std::vector<ScalarFunction>> functions);

  struct CachedStatement {
    sqlite3_stmt* stmt = nullptr;
    uint64_t typed_for = UINT64_MAX;  // SchemaInfo::generation the columns were typed with
    std::vector<Column> columns;
  };
  // Prepares (or finds) `sql` and binds `params`; the statement is reset on return paths.
  Result<CachedStatement*> Prepare(std::string_view sql, std::span<const Value> params);
  // Steps a prepared statement to its end, collecting rows into `rows` when given, and
  // empties the memo when it changed data.
  Status Step(std::string_view sql, CachedStatement& entry, Rows* rows);

  sqlite3* db_;
  std::unordered_map<std::string, CachedStatement> cache_;
  // Statements being stepped right now (a function's query runs inside another's step):
  // the cache is only ever cleared when this is 0.
  int stepping_ = 0;
  RequestContext request_;
  std::shared_ptr<const SchemaInfo> scope_schema_;
  std::any memo_;
  SharedFacts* facts_ = nullptr;          // the scope's, or null
  std::optional<int64_t> facts_version_;  // read once per scope
  std::shared_ptr<const std::vector<ScalarFunction>> functions_;
  std::vector<std::unique_ptr<FunctionBinding>> bindings_;
};

}  // namespace tb::store::sqlite
