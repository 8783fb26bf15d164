#include "store/sqlite/sqlite_connection.h"

#include <sqlite3.h>

#include <array>
#include <charconv>
#include <vector>

#include "store/sqlite/sqlite_dialect.h"
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

Value ArgumentValue(sqlite3_value* v) {
  switch (sqlite3_value_type(v)) {
    case SQLITE_NULL: return Value::Null();
    case SQLITE_INTEGER: return Value::Int(sqlite3_value_int64(v));
    case SQLITE_FLOAT: return Value::Real(sqlite3_value_double(v));
    case SQLITE_BLOB: {
      const auto* data = static_cast<const char*>(sqlite3_value_blob(v));
      return Value::Blob(std::string(data ? data : "", sqlite3_value_bytes(v)));
    }
    default: {
      const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(v));
      return Value::Text(std::string(text ? text : "", sqlite3_value_bytes(v)));
    }
  }
}

void SetResult(sqlite3_context* ctx, const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kNull: sqlite3_result_null(ctx); return;
    case Value::Kind::kBool: sqlite3_result_int(ctx, v.as_bool() ? 1 : 0); return;
    case Value::Kind::kInt: sqlite3_result_int64(ctx, v.as_int()); return;
    case Value::Kind::kReal: sqlite3_result_double(ctx, v.as_real()); return;
    case Value::Kind::kText:
      sqlite3_result_text64(ctx, v.as_text().data(), v.as_text().size(), SQLITE_TRANSIENT, SQLITE_UTF8);
      return;
    case Value::Kind::kBlob:
      sqlite3_result_blob64(ctx, v.as_text().data(), v.as_text().size(), SQLITE_TRANSIENT);
      return;
  }
}

// Calls a registered function; its error travels as "SQLSTATE: message", which
// ErrorFromSqlite turns back into an Error with that sqlstate.
void CallFunction(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  const auto* binding = static_cast<const FunctionBinding*>(sqlite3_user_data(ctx));
  // Policies call these once per row: the usual few arguments stay on the stack.
  std::array<Value, 4> few;
  std::vector<Value> many;
  std::span<const Value> args;
  if (argc <= static_cast<int>(few.size())) {
    for (int i = 0; i < argc; ++i) few[i] = ArgumentValue(argv[i]);
    args = std::span<const Value>(few.data(), static_cast<size_t>(argc));
  } else {
    many.reserve(static_cast<size_t>(argc));
    for (int i = 0; i < argc; ++i) many.push_back(ArgumentValue(argv[i]));
    args = many;
  }
  auto result = binding->function->call(*binding->connection, args);
  if (!result) {
    const Error& e = result.error();
    const std::string text = (e.sqlstate.empty() ? "XX000" : e.sqlstate) + ": " + e.message;
    sqlite3_result_error(ctx, text.data(), static_cast<int>(text.size()));
    return;
  }
  SetResult(ctx, *result);
}

// Ends a statement at a ';' only where SQLite agrees it is complete: quotes, comments
// and trigger bodies (BEGIN … END;) hold their own semicolons.
std::vector<std::pair<std::string_view, int>> SplitStatements(std::string_view sql) {
  std::vector<std::pair<std::string_view, int>> statements;
  size_t start = 0;
  int line = 1;
  int start_line = 1;
  std::string candidate;
  for (size_t i = 0; i < sql.size(); ++i) {
    if (sql[i] == '\n') ++line;
    if (sql[i] != ';') continue;
    candidate.assign(sql.substr(start, i + 1 - start));
    if (!sqlite3_complete(candidate.c_str())) continue;
    statements.emplace_back(sql.substr(start, i + 1 - start), start_line);
    start = i + 1;
    start_line = line;
  }
  if (sql.substr(start).find_first_not_of(" \t\r\n") != std::string_view::npos) {
    statements.emplace_back(sql.substr(start), start_line);
  }
  return statements;
}

// The line the statement's first token is on.
int FirstTokenLine(std::string_view statement, int line) {
  for (char c : statement) {
    if (c == '\n') {
      ++line;
    } else if (c != ' ' && c != '\t' && c != '\r') {
      break;
    }
  }
  return line;
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
  // "x" is always an identifier, never a string: a misspelt column in generated SQL or a
  // policy must fail, not quietly compare against the text 'x'.
  sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DML, 0, nullptr);
  sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DDL, 0, nullptr);
  sqlite3_busy_timeout(db, options.busy_timeout_ms);
  if (RegisterBuiltinFunctions(db, conn.get()) != SQLITE_OK) return LastError(db, "register functions");
  if (Status s = conn->RegisterFunctions(options.functions); !s) return std::move(s).error();
  std::string pragmas =
      "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;"
      "PRAGMA synchronous=" + options.synchronous + ";"
      // Pages read straight from the mapped file rather than copied in by a pread each
      // (readers were spending 3% of a read-list request's CPU in pread). The WAL is still
      // read as before; 256 MiB of address space per connection, not memory.
      "PRAGMA mmap_size=268435456;";
  if (options.read_only) pragmas += "PRAGMA query_only=1;";
  if (Status s = conn->ExecuteScript(pragmas); !s) return std::move(s).error();
  return conn;
}

SqliteConnection::~SqliteConnection() {
  ClearStatementCache();
  sqlite3_close_v2(db_);
}

