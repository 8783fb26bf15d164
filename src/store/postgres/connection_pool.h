// store/postgres/connection_pool.h
//
// A pool of libpq connections to one database: the primary's, or a read replica's. At
// most `max_connections` are out at once; they are opened on demand and kept while
// healthy. Acquire waits up to `acquire_timeout` for one to come back, then fails with
// kBusy; a database that cannot be reached fails with kUnavailable.
//
// Thread-safety: thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/result.h"
#include "store/postgres/pg_connection.h"

namespace tb::store::postgres {

class ConnectionPool {
 public:
  ConnectionPool(std::string url, int max_connections, std::chrono::milliseconds acquire_timeout)
      : url_(std::move(url)), max_connections_(max_connections), acquire_timeout_(acquire_timeout) {}
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  Result<std::unique_ptr<PgConnection>> Acquire();
  // Takes back what Acquire gave; keeps it when healthy. REQUIRES: it came from Acquire.
  void Release(std::unique_ptr<PgConnection> conn);
  // Drops the idle connections (a restart killed them all alike).
  void DropIdle();
  // Waits for every acquired connection to come back and closes them all; later Acquires
  // fail with kUnavailable. Idempotent.
  void Close();

  const std::string& url() const { return url_; }

 private:
  const std::string url_;
  const int max_connections_;
  const std::chrono::milliseconds acquire_timeout_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<PgConnection>> idle_;  // guarded by mu_
  int open_ = 0;                                     // connections out of the pool; mu_
  bool closed_ = false;                              // guarded by mu_
};

}  // namespace tb::store::postgres
