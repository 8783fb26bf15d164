// http/request.h
//
// The transport-neutral request a handler sees. The session fills it from Beast's parser,
// so no handler (and no header outside src/http/*.cpp) includes Beast or Asio.
//
// Thread-safety: a Request belongs to one session and one handler call; not shared.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tb::http {

struct Header {
  std::string name;
  std::string value;
};

struct Request {
  std::string method;          // upper case as received: "GET", "POST", ...
  std::string target;          // raw request target: "/rest/v1/notes?select=*"
  std::string path;            // target up to '?', percent-decoded
  std::string query;           // raw text after '?', not decoded ("" if none)
  std::vector<Header> headers;
  std::string body;
  // For routes that stream their body (Router::Add with a Preflight): the file holding it
  // and its size; `body` stays empty.
  std::string body_file;
  std::uint64_t body_size = 0;
  std::string remote_address;  // peer IP as text
  // Named segments captured by the router, e.g. {"id", "..."} for "/factors/{id}".
  std::vector<std::pair<std::string, std::string>> path_params;

  // Returns the first header with this name (case-insensitive), or "" if absent.
  std::string_view HeaderValue(std::string_view name) const;
  bool HasHeader(std::string_view name) const;
  // Returns the captured path parameter, or "" if the route has none by that name.
  std::string_view PathParam(std::string_view name) const;
  // Returns the percent-decoded value of the first query parameter `name`, or "" if absent.
  std::string QueryParam(std::string_view name) const;
};

// Percent-decodes `text` ('+' stays '+'); returns false on a malformed escape.
bool PercentDecode(std::string_view text, std::string& out);

}  // namespace tb::http
