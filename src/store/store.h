// store/store.h
//
// The storage interface every layer above talks to. A Store hands out Transactions;
// a Transaction runs parameterised SQL and returns typed Rows. The SQLite backend
// (store/sqlite/) and the PostgreSQL backend (store/postgres/, later) implement it, and
// nothing above this layer includes a database driver's header.
//
// SQL text uses PostgreSQL's placeholders `$1, $2, …` on both backends; every value a
// client sends travels as a bound parameter, never as SQL text.
//
// Thread-safety: a Store is safe to use from many threads. A Transaction belongs to one
// thread at a time and must be destroyed before its Store.
#pragma once

#include <any>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "store/column_type.h"
#include "store/value.h"

namespace tb::store {

struct Column {
  std::string name;
  ColumnType type = ColumnType::kText;
  std::string declared_type;  // as the schema wrote it, e.g. "varchar(255)"; "" for expressions
};

struct Rows {
  std::vector<Column> columns;
  std::vector<std::vector<Value>> rows;

  // Index of the column named `name`, or -1.
  int ColumnIndex(std::string_view name) const;
};

// A statement and its parameters, for the calls that send several at once.
struct Statement {
  std::string_view sql;
  std::span<const Value> params;
};

// What several statements gave, in order: each one's rows, until one fails; that one's
// error is the last entry, and the statements after it did not run.
using StatementResults = std::vector<Result<Rows>>;

// Who a transaction runs for, as PostgREST tells PostgreSQL: the database role and the
// caller's verified JWT claims. On PostgreSQL the transaction runs SET LOCAL ROLE and sets
// request.jwt.claims; on SQLite the functions registered below read it. A default
// RequestContext (empty role) is the server itself: migrations and internal work.
struct RequestContext {
  std::string role;         // "anon", "authenticated", "service_role"; "" = the server
  std::string user_id;      // auth.uid(); "" when there is no user
  std::string claims_json;  // auth.jwt(); "" when there is no token

  bool is_server() const { return role.empty(); }
};

class SharedFacts;  // store/shared_facts.h

// A transaction's view of its store's shared facts (store/shared_facts.h): the cache and
// the version of the access tables the transaction reads. Empty when the transaction must
// not share: on PostgreSQL, in a write, or on a schema before migration 0022.
struct SharedFactsView {
  SharedFacts* facts = nullptr;
  int64_t version = 0;
  explicit operator bool() const { return facts != nullptr; }
};

// What a registered function sees while SQL calls it.
class CallContext {
 public:
  virtual ~CallContext() = default;
  virtual const RequestContext& request() const = 0;
  // Runs a read on the calling transaction's connection (same snapshot, same writes).
  virtual Result<Rows> Query(std::string_view sql, std::span<const Value> params = {}) = 0;
  // One slot per transaction for what functions load once and reuse (the caller's
  // memberships, say). Emptied when the transaction begins and after every statement
  // that changes data, so it never outlives what it was read from.
  virtual std::any& memo() = 0;
  // The store's shared facts at this transaction's version, or an empty view.
  virtual Result<SharedFactsView> shared_facts() { return SharedFactsView{}; }
};

// A scalar function SQL may call (policy helpers such as has_role_on_account). Fails with
// an Error whose sqlstate, if set, becomes the statement's error.
struct ScalarFunction {
  std::string name;
  int arity = 0;  // -1: any number of arguments
  std::function<Result<Value>(CallContext&, std::span<const Value>)> call;
};

enum class Access {
  kRead,    // a consistent snapshot; writes fail
  kWrite,   // serialised with other writers; acknowledged only once durable
  kSchema,  // a write with the connecting role's own rights, for migrations (DDL): on
            // PostgreSQL the owner of the schema rather than a request's role; on SQLite
            // the same as kWrite
};

// One database transaction. Destroying it without Commit() rolls it back (RAII).
class Transaction {
 public:
  virtual ~Transaction() = default;

  // Runs one statement and returns every row it produces (none for DML without RETURNING).
  // Fails with kConstraint (and sqlstate 23505/23503/23514/23502/…) when the schema refuses
  // a write, kInvalidArgument for SQL the database cannot prepare, kBusy on lock timeout.
  virtual Result<Rows> Query(std::string_view sql, std::span<const Value> params = {}) = 0;
  // Runs one statement; returns the number of rows it changed.
  virtual Result<int64_t> Execute(std::string_view sql, std::span<const Value> params = {}) = 0;
  // Runs several ';'-separated statements without parameters (migrations only).
  virtual Status ExecuteScript(std::string_view sql) = 0;
  // Splits `sql` into statements and offers each to `hook` first: when it returns true the
  // hook has handled the statement (CREATE POLICY on SQLite, say); otherwise it runs.
  // The error of a failing statement names its 1-based line in `sql`.
  virtual Status ExecuteScript(std::string_view sql,
                               const std::function<Result<bool>(std::string_view statement)>& hook) = 0;
  // Makes the transaction's writes durable. After it (success or not) the transaction is
  // finished: further calls fail with kFailedPrecondition.
  virtual Status Commit() = 0;

