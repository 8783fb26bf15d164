// http/server.h
//
// The HTTP/1.1 server: Boost.Beast over Asio with N worker threads, keep-alive,
// limits against oversized and slow clients, CORS, an access-log line per request,
// and graceful shutdown. It knows no table and no policy: it hands each request to
// the Router and writes what the handler returns.
//
// Thread-safety: Run/Stop may be called from any thread; handlers run on the
// worker threads, concurrently.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "base/result.h"
#include "http/router.h"

namespace tb::http {

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 54321;                         // 0 picks a free port (see Server::port)
  int threads = 0;                               // 0: one per core
  std::size_t header_limit = 16 * 1024;          // bytes → 431 beyond
  std::size_t body_limit = 1024 * 1024;          // bytes → 413 beyond
  std::chrono::milliseconds read_timeout{30'000};  // to receive one whole request once begun
  std::chrono::milliseconds idle_timeout{75'000};  // between keep-alive requests
  std::chrono::milliseconds shutdown_grace{10'000};  // in-flight requests get this long
  bool access_log = true;
};

class Server {
 public:
  Server(ServerOptions options, Router router);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens. Fails (kUnavailable) when the address is taken or invalid.
  Status Listen();
  // The bound port (useful with port 0). REQUIRES: Listen() succeeded.
  uint16_t port() const;
  // Runs the worker threads until Stop() or SIGINT/SIGTERM; returns when every in-flight
  // request has been answered (or the grace period ran out) and all threads have joined.
  // REQUIRES: Listen() succeeded; called once.
  void Run();
  // Stops accepting, closes idle connections, lets in-flight requests finish. Idempotent.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tb::http
