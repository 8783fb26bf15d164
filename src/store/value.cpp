#include "store/value.h"

#include <cassert>
#include <cstdio>

namespace tb::store {

bool Value::as_bool() const {
  if (kind() == Kind::kInt) return std::get<int64_t>(storage_) != 0;
  assert(kind() == Kind::kBool);
  return std::get<bool>(storage_);
}

int64_t Value::as_int() const {
  if (kind() == Kind::kBool) return std::get<bool>(storage_) ? 1 : 0;
  assert(kind() == Kind::kInt);
  return std::get<int64_t>(storage_);
}

double Value::as_real() const {
  if (kind() == Kind::kInt) return static_cast<double>(std::get<int64_t>(storage_));
  assert(kind() == Kind::kReal);
  return std::get<double>(storage_);
}

const std::string& Value::as_text() const {
  if (kind() == Kind::kBlob) return std::get<Bytes>(storage_).data;
  assert(kind() == Kind::kText);
  return std::get<std::string>(storage_);
}

std::string Value::DebugString() const {
  switch (kind()) {
    case Kind::kNull: return "NULL";
    case Kind::kBool: return as_bool() ? "true" : "false";
    case Kind::kInt: return std::to_string(as_int());
    case Kind::kReal: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", as_real());
      return buf;
    }
    case Kind::kText: return "'" + as_text() + "'";
    case Kind::kBlob: {
      static const char* hex = "0123456789abcdef";
      std::string out = "x'";
      for (unsigned char c : as_text()) {
        out += hex[c >> 4];
        out += hex[c & 15];
      }
      return out + "'";
    }
  }
  return "?";
}

}  // namespace tb::store