  virtual Access access() const = 0;
  // The store's dialect ("sqlite" or "postgres"), for the few statements that must differ.
  virtual std::string_view dialect() const = 0;

  // Who the transaction runs for (Store::Begin). Changing it takes effect for the next
  // statement and empties the functions' memo; see AsServer.
  virtual const RequestContext& request() const = 0;
  virtual void set_request(RequestContext request) = 0;

  // Read-your-writes with read replicas (store/postgres/read_routing.h): once this
  // transaction commits, the caller's next reads go to a replica only when it has replayed
  // the commit. The caller is the request's user (or its key's role); this adds another
  // user whose next requests must see the commit, e.g. the one a sign-in made a session
  // for. A no-op without replicas.
  virtual void AlsoWroteFor(std::string_view user_id) { (void)user_id; }

  // What later reads may reuse of this one's (store/shared_facts.h): the store's shared
  // facts and the version of the access tables this transaction reads (on SQLite, one
  // small query the first time), or an empty view.
  virtual Result<SharedFactsView> shared_facts() { return SharedFactsView{}; }
};

// A monotonic count for GET /metrics, in Prometheus' text form: `name{labels} value`.
struct Counter {
  std::string name;    // e.g. "tenantbase_db_reads_total"
  std::string labels;  // e.g. "target=\"replica\"", or ""
  std::string help;    // one line
  int64_t value = 0;
};

// "($first, …, $first+count-1)", the right side of `x IN …` for `count` bound values, in
// SQL both dialects read; an empty list is `(NULL)`, which no value is IN (`IN ()` is
// SQLite's only). Not for NOT IN, which an empty list would make NULL.
std::string InList(int first, size_t count);

// Runs the rest of a scope with the server's own rights (PostgreSQL: the body of a
// SECURITY DEFINER function after it checked the caller), then restores the caller. As in
// such a body, auth_uid() and auth_jwt() still name the caller (so created_by / updated_by
// record who asked); auth_role() is NULL, the server's, which the protected-field
// triggers let through.
class AsServer {
 public:
  explicit AsServer(Transaction& txn) : txn_(txn), caller_(txn.request()) {
    txn_.set_request(RequestContext{"", caller_.user_id, caller_.claims_json});
  }
  ~AsServer() { txn_.set_request(caller_); }
  AsServer(const AsServer&) = delete;
  AsServer& operator=(const AsServer&) = delete;

 private:
  Transaction& txn_;
  RequestContext caller_;
};

// Runs `statements` in `txn` in order, until one fails (StatementResults).
StatementResults QueryEach(Transaction& txn, std::span<const Statement> statements);

class Store {
 public:
  virtual ~Store() = default;

  // Starts a transaction for `request`. kWrite waits for the single writer slot (up to
  // the busy timeout, then kBusy); kRead takes a pooled reader connection.
  virtual Result<std::unique_ptr<Transaction>> Begin(Access access, const RequestContext& request) = 0;
  // A transaction of the server itself.
  Result<std::unique_ptr<Transaction>> Begin(Access access) { return Begin(access, RequestContext{}); }
  // Begin, then `sql` with `params` as the transaction's first statement, whose rows go to
  // `*rows`: what every request of a signed-in user does with its session check. The same
  // as Begin and then Query; PostgreSQL sends the statement in BEGIN's round trip.
  virtual Result<std::unique_ptr<Transaction>> BeginThen(Access access, const RequestContext& request,
                                                         std::string_view sql, std::span<const Value> params,
                                                         Rows* rows);

  // A whole read for `request`: one read-only transaction that runs `statements` in order
  // and ends. The same as Begin(kRead) and QueryEach; PostgreSQL sends BEGIN, the caller's
  // settings, the statements and COMMIT in one round trip. Fails only when the
  // transaction could not begin.
  virtual Result<StatementResults> Read(const RequestContext& request, std::span<const Statement> statements);

  // "sqlite" or "postgres": for the few places where SQL must differ by dialect.
  virtual std::string_view dialect() const = 0;

  // Whether its read transactions may share facts (Transaction::shared_facts): SQLite's
  // do; PostgreSQL's never, since its policies run in the database.
  virtual bool SharesFacts() const { return false; }

  // The store's counters for GET /metrics (none by default).
  virtual std::vector<Counter> Counters() const { return {}; }

  // Re-reads schema facts the store caches (enum type names) after migrations ran.
  virtual Status RefreshSchema() = 0;

  // Waits for open transactions to finish and closes every connection. Idempotent.
  virtual void Close() = 0;
};

}  // namespace tb::store
