// http/router.h
//
// Maps (method, path) to a handler. Patterns are literal segments and `{name}` captures
// of exactly one segment: "/auth/v1/factors/{id}/verify". A path that matches a pattern
// under another method is reported, so the server can answer 405 instead of 404.
// A route registered for GET also answers HEAD (the session drops the body).
//
// Thread-safety: build it on one thread, then share it read-only among the workers.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.h"
#include "http/response.h"

namespace tb::http {

using Handler = std::function<Response(Request&)>;

class Router {
 public:
  // Registers `handler` for `method` ("GET", "POST", …; "*" for any) and `pattern`.
  // REQUIRES: pattern starts with '/'.
  void Add(std::string_view method, std::string_view pattern, Handler handler);

  struct Match {
    const Handler* handler = nullptr;  // null when nothing matched method and path
    bool path_exists = false;          // some route matched the path (under any method)
    std::vector<std::string> allowed;  // methods that do match the path (for Allow:)
  };
  // Finds the route for request.method and request.path and fills request.path_params.
  Match Find(Request& request) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;  // "{name}" marks a capture
    Handler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace tb::http
