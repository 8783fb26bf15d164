// http/router.h
//
// Maps (method, path) to a handler. Patterns are literal segments and `{name}` captures
// of exactly one segment: "/auth/v1/factors/{id}/verify"; a last segment `{name*}` captures
// the rest of the path, one segment or more: "/storage/v1/object/{bucket}/{path*}". A path that matches a pattern
// under another method is reported, so the server can answer 405 instead of 404.
// A route registered for GET also answers HEAD (the session drops the body).
//
// Thread-safety: build it on one thread, then share it read-only among the workers.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "http/request.h"
#include "http/response.h"
#include "http/websocket.h"

namespace tb::http {

using Handler = std::function<Response(Request&)>;

// Where a route that streams its body (uploads) wants it: written to `path` (created new;
// the transport removes it after the handler returns, unless the handler moved it away,
// and when the request fails half-way), at most `limit` bytes — beyond that the transport
// stops reading and answers `too_large`.
struct StreamedBody {
  std::string path;
  std::uint64_t limit = 0;
  Response too_large;
};
// Called with the request's head (no body yet; path_params set) before the body is read:
// a Response refuses the request at once (the body is never read; the connection closes
// after the answer), a StreamedBody accepts it. May be called on any worker thread.
using Preflight = std::function<std::variant<Response, StreamedBody>(Request& head)>;

class Router {
 public:
  // Registers `handler` for `method` ("GET", "POST", …; "*" for any) and `pattern`; with a
  // `preflight`, the body goes to a file (Request::body_file) instead of memory.
  // REQUIRES: pattern starts with '/'.
  void Add(std::string_view method, std::string_view pattern, Handler handler, Preflight preflight = nullptr);

  // Registers a WebSocket endpoint (GET with Upgrade: websocket) at `pattern`.
  void AddWebSocket(std::string_view pattern, WebSocketHandler handler, WebSocketOptions options = {});

  struct Match {
    const Handler* handler = nullptr;  // null when nothing matched method and path
    const Preflight* preflight = nullptr;  // set when the matched route streams its body
    const WebSocketHandler* websocket = nullptr;  // set for a WebSocket route
    const WebSocketOptions* websocket_options = nullptr;
    bool path_exists = false;          // some route matched the path (under any method)
    std::vector<std::string> allowed;  // when no route takes the method: those that would (Allow:)
  };
  // Finds the route for request.method and request.path and fills request.path_params.
  Match Find(Request& request) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;  // "{name}" marks a capture
    Handler handler;
    Preflight preflight;
    WebSocketHandler websocket;
    WebSocketOptions websocket_options;
  };
  std::vector<Route> routes_;
};

}  // namespace tb::http