Status SqliteConnection::RegisterFunctions(std::shared_ptr<const std::vector<ScalarFunction>> functions) {
  functions_ = std::move(functions);
  if (!functions_) return Ok();
  for (const ScalarFunction& function : *functions_) {
    bindings_.push_back(std::make_unique<FunctionBinding>(FunctionBinding{&function, this}));
    // Not DETERMINISTIC: the answer depends on who the transaction runs for.
    if (sqlite3_create_function_v2(db_, function.name.c_str(), function.arity, SQLITE_UTF8,
                                   bindings_.back().get(), CallFunction, nullptr, nullptr,
                                   nullptr) != SQLITE_OK) {
      return LastError(db_, "register function " + function.name);
    }
  }
  return Ok();
}

void SqliteConnection::BeginScope(const RequestContext& request, std::shared_ptr<const SchemaInfo> schema,
                                  SharedFacts* facts) {
  request_ = request;
  scope_schema_ = std::move(schema);
  memo_.reset();
  facts_ = facts;
  facts_version_.reset();
}

void SqliteConnection::EndScope() {
  request_ = RequestContext{};
  scope_schema_.reset();
  memo_.reset();
  facts_ = nullptr;
  facts_version_.reset();
}

Result<SharedFactsView> SqliteConnection::shared_facts() {
  // Outside a transaction (SQLite rolls one back by itself after some errors) every
  // statement has a snapshot of its own: nothing to share.
  if (facts_ == nullptr || sqlite3_get_autocommit(db_) != 0) return SharedFactsView{};
  if (!facts_version_) {
    auto rows = Query("SELECT n FROM kit_access_version", {});
    if (!rows) return std::move(rows).error();
    if (rows->rows.size() != 1 || rows->rows[0][0].kind() != Value::Kind::kInt) {
      return Error::Make(ErrorCode::kInternal, "kit_access_version must hold one row");
    }
    facts_version_ = rows->rows[0][0].as_int();
  }
  return SharedFactsView{facts_, *facts_version_};
}

Result<Rows> SqliteConnection::Query(std::string_view sql, std::span<const Value> params) {
  static const SchemaInfo kNoSchema;
  return Query(sql, params, scope_schema_ ? *scope_schema_ : kNoSchema);
}

void SqliteConnection::ClearStatementCache() {
  for (auto& [sql, entry] : cache_) sqlite3_finalize(entry.stmt);
  cache_.clear();
}

Result<SqliteConnection::CachedStatement*> SqliteConnection::Prepare(std::string_view sql,
                                                                     std::span<const Value> params) {
  auto it = cache_.find(std::string(sql));
  if (it == cache_.end()) {
    if (cache_.size() >= kMaxCachedStatements && stepping_ == 0) ClearStatementCache();
    sqlite3_stmt* stmt = nullptr;
    const char* tail = nullptr;
    // PostgreSQL's schema-qualified names, once per statement text (it is cached below).
    const std::string text = TranslateSchemaNames(sql);
    if (sqlite3_prepare_v3(db_, text.data(), static_cast<int>(text.size()),
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
  if (Status s = Step(sql, entry, &rows); !s) return std::move(s).error();
  return rows;
}

Result<int64_t> SqliteConnection::Execute(std::string_view sql, std::span<const Value> params) {
  auto prepared = Prepare(sql, params);
  if (!prepared) return std::move(prepared).error();
  ResetOnExit reset((*prepared)->stmt);
  if (Status s = Step(sql, **prepared, nullptr); !s) return std::move(s).error();
  return static_cast<int64_t>(sqlite3_changes64(db_));
}

Status SqliteConnection::Step(std::string_view sql, CachedStatement& entry, Rows* rows) {
  struct Stepping {
    int& count;
    explicit Stepping(int& c) : count(c) { ++count; }
    ~Stepping() { --count; }
  } stepping(stepping_);
  const bool writes = !sqlite3_stmt_readonly(entry.stmt);
  const int n = rows ? static_cast<int>(rows->columns.size()) : 0;
  int rc;
  while ((rc = sqlite3_step(entry.stmt)) == SQLITE_ROW) {
    if (!rows) continue;
    std::vector<Value> row;
    row.reserve(n);
    for (int i = 0; i < n; ++i) row.push_back(ReadValue(entry.stmt, i, rows->columns[i].type));
    rows->rows.push_back(std::move(row));
  }
  if (writes) memo_.reset();
  if (rc != SQLITE_DONE) return LastError(db_, sql);
  return Ok();
}

Status SqliteConnection::Control(std::string_view sql) {
  memo_.reset();
  auto done = Execute(sql, {});
  if (!done) return std::move(done).error();
  return Ok();
}

Status SqliteConnection::ExecuteScript(std::string_view sql) {
  memo_.reset();
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

Status SqliteConnection::ExecuteScript(
    std::string_view sql, const std::function<Result<bool>(std::string_view statement)>& hook) {
  for (const auto& [statement, start_line] : SplitStatements(sql)) {
    const int line = FirstTokenLine(statement, start_line);
    auto handled = hook(statement);
    Status s = !handled ? Status(std::move(handled).error())
               : *handled ? Ok()
                          : ExecuteScript(statement);
    if (!s) {
      Error e = std::move(s).error();
      e.message = "line " + std::to_string(line) + ": " + e.message;
      return e;
    }
  }
  return Ok();
}

}  // namespace tb::store::sqlite
