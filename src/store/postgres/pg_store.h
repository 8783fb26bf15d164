// store/postgres/pg_store.h
//
// The PostgreSQL backend: a pool of libpq connections, one transaction per Begin, run as
// the caller the PostgREST way. Every transaction starts with
//   BEGIN [READ ONLY];
//   SELECT set_config('role', <role>, true), set_config('request.jwt.claims', <claims>, true)
// so the database itself applies the grants and row-level security policies of the
// caller's role (`anon`, `authenticated`, `service_role`) and auth.uid() reads the
// caller's claims. The server's own work (RequestContext{}: migrations, webhooks, purges,
// the body of a privileged function after its check, see AsServer) runs as `service_role`,
// the role with BYPASSRLS: the connecting role itself owns the tables under FORCE ROW
// LEVEL SECURITY and sees nothing on its own.
//
// The connecting role must be a member of the three roles (Supabase's `authenticator`);
// docs/postgres.md says how to create them.
//
// Thread-safety: thread-safe; see store/store.h.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/postgres/pg_connection.h"
#include "store/store.h"

namespace tb::store::postgres {

struct PgStoreOptions {
  std::string url;                                  // postgres://… or key=value
  int max_connections = 16;                         // opened on demand
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
  std::string_view dialect() const override { return "postgres"; }
  Status RefreshSchema() override;
  void Close() override;

 private:
  class Txn;
  explicit PgStore(PgStoreOptions options) : options_(std::move(options)) {}

  Result<std::unique_ptr<PgConnection>> Acquire();
  void Release(std::unique_ptr<PgConnection> conn);
  std::shared_ptr<const TypeNames> types() const;

  const PgStoreOptions options_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<PgConnection>> idle_;  // guarded by mu_
  int open_ = 0;                                     // connections out of the pool; mu_
  bool closed_ = false;                              // guarded by mu_
  std::shared_ptr<const TypeNames> types_;           // guarded by mu_
};

}  // namespace tb::store::postgres
