#include "store/postgres/pg_connection.h"

#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <optional>
#include <random>
#include <vector>

#include "base/clock.h"

namespace tb::store::postgres {

namespace {

// Built-in type OIDs (pg_type.dat); stable across PostgreSQL versions.
constexpr unsigned kBoolOid = 16;
constexpr unsigned kByteaOid = 17;
constexpr unsigned kInt8Oid = 20;
constexpr unsigned kInt2Oid = 21;
constexpr unsigned kInt4Oid = 23;
constexpr unsigned kOidOid = 26;
constexpr unsigned kJsonOid = 114;
constexpr unsigned kFloat4Oid = 700;
constexpr unsigned kFloat8Oid = 701;
constexpr unsigned kDateOid = 1082;
constexpr unsigned kTimestampOid = 1114;
constexpr unsigned kTimestamptzOid = 1184;
constexpr unsigned kNumericOid = 1700;
constexpr unsigned kUuidOid = 2950;
constexpr unsigned kJsonbOid = 3802;

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

std::string Field(const PGresult* r, int field) {
  const char* v = PQresultErrorField(r, field);
  return v ? v : "";
}

ErrorCode CodeFor(std::string_view state) {
  if (state == "42501") return ErrorCode::kPermissionDenied;
  if (state.starts_with("23")) return ErrorCode::kConstraint;
  if (state == "40001" || state == "40P01" || state == "55P03" || state == "57014") {
    return ErrorCode::kBusy;  // serialization failure, deadlock, lock timeout, cancelled
  }
  if (state.starts_with("08") || state.starts_with("53") || state.starts_with("57P")) {
    return ErrorCode::kUnavailable;  // connection lost, out of resources, shutting down
  }
  if (state == "25006") return ErrorCode::kFailedPrecondition;  // write in a read-only txn
  if (state.starts_with("XX") || state.starts_with("58")) return ErrorCode::kInternal;
  return ErrorCode::kInvalidArgument;  // 22 data, 42 syntax/undefined, P0 raised, …
}

int LineOf(std::string_view sql, size_t position_1based) {
  const size_t end = std::min(sql.size(), position_1based > 0 ? position_1based - 1 : 0);
  return 1 + static_cast<int>(std::count(sql.begin(), sql.begin() + static_cast<long>(end), '\n'));
}

Error ErrorFromResult(const PGresult* r, pg_conn* conn, std::string_view sql, bool script) {
  Error e;
  e.sqlstate = Field(r, PG_DIAG_SQLSTATE);
  e.message = Field(r, PG_DIAG_MESSAGE_PRIMARY);
  if (e.sqlstate.empty()) {  // libpq's own failure: the connection is gone
    e.sqlstate = "08006";
    e.message = "the database connection was lost";
  }
  e.code = CodeFor(e.sqlstate);
  e.public_details = Field(r, PG_DIAG_MESSAGE_DETAIL);
  e.hint = Field(r, PG_DIAG_MESSAGE_HINT);
  // RAISE in a trigger function: the context names the trigger's function.
  const std::string context = Field(r, PG_DIAG_CONTEXT);
  e.raised_by_trigger = e.sqlstate != "23505" && context.find("PL/pgSQL function") != std::string::npos;
  e.detail = "postgres: ";
  e.detail += r ? PQresultErrorMessage(r) : PQerrorMessage(conn);
  if (script) {
    const std::string position = Field(r, PG_DIAG_STATEMENT_POSITION);
    if (!position.empty()) {
      e.message += " (at line " + std::to_string(LineOf(sql, std::stoul(position))) + ")";
    }
  } else if (!sql.empty()) {
    e.detail += " in: ";
    e.detail += sql.substr(0, 300);
  }
  return e;
}

// The parameters of one statement in libpq's arrays; the strings live as long as this.
class Params {
 public:
  explicit Params(std::span<const Value> values) {
    const size_t n = values.size();
    text_.resize(n);
    types_.resize(n);
    pointers_.resize(n);
    lengths_.resize(n);
    formats_.resize(n);
    for (size_t i = 0; i < n; ++i) {
      const Value& v = values[i];
      switch (v.kind()) {
        case Value::Kind::kNull: break;
        case Value::Kind::kBool: text_[i] = v.as_bool() ? "true" : "false"; types_[i] = kBoolOid; break;
        case Value::Kind::kInt: text_[i] = std::to_string(v.as_int()); types_[i] = kInt8Oid; break;
        case Value::Kind::kReal: {
          char buf[32];
          std::snprintf(buf, sizeof buf, "%.17g", v.as_real());
          text_[i] = buf;
          types_[i] = kFloat8Oid;
          break;
        }
        case Value::Kind::kText: break;  // type unknown: PostgreSQL infers it from context
        case Value::Kind::kBlob: types_[i] = kByteaOid; formats_[i] = 1; break;
      }
      if (v.is_null()) {
        pointers_[i] = nullptr;
      } else if (v.kind() == Value::Kind::kText || v.kind() == Value::Kind::kBlob) {
        pointers_[i] = v.as_text().data();
        lengths_[i] = static_cast<int>(v.as_text().size());
      } else {
        pointers_[i] = text_[i].c_str();
      }
    }
  }
  int size() const { return static_cast<int>(pointers_.size()); }
  const unsigned* types() const { return types_.data(); }
  const char* const* values() const { return pointers_.data(); }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  std::vector<std::string> text_;
  std::vector<unsigned> types_;
  std::vector<const char*> pointers_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
};

ColumnType TypeOf(unsigned oid, const TypeNames& names, std::string& declared) {
  switch (oid) {
    case kBoolOid: declared = "boolean"; return ColumnType::kBool;
    case kInt2Oid: declared = "smallint"; return ColumnType::kInteger;
    case kInt4Oid: declared = "integer"; return ColumnType::kInteger;
    case kInt8Oid: declared = "bigint"; return ColumnType::kInteger;
    case kOidOid: declared = "oid"; return ColumnType::kInteger;
    case kFloat4Oid: declared = "real"; return ColumnType::kNumeric;
    case kFloat8Oid: declared = "double precision"; return ColumnType::kNumeric;
    case kNumericOid: declared = "numeric"; return ColumnType::kNumeric;
    case kUuidOid: declared = "uuid"; return ColumnType::kUuid;
    case kTimestamptzOid: declared = "timestamptz"; return ColumnType::kTimestamptz;
    case kTimestampOid: declared = "timestamp"; return ColumnType::kTimestamptz;
    case kDateOid: declared = "date"; return ColumnType::kDate;
    case kJsonOid: declared = "json"; return ColumnType::kJson;
    case kJsonbOid: declared = "jsonb"; return ColumnType::kJson;
    case kByteaOid: declared = "bytea"; return ColumnType::kBytea;
    default: break;
  }
  if (auto it = names.enums.find(oid); it != names.enums.end()) {
    declared = it->second;
    return ColumnType::kEnum;
  }
  declared = "text";
  return ColumnType::kText;
}

Value ValueOf(const char* text, int length, unsigned oid) {
  const std::string_view s(text, static_cast<size_t>(length));
  switch (oid) {
    case kBoolOid: return Value::Bool(s == "t");
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid:
    case kOidOid: {
      int64_t i = 0;
      std::from_chars(s.data(), s.data() + s.size(), i);
      return Value::Int(i);
    }
    case kNumericOid: {
      // Whole numbers that fit stay exact; others become doubles, as SQLite's REAL.
      int64_t i = 0;
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
      if (ec == std::errc() && end == s.data() + s.size()) return Value::Int(i);
      return Value::Real(std::strtod(std::string(s).c_str(), nullptr));
    }
    case kFloat4Oid:
    case kFloat8Oid: return Value::Real(std::strtod(std::string(s).c_str(), nullptr));
    case kTimestamptzOid:
    case kTimestampOid: {
      if (auto t = ParseTimestamp(s)) return Value::Text(FormatTimestamp(*t));
      return Value::Text(std::string(s));  // infinity, years beyond 9999
    }
    case kByteaOid: {
      size_t n = 0;
      unsigned char* raw = PQunescapeBytea(reinterpret_cast<const unsigned char*>(text), &n);
      if (raw == nullptr) return Value::Blob({});
      std::string bytes(reinterpret_cast<char*>(raw), n);
      PQfreemem(raw);
      return Value::Blob(std::move(bytes));
    }
    default: return Value::Text(std::string(s));
  }
}

// A statement's result as typed Rows.
Rows RowsOf(const PGresult* r, const TypeNames& types) {
  Rows rows;
  const int ncols = PQnfields(r);
  const int nrows = PQntuples(r);
  rows.columns.resize(static_cast<size_t>(ncols));
  std::vector<unsigned> oids(static_cast<size_t>(ncols));
  for (int c = 0; c < ncols; ++c) {
    Column& col = rows.columns[static_cast<size_t>(c)];
    col.name = PQfname(r, c);
    oids[static_cast<size_t>(c)] = PQftype(r, c);
    col.type = TypeOf(oids[static_cast<size_t>(c)], types, col.declared_type);
  }
  rows.rows.resize(static_cast<size_t>(nrows));
  for (int i = 0; i < nrows; ++i) {
    auto& row = rows.rows[static_cast<size_t>(i)];
    row.reserve(static_cast<size_t>(ncols));
    for (int c = 0; c < ncols; ++c) {
      if (PQgetisnull(r, i, c)) {
        row.push_back(Value::Null());
      } else {
        row.push_back(ValueOf(PQgetvalue(r, i, c), PQgetlength(r, i, c), oids[static_cast<size_t>(c)]));
      }
    }
  }
  return rows;
}

// A connection keeps at most this many prepared statements; then it starts over. The
// server's own SQL is a few hundred texts; /rest/v1 makes one per query shape.
constexpr size_t kMaxPrepared = 512;

void DeallocateAll(pg_conn* conn, PreparedStatements& prepared) {
  if (prepared.names.empty()) return;
  ResultPtr(PQexec(conn, "DEALLOCATE ALL"));
  prepared.names.clear();
}

// The name under which `sql`, with its parameters' types, is prepared on this connection;
// prepares it first (one round trip) when the connection has not seen it yet.
Result<std::string> PreparedName(pg_conn* conn, PreparedStatements& prepared, std::string_view sql, const Params& p) {
  std::string key;
  key.reserve(sql.size() + 8 * static_cast<size_t>(p.size()) + 1);
  for (int i = 0; i < p.size(); ++i) key += std::to_string(p.types()[i]) + ",";
  key += '\n';
  key += sql;
  if (auto it = prepared.names.find(key); it != prepared.names.end()) return it->second;
  if (prepared.names.size() >= kMaxPrepared) DeallocateAll(conn, prepared);
  std::string name = prepared.prefix + std::to_string(++prepared.next);
  const std::string text(sql);
  ResultPtr made(PQprepare(conn, name.c_str(), text.c_str(), p.size(), p.types()));
  if (!made || PQresultStatus(made.get()) != PGRES_COMMAND_OK) return ErrorFromResult(made.get(), conn, sql, false);
  prepared.names.emplace(std::move(key), name);
  return name;
}

// A table the statement `name` reads changed its columns since it was prepared (another
// connection migrated): this transaction fails, the next prepares it again.
void ForgetIfStale(const PGresult* r, PreparedStatements& prepared, const std::string& name) {
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  if (state == nullptr || std::string_view(state) != "0A000") return;
  std::erase_if(prepared.names, [&](const auto& entry) { return entry.second == name; });
}

// One statement with its parameters, prepared on first use (see PreparedStatements); the
// result, or the error it produced.
Result<ResultPtr> RunStatement(pg_conn* conn, PreparedStatements& prepared, std::string_view sql,
                               std::span<const Value> params) {
  const Params p(params);
  if (!prepared.named) {
    const std::string text(sql);
    ResultPtr r(PQexecParams(conn, text.c_str(), p.size(), p.types(), p.values(), p.lengths(), p.formats(), 0));
    const ExecStatusType status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) return r;
    return ErrorFromResult(r.get(), conn, sql, false);
  }
  auto name = PreparedName(conn, prepared, sql, p);
  if (!name) return std::move(name).error();
  ResultPtr r(PQexecPrepared(conn, name->c_str(), p.size(), p.values(), p.lengths(), p.formats(), 0));
  const ExecStatusType status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) return r;
  ForgetIfStale(r.get(), prepared, *name);
  return ErrorFromResult(r.get(), conn, sql, false);
}

