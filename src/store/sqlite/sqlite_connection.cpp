#include "store/sqlite/sqlite_connection.h"

#include <sqlite3.h>

#include <charconv>

#include "store/sqlite/sqlite_errors.h"
#include "store/sqlite/sqlite_functions.h"

namespace tb::store::sqlite {

namespace {

constexpr size_t kMaxCachedStatements = 512;

// Resets a statement when a query leaves scope, whichever way it leaves.
class ResetOnExit {
 public:
  explicit ResetOnExit(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~ResetOnExit() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;

 private:
  sqlite3_stmt* stmt_;
};

int BindValue(sqlite3_stmt* stmt, int index, const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kNull: return sqlite3_bind_null(stmt, index);
    case Value::Kind::kBool: return sqlite3_bind_int(stmt, index, v.as_bool() ? 1 : 0);
    case Value::Kind::kInt: return sqlite3_bind_int64(stmt, index, v.as_int());
    case Value::Kind::kReal: return sqlite3_bind_double(stmt, index, v.as_real());
    case Value::Kind::kText:
      return sqlite3_bind_text64(stmt, index, v.as_text().data(), v.as_text().size(),
                                 SQLITE_STATIC, SQLITE_UTF8);
    case Value::Kind::kBlob:
      return sqlite3_bind_blob64(stmt, index, v.as_text().data(), v.as_text().size(),
                                 SQLITE_STATIC);
  }
  return SQLITE_MISUSE;
}

Value ReadValue(sqlite3_stmt* stmt, int i, ColumnType type) {
  switch (sqlite3_column_type(stmt, i)) {
    case SQLITE_NULL: return Value::Null();
    case SQLITE_INTEGER: {
      const int64_t v = sqlite3_column_int64(stmt, i);
      return type == ColumnType::kBool ? Value::Bool(v != 0) : Value::Int(v);
    }
    case SQLITE_FLOAT: return Value::Real(sqlite3_column_double(stmt, i));
    case SQLITE_BLOB: {
      const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt, i));
      return Value::Blob(std::string(data ? data : "", sqlite3_column_bytes(stmt, i)));
    }
    default: {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
      return Value::Text(std::string(text ? text : "", sqlite3_column_bytes(stmt, i)));
    }
  }
}

void TypeColumns(sqlite3_stmt* stmt, const SchemaInfo& schema, std::vector<Column>& columns) {
  const int n = sqlite3_column_count(stmt);
  columns.clear();
  columns.reserve(n);
  for (int i = 0; i < n; ++i) {
    Column c;
    c.name = sqlite3_column_name(stmt, i);
    const char* decl = sqlite3_column_decltype(stmt, i);
    if (decl != nullptr) {
      c.declared_type = decl;
      c.type = schema.enum_types.count(c.declared_type) ? ColumnType::kEnum
                                                        : ColumnTypeFromDeclared(decl);
    }
    columns.push_back(std::move(c));
  }
}

}  // namespace

Result<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(const std::string& path,
                                                                 const ConnectionOptions& options) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error e = db ? LastError(db, "") : ErrorFromSqlite(rc, sqlite3_errstr(rc), "");
    sqlite3_close(db);
    e.message = "cannot open database " + path + ": " + e.message;
    return e;
  }
  std::unique_ptr<SqliteConnection> conn(new SqliteConnection(db));
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, options.busy_timeout_ms);
  if (RegisterBuiltinFunctions(db) != SQLITE_OK) return LastError(db, "register functions");
  std::string pragmas =
      "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;"
      "PRAGMA synchronous=" + options.synchronous + ";";
  if (options.read_only) pragmas += "PRAGMA query_only=1;";
  if (Status s = conn->ExecuteScript(pragmas); !s) return std::move(s).error();
  return conn;
}

SqliteConnection::~SqliteConnection() {
  ClearStatementCache();
  sqlite3_close_v2(db_);
}

void SqliteConnection::ClearStatementCache() {
  for (auto& [sql, entry] : cache_) sqlite3_finalize(entry.stmt);
  cache_.clear();
}

