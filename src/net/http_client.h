// net/http_client.h
//
// Outgoing HTTP(S) requests through libcurl, for the server's calls to other services
// (the payment providers' APIs). One request at a time per call; no shared state besides
// libcurl's global initialisation (InitCurl), which every libcurl user here goes through.
//
// Thread-safety: Send may be called from any thread once InitCurl has succeeded.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"

namespace tb::net {

// curl_global_init, once per process (it is not thread-safe itself). kUnavailable on failure.
Status InitCurl();

struct HttpRequest {
  std::string method = "GET";  // GET, POST, PATCH, PUT, DELETE
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{10'000};
};

struct HttpResponse {
  int status = 0;
  std::string body;
};

// application/x-www-form-urlencoded from (name, value) pairs, escaped by libcurl.
std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& fields);

// Sends `request` and returns the response, whatever its status. Fails with kUnavailable
// when no response came (refused connection, timeout, TLS failure), the message saying why.
Result<HttpResponse> Send(const HttpRequest& request);

}  // namespace tb::net
