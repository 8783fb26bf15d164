// store/postgres/pg_store.h
//
// The PostgreSQL backend: a pool of libpq connections, one transaction per Begin, run as
// the caller the PostgREST way. Every transaction starts with
//   BEGIN [READ ONLY];
//   SELECT set_config('role', <role>, true), set_config('request.jwt.claims', <claims>, true),
//          set_config('request.jwt.claim.sub', <user id>, true), …
// sent together in one round trip (libpq's pipeline mode), so the database itself applies the grants and row-level security policies of the
// caller's role (`anon`, `authenticated`, `service_role`) and auth.uid() reads the
// caller's claims. The server's own work (RequestContext{}: migrations, webhooks, purges,
// the body of a privileged function after its check, see AsServer) runs as `service_role`,
// the role with BYPASSRLS: the connecting role itself owns the tables under FORCE ROW
// LEVEL SECURITY and sees nothing on its own.
//
// The connecting role must be a member of the three roles (Supabase's `authenticator`);
// docs/postgres.md says how to create them.
//
// With read replicas (options.replica_urls), read-only transactions of requests run on a
// replica that has replayed the caller's own last write, else on the primary
// (read_routing.h); writes and the server's own reads run on the primary.
//
// Thread-safety: thread-safe; see store/store.h.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/postgres/connection_pool.h"
#include "store/postgres/pg_connection.h"
#include "store/postgres/read_routing.h"
#include "store/store.h"

namespace tb::store::postgres {

struct PgStoreOptions {
  std::string url;                                  // postgres://… or key=value
  std::vector<std::string> replica_urls;            // read replicas of `url`; may be empty
  int max_connections = 16;                         // per database, opened on demand
  std::chrono::milliseconds acquire_timeout{5000};  // wait for a free connection
};

class PgStore final : public Store {
 public:
  // Connects once (so a wrong URL or a stopped server fails now, with a clear message)
  // and reads the enum types.
  static Result<std::unique_ptr<PgStore>> Open(PgStoreOptions options);
  ~PgStore() override;

  using Store::Begin;
  Result<std::unique_ptr<Transaction>> Begin(Access access, const RequestContext& request) override;
  // BEGIN, the caller's settings and `sql` in one round trip.
  Result<std::unique_ptr<Transaction>> BeginThen(Access access, const RequestContext& request, std::string_view sql,
                                                 std::span<const Value> params, Rows* rows) override;
  // BEGIN READ ONLY, the caller's settings, `statements` and COMMIT in one round trip.
  Result<StatementResults> Read(const RequestContext& request, std::span<const Statement> statements) override;
  std::string_view dialect() const override { return "postgres"; }
  std::vector<Counter> Counters() const override { return routing_.Counters(); }
  Status RefreshSchema() override;
  void Close() override;

 private:
  class Txn;
  explicit PgStore(PgStoreOptions options);

  // A transaction on a connection from `pool`, after one retry on a fresh connection when
  // the database restarted since the pool's idle ones were opened.
  // With `first`, its statements run in the same round trip as BEGIN (BeginThen, Read).
  struct First {
    std::span<const Statement> statements;
    StatementResults* results;
    bool end = false;  // COMMIT in that round trip too, when every statement succeeded
  };
  Result<std::unique_ptr<Transaction>> BeginOn(ConnectionPool& pool, Access access, const RequestContext& request,
                                               const First* first = nullptr);
  // A request's read: on a replica fresh enough for `caller`, else on the primary.
  Result<std::unique_ptr<Transaction>> BeginRead(const std::string& caller, const RequestContext& request,
                                                 const First* first = nullptr);
  Result<std::unique_ptr<Transaction>> BeginRouted(Access access, const RequestContext& request, const First* first);
  bool has_replicas() const { return !replicas_.empty(); }
  std::shared_ptr<const TypeNames> types() const;

  const PgStoreOptions options_;
  ConnectionPool primary_;
  std::vector<std::unique_ptr<ConnectionPool>> replicas_;
  ReadRouting routing_;

  mutable std::mutex mu_;
  std::shared_ptr<const TypeNames> types_;  // guarded by mu_
};

}  // namespace tb::store::postgres