Result<SqliteConnection::CachedStatement*> SqliteConnection::Prepare(std::string_view sql,
                                                                     std::span<const Value> params) {
  auto it = cache_.find(std::string(sql));
  if (it == cache_.end()) {
    if (cache_.size() >= kMaxCachedStatements) ClearStatementCache();
    sqlite3_stmt* stmt = nullptr;
    const char* tail = nullptr;
    if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                           SQLITE_PREPARE_PERSISTENT, &stmt, &tail) != SQLITE_OK) {
      return LastError(db_, sql);
    }
    if (stmt == nullptr) {
      return Error::Make(ErrorCode::kInvalidArgument, "empty SQL statement");
    }
    if (tail != nullptr && std::string_view(tail).find_first_not_of(" \t\r\n;") != std::string_view::npos) {
      sqlite3_finalize(stmt);
      return Error::Make(ErrorCode::kInvalidArgument, "one statement expected",
                         std::string(sql.substr(0, 200)));
    }
    it = cache_.emplace(std::string(sql), CachedStatement{stmt, UINT64_MAX, {}}).first;
  }
  sqlite3_stmt* stmt = it->second.stmt;
  // Placeholders are PostgreSQL's $N; SQLite treats "$N" as a named parameter.
  const int count = sqlite3_bind_parameter_count(stmt);
  for (int i = 1; i <= count; ++i) {
    const char* name = sqlite3_bind_parameter_name(stmt, i);
    size_t n = 0;
    if (name == nullptr || (name[0] != '$' && name[0] != '?') ||
        std::from_chars(name + 1, name + std::char_traits<char>::length(name), n).ec != std::errc()) {
      sqlite3_clear_bindings(stmt);
      return Error::Make(ErrorCode::kInvalidArgument, "SQL parameters must be written $1, $2, …",
                         std::string(sql.substr(0, 200)));
    }
    if (n == 0 || n > params.size()) {
      sqlite3_clear_bindings(stmt);
      return Error::Make(ErrorCode::kInvalidArgument,
                         "statement uses $" + std::to_string(n) + " but " +
                             std::to_string(params.size()) + " parameters were given",
                         std::string(sql.substr(0, 200)));
    }
    if (BindValue(stmt, i, params[n - 1]) != SQLITE_OK) {
      Error e = LastError(db_, sql);
      sqlite3_clear_bindings(stmt);
      return e;
    }
  }
  return &it->second;
}

Result<Rows> SqliteConnection::Query(std::string_view sql, std::span<const Value> params,
                                     const SchemaInfo& schema) {
  auto prepared = Prepare(sql, params);
  if (!prepared) return std::move(prepared).error();
  CachedStatement& entry = **prepared;
  ResetOnExit reset(entry.stmt);
  if (entry.typed_for != schema.generation) {
    TypeColumns(entry.stmt, schema, entry.columns);
    entry.typed_for = schema.generation;
  }
  Rows rows;
  rows.columns = entry.columns;
  const int n = static_cast<int>(rows.columns.size());
  while (true) {
    const int rc = sqlite3_step(entry.stmt);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return LastError(db_, sql);
    std::vector<Value> row;
    row.reserve(n);
    for (int i = 0; i < n; ++i) row.push_back(ReadValue(entry.stmt, i, rows.columns[i].type));
    rows.rows.push_back(std::move(row));
  }
  return rows;
}

Result<int64_t> SqliteConnection::Execute(std::string_view sql, std::span<const Value> params) {
  auto prepared = Prepare(sql, params);
  if (!prepared) return std::move(prepared).error();
  sqlite3_stmt* stmt = (*prepared)->stmt;
  ResetOnExit reset(stmt);
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
  }
  if (rc != SQLITE_DONE) return LastError(db_, sql);
  return static_cast<int64_t>(sqlite3_changes64(db_));
}

Status SqliteConnection::ExecuteScript(std::string_view sql) {
  const std::string text(sql);
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    Error e = ErrorFromSqlite(sqlite3_extended_errcode(db_), message ? message : sqlite3_errstr(rc),
                              "");
    sqlite3_free(message);
    return e;
  }
  return Ok();
}

}  // namespace tb::store::sqlite
