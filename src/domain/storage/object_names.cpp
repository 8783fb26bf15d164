#include "domain/storage/object_names.h"

#include <cstdint>
#include <string>

#include "base/strings.h"

namespace tb::storage {

namespace {

Error Invalid(std::string message) { return Error::Make(ErrorCode::kInvalidArgument, std::move(message)); }

// True when `text` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool ValidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    size_t n = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    for (size_t k = 1; k <= n; ++k) {
      if (i + k >= text.size()) return false;
      const auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

}  // namespace

Status ValidateObjectName(std::string_view name) {
  if (name.empty()) return Invalid("the object name is empty");
  if (name.size() > 1024) return Invalid("the object name is longer than 1024 bytes");
  if (!ValidUtf8(name)) return Invalid("the object name is not valid UTF-8");
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7F) return Invalid("the object name contains a control character");
  }
  if (name.front() == '/') return Invalid("the object name starts with '/'");
  for (std::string_view segment : Split(name, '/')) {
    if (segment.empty()) return Invalid("the object name has an empty folder");
    if (segment == "." || segment == "..") return Invalid("the object name has a '.' or '..' segment");
  }
  return Ok();
}

Status ValidateBucketId(std::string_view id) {
  if (id.empty() || id.size() > 100 || id == "." || id == "..") return Invalid("invalid bucket id");
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.';
    if (!ok) return Invalid("invalid bucket id: use letters, digits, '-', '_' and '.'");
  }
  return Ok();
}

}  // namespace tb::storage
