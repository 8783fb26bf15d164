// store/value.h
//
// One SQL value as it crosses the store interface: bound as a parameter or read from a
// row. Both backends map their own representations onto these six kinds; what a value
// *means* (uuid, timestamptz, jsonb, enum, …) is told by the column's ColumnType.
//
// Thread-safety: a plain value type.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace tb::store {

class Value {
 public:
  enum class Kind { kNull, kBool, kInt, kReal, kText, kBlob };

  Value() = default;  // NULL
  static Value Null() { return Value(); }
  static Value Bool(bool b) { return Value(Storage(std::in_place_index<1>, b)); }
  static Value Int(int64_t i) { return Value(Storage(std::in_place_index<2>, i)); }
  static Value Real(double d) { return Value(Storage(std::in_place_index<3>, d)); }
  static Value Text(std::string s) { return Value(Storage(std::in_place_index<4>, std::move(s))); }
  static Value Blob(std::string bytes) { return Value(Storage(std::in_place_index<5>, Bytes{std::move(bytes)})); }

  Kind kind() const { return static_cast<Kind>(storage_.index()); }
  bool is_null() const { return kind() == Kind::kNull; }

  // Accessors REQUIRE the matching kind, except as_bool (also accepts kInt: SQLite's 0/1)
  // and as_int (also accepts kBool).
  bool as_bool() const;
  int64_t as_int() const;
  double as_real() const;
  const std::string& as_text() const;  // also for kBlob: the raw bytes

  // A readable form for logs and test failures: NULL, true, 42, 'text', x'00ff'.
  std::string DebugString() const;

  friend bool operator==(const Value& a, const Value& b) { return a.storage_ == b.storage_; }

 private:
  struct Bytes {
    std::string data;
    friend bool operator==(const Bytes& a, const Bytes& b) { return a.data == b.data; }
  };
  using Storage = std::variant<std::monostate, bool, int64_t, double, std::string, Bytes>;
  explicit Value(Storage s) : storage_(std::move(s)) {}
  Storage storage_;
};

}  // namespace tb::store
