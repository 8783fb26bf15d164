// http/response.h
//
// The transport-neutral response a handler returns. Content-Length, Date, Server and the
// CORS headers are added by the session; handlers set status, content type and body.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.h"

namespace tb::http {

// A body streamed from an open file: `length` bytes from `offset`. Owns the descriptor.
class BodyFile {
 public:
  BodyFile(int fd, std::uint64_t offset, std::uint64_t length) : fd_(fd), offset_(offset), length_(length) {}
  ~BodyFile();
  BodyFile(const BodyFile&) = delete;
  BodyFile& operator=(const BodyFile&) = delete;

  int fd() const { return fd_; }
  std::uint64_t offset() const { return offset_; }
  std::uint64_t length() const { return length_; }

 private:
  int fd_;
  std::uint64_t offset_, length_;
};

struct Response {
  int status = 200;
  std::vector<Header> headers;
  std::string body;
  // When set, the body is this file's range instead of `body` (downloads): sent in chunks,
  // never read into memory whole; Content-Length is its length.
  std::shared_ptr<const BodyFile> file;

  // A response with Content-Type: application/json and `json` as body (already serialized).
  static Response Json(int status, std::string json);
  // The transport's own error shape: {"error": code, "message": message}.
  // Used for 404/405/413/… raised by the transport itself; protocol handlers
  // (PostgREST, GoTrue, storage) answer in their own shapes.
  static Response Error(int status, std::string_view code, std::string_view message);

  void SetHeader(std::string_view name, std::string_view value);  // replaces any existing
  std::string_view HeaderValue(std::string_view name) const;      // "" if absent
};

}  // namespace tb::http
