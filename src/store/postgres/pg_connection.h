// store/postgres/pg_connection.h
//
// One libpq connection: parameterised statements in, typed Rows out, PostgreSQL errors
// turned into tb::Error with their SQLSTATE (the same codes the SQLite backend reports, so
// the API answers alike on both). The only place besides pg_store.cpp that sees libpq.
//
// Values cross as text, except blobs (binary bytea). Results are read as text and typed by
// the column's type OID: booleans, integers and floats become their kinds, timestamptz
// becomes base/clock.h's ISO form, bytea its bytes, everything else (uuid, json, enums,
// numeric beyond int64) text.
//
// Thread-safety: one thread at a time (the pool hands a connection to one transaction).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "store/store.h"

struct pg_conn;

namespace tb::store::postgres {

// Type names the store knows beyond the built-in OIDs: enum types by OID, read from
// pg_type at start and after migrations (PgStore::RefreshSchema).
struct TypeNames {
  std::unordered_map<unsigned, std::string> enums;
};

struct PreparedStatements {
  std::unordered_map<std::string, std::string> names;  // parameter types + text → name
  uint64_t next = 0;
  // "tb_<random>_": unique to the connection, so that behind a pooler a statement can only
  // be missing, never another connection's statement that happens to share the name.
  std::string prefix;
  // False behind a pooler in transaction mode (pgbouncer before 1.21), where a named
  // statement prepared on one server connection is not there for the next transaction:
  // every statement then goes out unnamed (Parse, Bind, Execute in one round trip).
  bool named = true;
};

// A connection string as the user wrote it, split into what libpq reads and our own
// option `pgbouncer=true` (a URL query parameter, or a key=value pair), which libpq
// would refuse as unknown. Prisma and others spell the same switch the same way.
struct ConnectionTarget {
  std::string libpq;
  bool pgbouncer = false;
};
ConnectionTarget ParseConnectionTarget(std::string_view url);

class PgConnection {
 public:
  // Connects and checks the server is PostgreSQL 15 or newer (security_invoker views). Fails with kUnavailable
  // (the message names host and port, never the password) when it cannot connect. With
  // `pgbouncer=true` in `url` (ParseConnectionTarget), statements run unnamed.
  static Result<std::unique_ptr<PgConnection>> Open(const std::string& url);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  Result<Rows> Query(std::string_view sql, std::span<const Value> params, const TypeNames& types);
  Result<int64_t> Execute(std::string_view sql, std::span<const Value> params);
  // Several ';'-separated statements through the simple protocol (no parameters). An error
  // names the 1-based line of `sql` where PostgreSQL reports it.
  Status ExecuteScript(std::string_view sql);
  // BEGIN, COMMIT or ROLLBACK: like ExecuteScript, but keeps the prepared statements.
  Status Control(std::string_view sql);
  // `control` (BEGIN, COMMIT) and then the statement `sql` with `params`, in one round trip
  // (libpq's pipeline mode); returns the statement's rows. Fails with the first statement's
  // error; after a failing `control` the statement does not run.
  Result<Rows> ControlThen(std::string_view control, std::string_view sql, std::span<const Value> params,
                           const TypeNames& types);
  // `begin`, then `statements` in order, then `end` unless empty, all in one round trip.
  // Fails when `begin` or `end` failed or the connection did; else each statement's rows
  // until one fails (store::StatementResults), and then `end` does not run: the
  // transaction is left open, in error, for the caller to roll back.
  using Statement = store::Statement;
  Result<StatementResults> Flight(std::string_view begin, std::span<const Statement> statements, std::string_view end,
                                  const TypeNames& types);

  // False once the server closed the connection (restart, network) or a pipeline could
  // not be closed: the pool drops it.
  bool healthy() const;

 private:
  explicit PgConnection(pg_conn* conn) : conn_(conn) {}
  pg_conn* conn_;
  bool broken_ = false;  // left in a state no later call can use (see ControlThen)
  // Statements run prepared: each distinct text, with its parameters' types, is parsed once
  // per connection and then executed by name, so PostgreSQL keeps its plan (the .cpp's
  // RunStatement). Forgotten after a script, which may change what they read. Unnamed
  // behind pgbouncer (PreparedStatements::named).
  PreparedStatements prepared_;
};

// Removes the password from a connection URL or key=value string, for messages and logs.
std::string RedactConnectionString(std::string_view url);

}  // namespace tb::store::postgres