// 64 random bits per connection (the names of its prepared statements).
uint64_t ConnectionNonce() {
  static thread_local std::mt19937_64 bits{std::random_device{}()};
  return bits();
}

// Whether `token` (one `key=value` of a URL query or a key=value string) is our switch.
// Returns nullopt for any other key.
std::optional<bool> PgbouncerSwitch(std::string_view token) {
  if (!token.starts_with("pgbouncer=")) return std::nullopt;
  const std::string_view v = token.substr(10);
  return v == "true" || v == "1" || v == "on";
}

}  // namespace

ConnectionTarget ParseConnectionTarget(std::string_view url) {
  ConnectionTarget target;
  const bool is_url = url.starts_with("postgres://") || url.starts_with("postgresql://");
  if (is_url) {
    const size_t query = url.find('?');
    if (query == std::string_view::npos) return {std::string(url), false};
    target.libpq = std::string(url.substr(0, query));
    char sep = '?';
    std::string_view rest = url.substr(query + 1);
    while (!rest.empty()) {
      const size_t amp = rest.find('&');
      const std::string_view token = rest.substr(0, amp);
      rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
      if (auto on = PgbouncerSwitch(token)) {
        target.pgbouncer = *on;
        continue;
      }
      if (token.empty()) continue;
      target.libpq += sep;
      target.libpq += token;
      sep = '&';
    }
    return target;
  }
  // key=value form: the pair is cut out where it stands, everything else kept as written.
  target.libpq = std::string(url);
  for (size_t at = target.libpq.find("pgbouncer="); at != std::string::npos; at = target.libpq.find("pgbouncer=", at + 1)) {
    if (at > 0 && target.libpq[at - 1] != ' ') continue;  // inside another key or value
    size_t end = target.libpq.find(' ', at);
    if (end == std::string::npos) end = target.libpq.size();
    target.pgbouncer = *PgbouncerSwitch(std::string_view(target.libpq).substr(at, end - at));
    target.libpq.erase(at, end - at);
    break;
  }
  return target;
}

