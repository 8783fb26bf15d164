// http/session.h
//
// Private to src/http: the link between the listener (server.cpp) and the connections
// it accepts (session.cpp). A Session serves one TCP connection: it reads requests with
// Beast, hands each to the Router and writes the Response back, with keep-alive, limits,
// timeouts and the shutdown protocol. Beast itself stays inside session.cpp; this header
// pulls in only Asio's socket, so server.cpp compiles without Beast's HTTP templates.
//
// Thread-safety: SessionRegistry is thread-safe; the free functions may be called from
// any thread. Each session runs its handlers on its own strand.
#pragma once

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include "http/router.h"
#include "http/server.h"

namespace tb::http::internal {

class Session;  // defined in session.cpp

// The sessions still alive, so that shutdown can reach the idle ones.
class SessionRegistry {
 public:
  void Add(const std::shared_ptr<Session>& session);
  // Returns true when this removal left the registry empty.
  bool Remove(const Session* session);
  // Returns every session still alive; the caller holds them only briefly.
  std::vector<std::shared_ptr<Session>> Snapshot() const;
  bool empty() const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<const Session*, std::weak_ptr<Session>> sessions_;
};

// What one server shares with all its sessions. The server owns it and destroys its
// io_context (and with it every session) before this.
struct SessionContext {
  SessionContext(const ServerOptions& server_options, const Router& server_router)
      : options(server_options), router(server_router) {}

  const ServerOptions& options;
  const Router& router;
  SessionRegistry registry;
  // Set once by Stop: sessions answer with Connection: close and read no further request.
  std::atomic<bool> stopping{false};
  // Called by the last session to go away once `stopping` is set; may be empty.
  std::function<void()> on_drained;
};

// Serves `socket` until the peer leaves, a limit or timeout ends the connection, or the
// server stops. The session registers itself in context.registry and keeps itself alive.
// REQUIRES: the socket's executor is a strand.
void StartSession(boost::asio::ip::tcp::socket socket, SessionContext& context);

// Closes `session` if it is waiting for a request with no byte received yet; otherwise it
// finishes the request in flight, answers with Connection: close, then closes.
void ShutdownSession(const std::shared_ptr<Session>& session);

// Closes `session` now, abandoning whatever it was doing.
void CloseSession(const std::shared_ptr<Session>& session);

}  // namespace tb::http::internal
