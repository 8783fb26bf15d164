// domain/storage/multipart.h
//
// The file part of a multipart/form-data upload (what supabase-js sends for a Blob or a
// File: fields `cacheControl`, optionally `metadata`, and the file), read from the file the
// HTTP layer streamed the body into and copied to `out_path` a chunk at a time — never the
// whole body in memory. Small text fields are kept (up to 64 KiB each).
//
// Thread-safety: pure functions over files the caller owns.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "base/result.h"

namespace tb::storage {

// The boundary of a multipart/form-data Content-Type; "" when it is not one.
std::string MultipartBoundary(std::string_view content_type);

struct MultipartFile {
  std::string content_type;                   // the file part's, "" when not given
  std::uint64_t size = 0;                     // bytes written to out_path
  std::map<std::string, std::string> fields;  // the other (text) parts by name
};

// Copies the first part with a filename (or, failing that, the part named "" or "file") of
// the body in `body_path` to `out_path` (created). kInvalidArgument for a malformed body or
// one with no file part.
Result<MultipartFile> ExtractMultipartFile(const std::string& body_path, std::string_view boundary,
                                           const std::string& out_path);

}  // namespace tb::storage