std::string RedactConnectionString(std::string_view url) {
  std::string out(url);
  // postgres://user:password@host → postgres://user:***@host
  if (const size_t scheme = out.find("://"); scheme != std::string::npos) {
    const size_t at = out.find('@', scheme + 3);
    const size_t colon = out.find(':', scheme + 3);
    if (at != std::string::npos && colon != std::string::npos && colon < at) {
      out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // password=secret (key=value form or query parameter)
  for (size_t at = out.find("password="); at != std::string::npos; at = out.find("password=", at + 1)) {
    const size_t start = at + 9;
    size_t end = out.find_first_of(" &", start);
    if (end == std::string::npos) end = out.size();
    out.replace(start, end - start, "***");
  }
  return out;
}

Result<std::unique_ptr<PgConnection>> PgConnection::Open(const std::string& url) {
  const ConnectionTarget target = ParseConnectionTarget(url);
  pg_conn* conn = PQconnectdb(target.libpq.c_str());
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    std::string why = conn ? PQerrorMessage(conn) : "out of memory";
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    if (conn) PQfinish(conn);
    Error e = Error::Make(ErrorCode::kUnavailable,
                          "cannot connect to PostgreSQL at " + RedactConnectionString(url), why);
    e.sqlstate = "08001";
    return e;
  }
  // NOTICEs ("relation … already exists, skipping") are not errors and must not reach the
  // terminal through libpq's default processor; nothing reads them.
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
  auto self = std::unique_ptr<PgConnection>(new PgConnection(conn));
  self->prepared_.named = !target.pgbouncer;
  char prefix[24];
  std::snprintf(prefix, sizeof prefix, "tb_%016llx_", static_cast<unsigned long long>(ConnectionNonce()));
  self->prepared_.prefix = prefix;
  // 15: views WITH (security_invoker = true), which the seed's views need.
  if (PQserverVersion(conn) < 150000) {
    return Error::Make(ErrorCode::kFailedPrecondition,
                       "PostgreSQL 15 or newer is required (the server is " +
                           std::to_string(PQserverVersion(conn) / 10000) + ")");
  }
  // Timestamps read as UTC ISO text whatever the server's defaults are. Session settings
  // survive pgbouncer's transaction mode badly, so every transaction sets them again too
  // (PgStore::Begin); this is for the connection's own statements before that.
  if (Status s = self->ExecuteScript("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'"); !s) {
    return std::move(s).error();
  }
  return self;
}

PgConnection::~PgConnection() { PQfinish(conn_); }

bool PgConnection::healthy() const { return !broken_ && PQstatus(conn_) == CONNECTION_OK; }

Result<Rows> PgConnection::Query(std::string_view sql, std::span<const Value> params,
                                 const TypeNames& types) {
  auto ran = RunStatement(conn_, prepared_, sql, params);
  if (!ran) return std::move(ran).error();
  return RowsOf(ran->get(), types);
}

Result<int64_t> PgConnection::Execute(std::string_view sql, std::span<const Value> params) {
  auto ran = RunStatement(conn_, prepared_, sql, params);
  if (!ran) return std::move(ran).error();
  const char* changed = PQcmdTuples(ran->get());
  return changed && *changed ? std::stoll(changed) : int64_t{0};
}

Status PgConnection::ExecuteScript(std::string_view sql) {
  // A script may change the tables prepared statements read (migrations do).
  DeallocateAll(conn_, prepared_);
  return Control(sql);
}

Result<Rows> PgConnection::ControlThen(std::string_view control, std::string_view sql, std::span<const Value> params,
                                       const TypeNames& types) {
  const Statement statement{sql, params};
  auto results = Flight(control, std::span<const Statement>(&statement, 1), {}, types);
  if (!results) return std::move(results).error();
  return std::move(results->front());
}

Result<StatementResults> PgConnection::Flight(std::string_view begin, std::span<const Statement> statements,
                                              std::string_view end, const TypeNames& types) {
  struct Outgoing {
    Params params;
    std::string name;  // empty: the statement goes out unnamed
    std::string text;  // the text, when unnamed
  };
  std::vector<Outgoing> out;
  out.reserve(statements.size());
  // Room for all of them first: starting over halfway would drop names already taken.
  if (prepared_.names.size() + statements.size() > kMaxPrepared) DeallocateAll(conn_, prepared_);
  // A statement PostgreSQL cannot prepare (an unknown column, say) is that statement's
  // failure: the ones before it still go out, and it and the rest, with `end`, do not.
  std::optional<Error> unprepared;
  for (const Statement& statement : statements) {
    Outgoing o{Params(statement.params), {}, {}};
    if (prepared_.named) {
      auto prepared_name = PreparedName(conn_, prepared_, statement.sql, o.params);
      if (!prepared_name) {
        unprepared = std::move(prepared_name).error();
        end = {};
        break;
      }
      o.name = std::move(*prepared_name);
    } else {
      o.text = std::string(statement.sql);
    }
    out.push_back(std::move(o));
  }
  statements = statements.first(out.size());
  const std::string begin_text(begin), end_text(end);
  // Everything goes out before any answer is read; PostgreSQL runs them in order and, once
  // one fails, skips the rest up to the sync (PGRES_PIPELINE_ABORTED).
  if (PQenterPipelineMode(conn_) != 1) return ErrorFromResult(nullptr, conn_, begin, false);
  bool sent = PQsendQueryParams(conn_, begin_text.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0) == 1;
  for (const Outgoing& o : out) {
    const Params& p = o.params;
    sent = sent && (o.name.empty() ? PQsendQueryParams(conn_, o.text.c_str(), p.size(), p.types(), p.values(),
                                                       p.lengths(), p.formats(), 0)
                                   : PQsendQueryPrepared(conn_, o.name.c_str(), p.size(), p.values(), p.lengths(),
                                                         p.formats(), 0)) == 1;
  }
  if (!end.empty()) sent = sent && PQsendQueryParams(conn_, end_text.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0) == 1;
  sent = sent && PQpipelineSync(conn_) == 1;
  // Answers, in order: `begin`'s, each statement's, `end`'s. The flight fails on `begin`,
  // `end` or the connection; a statement's own error is its result.
  Status status = sent ? Ok() : ErrorFromResult(nullptr, conn_, begin, false);
  StatementResults results;
  bool statement_failed = false;
  const size_t answers = statements.size() + (end.empty() ? 1 : 2);
  for (size_t i = 0; sent && i < answers; ++i) {
    ResultPtr r(PQgetResult(conn_));
    const ExecStatusType got = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    const bool ok = got == PGRES_COMMAND_OK || got == PGRES_TUPLES_OK;
    const bool is_statement = i > 0 && i <= statements.size();
    if (!r) {
      if (status) status = ErrorFromResult(nullptr, conn_, begin, false);
      break;  // the connection is gone: nothing more comes
    }
    if (is_statement && status && !statement_failed) {
      if (ok) {
        results.emplace_back(RowsOf(r.get(), types));
      } else {
        if (!out[i - 1].name.empty()) ForgetIfStale(r.get(), prepared_, out[i - 1].name);
        results.emplace_back(ErrorFromResult(r.get(), conn_, statements[i - 1].sql, false));
        statement_failed = true;
      }
    } else if (!is_statement && !ok && status && !statement_failed) {
      status = ErrorFromResult(r.get(), conn_, i == 0 ? begin : end, false);
    }
    // Each statement's results end with a null.
    for (ResultPtr more(PQgetResult(conn_)); more; more.reset(PQgetResult(conn_))) {
    }
  }
  if (sent && PQstatus(conn_) == CONNECTION_OK) {
    const ResultPtr sync(PQgetResult(conn_));  // PGRES_PIPELINE_SYNC ends the flight
  }
  if (PQexitPipelineMode(conn_) != 1) {
    // Answers left unread: the connection cannot be trusted with the next transaction.
    broken_ = true;
    if (status) status = ErrorFromResult(nullptr, conn_, begin, false);
  }
  if (!status) return std::move(status).error();
  if (unprepared && !statement_failed) results.emplace_back(std::move(*unprepared));
  return results;
}

Status PgConnection::Control(std::string_view sql) {
  const std::string text(sql);
  ResultPtr r(PQexec(conn_, text.c_str()));
  const ExecStatusType status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK && status != PGRES_EMPTY_QUERY) {
    return ErrorFromResult(r.get(), conn_, sql, true);
  }
  return Ok();
}

}  // namespace tb::store::postgres
