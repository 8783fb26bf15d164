#include "http/router.h"

#include <algorithm>
#include <cassert>
#include <utility>

#include "base/strings.h"

namespace tb::http {

namespace {

// The methods a wildcard route answers, and the order Allow lists them in.
constexpr std::string_view kStandardMethods[] = {"GET", "HEAD", "PUT", "PATCH",
                                                 "POST", "DELETE", "OPTIONS"};

// "/a/b" → {"a", "b"}; "/" → {""}; "/a/" → {"a", ""}: a trailing slash is a segment of its
// own, so "/healthz/" does not match "/healthz".
std::vector<std::string_view> PathSegments(std::string_view path) {
  return Split(path.substr(1), '/');
}

bool IsCapture(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// "{name*}": the last segment of a pattern, capturing the rest of the path (one segment or
// more, joined by '/').
bool IsRestCapture(std::string_view segment) { return IsCapture(segment) && segment[segment.size() - 2] == '*'; }

// How well a route's method fits the request's; lower is better, 0 is no fit. An exact
// method beats a wildcard, and both beat GET standing in for HEAD.
int MethodFit(std::string_view route_method, std::string_view method) {
  if (route_method == method) return 1;
  if (route_method == "*") return 2;
  if (method == "HEAD" && route_method == "GET") return 3;
  return 0;
}

void AddUnique(std::vector<std::string>& methods, std::string_view method) {
  if (std::find(methods.begin(), methods.end(), method) == methods.end()) {
    methods.emplace_back(method);
  }
}

// Orders `methods` as kStandardMethods does, then any others as registered.
void SortStandardFirst(std::vector<std::string>& methods) {
  const auto rank = [](const std::string& method) {
    const auto* at = std::find(std::begin(kStandardMethods), std::end(kStandardMethods), method);
    return at - std::begin(kStandardMethods);
  };
  std::stable_sort(methods.begin(), methods.end(),
                   [&](const std::string& a, const std::string& b) { return rank(a) < rank(b); });
}

// Does the pattern match the path's segments?
bool PathMatches(const std::vector<std::string>& pattern, const std::vector<std::string_view>& segments) {
  const bool rest = !pattern.empty() && IsRestCapture(pattern.back());
  if (rest ? segments.size() < pattern.size() : pattern.size() != segments.size()) return false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const bool same = rest && i + 1 == pattern.size()
                          ? i + 1 < segments.size() || !segments[i].empty()
                          : IsCapture(pattern[i]) ? !segments[i].empty() : pattern[i] == segments[i];
    if (!same) return false;
  }
  return true;
}

}  // namespace

void Router::Add(std::string_view method, std::string_view pattern, Handler handler, Preflight preflight) {
  assert(!pattern.empty() && pattern.front() == '/');
  Route route;
  route.method = std::string(method);
  for (std::string_view segment : PathSegments(pattern)) route.segments.emplace_back(segment);
  route.handler = std::move(handler);
  route.preflight = std::move(preflight);
  routes_.push_back(std::move(route));
}

void Router::AddWebSocket(std::string_view pattern, WebSocketHandler handler, WebSocketOptions options) {
  // A plain GET without the upgrade is refused by the session (426); the route is a GET.
  Add("GET", pattern, [](Request&) {
    Response r = Response::Error(426, "upgrade_required", "This endpoint speaks WebSocket only");
    r.SetHeader("Upgrade", "websocket");
    return r;
  });
  routes_.back().websocket = std::move(handler);
  routes_.back().websocket_options = options;
}

Router::Match Router::Find(Request& request) const {
  Match match;
  request.path_params.clear();
  if (request.path.empty() || request.path.front() != '/') return match;
  const std::vector<std::string_view> segments = PathSegments(request.path);

  const Route* best = nullptr;
  int best_fit = 0;
  for (const Route& route : routes_) {
    if (!PathMatches(route.segments, segments)) continue;
    match.path_exists = true;
    // Registration order breaks ties: register "/things/new" before "/things/{id}".
    const int fit = MethodFit(route.method, request.method);
    if (fit != 0 && (best == nullptr || fit < best_fit)) {
      best = &route;
      best_fit = fit;
    }
  }
  if (!match.path_exists) return match;
  // The Allow list only answers a request no route takes (405, or OPTIONS): built then.
  if (best == nullptr) {
    for (const Route& route : routes_) {
      if (!PathMatches(route.segments, segments)) continue;
      if (route.method == "*") {
        for (std::string_view method : kStandardMethods) AddUnique(match.allowed, method);
      } else {
        AddUnique(match.allowed, route.method);
        if (route.method == "GET") AddUnique(match.allowed, "HEAD");
      }
    }
    AddUnique(match.allowed, "OPTIONS");
    SortStandardFirst(match.allowed);
  }

  if (best != nullptr) {
    match.handler = &best->handler;
    if (best->preflight) match.preflight = &best->preflight;
    if (best->websocket) {
      match.websocket = &best->websocket;
      match.websocket_options = &best->websocket_options;
    }
    for (size_t i = 0; i < best->segments.size(); ++i) {
      const std::string& segment = best->segments[i];
      if (IsRestCapture(segment)) {
        std::string rest_of_path(segments[i]);
        for (size_t j = i + 1; j < segments.size(); ++j) rest_of_path += "/" + std::string(segments[j]);
        request.path_params.emplace_back(segment.substr(1, segment.size() - 3), std::move(rest_of_path));
      } else if (IsCapture(segment)) {
        request.path_params.emplace_back(segment.substr(1, segment.size() - 2), std::string(segments[i]));
      }
    }
  }
  return match;
}

}  // namespace tb::http
