#include "api/rest/values.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include "base/clock.h"
#include "base/strings.h"

namespace tb::api::rest {

namespace {

using store::ColumnType;
using store::Value;

Error Invalid(std::string_view sqlstate, std::string_view type, std::string_view text) {
  Error e = Error::Make(ErrorCode::kInvalidArgument,
                        "invalid input syntax for type " + std::string(type) + ": \"" + std::string(text) + "\"");
  e.sqlstate = std::string(sqlstate);
  return e;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

const char* TypeName(const CatalogColumn& column) {
  switch (column.type) {
    case ColumnType::kBool: return "boolean";
    case ColumnType::kInteger: return "bigint";
    case ColumnType::kNumeric: return "numeric";
    case ColumnType::kUuid: return "uuid";
    case ColumnType::kTimestamptz: return "timestamp with time zone";
    case ColumnType::kDate: return "date";
    case ColumnType::kJson: return "json";
    default: return "text";
  }
}

}  // namespace

Result<Value> ValueFromText(const CatalogColumn& column, std::string_view text) {
  const std::string_view trimmed = Trim(text);
  switch (column.type) {
    case ColumnType::kBool: {
      const std::string v = Lower(trimmed);
      if (v == "true" || v == "t" || v == "yes" || v == "y" || v == "on" || v == "1") return Value::Bool(true);
      if (v == "false" || v == "f" || v == "no" || v == "n" || v == "off" || v == "0") return Value::Bool(false);
      return Invalid("22P02", "boolean", text);
    }
    case ColumnType::kInteger: {
      const std::optional<int64_t> n = ParseInt64(trimmed);
      if (!n) return Invalid("22P02", "bigint", text);
      return Value::Int(*n);
    }
    case ColumnType::kNumeric: {
      double d = 0;
      const auto [end, ec] = std::from_chars(trimmed.data(), trimmed.data() + trimmed.size(), d);
      if (ec != std::errc() || end != trimmed.data() + trimmed.size() || trimmed.empty() || !std::isfinite(d)) {
        return Invalid("22P02", "numeric", text);
      }
      // Whole numbers stay integers, so they compare equal to stored integers.
      if (d == std::floor(d) && std::fabs(d) < 9e15) return Value::Int(static_cast<int64_t>(d));
      return Value::Real(d);
    }
    case ColumnType::kEnum:
      if (!column.enum_values.empty() &&
          std::find(column.enum_values.begin(), column.enum_values.end(), text) == column.enum_values.end()) {
        Error e = Error::Make(ErrorCode::kInvalidArgument, "invalid input value for enum " + column.declared_type + ": \"" +
                                                               std::string(text) + "\"");
        e.sqlstate = "22P02";
        return e;
      }
      return Value::Text(std::string(text));
    case ColumnType::kUuid:
      if (!LooksLikeUuid(trimmed)) return Invalid("22P02", "uuid", text);
      return Value::Text(Lower(trimmed));
    case ColumnType::kTimestamptz: {
      auto t = ParseTimestamp(trimmed);
      if (!t) return Invalid("22007", "timestamp with time zone", text);
      return Value::Text(FormatTimestamp(*t));
    }
    case ColumnType::kDate: {
      auto t = ParseTimestamp(trimmed);
      if (!t || trimmed.size() != 10) return Invalid("22007", "date", text);
      return Value::Text(std::string(trimmed));
    }
    case ColumnType::kJson: {
      rapidjson::Document doc;
      if (doc.Parse(text.data(), text.size()).HasParseError()) return Invalid("22P02", "json", text);
      return Value::Text(ToJson(doc));
    }
    default:
      return Value::Text(std::string(text));
  }
}

Result<Value> ValueFromJson(const CatalogColumn& column, const rapidjson::Value& json) {
  if (json.IsNull()) return Value::Null();
  if (column.type == ColumnType::kJson) return Value::Text(ToJson(json));
  if (json.IsString()) return ValueFromText(column, std::string_view(json.GetString(), json.GetStringLength()));
  if (json.IsBool()) {
    if (column.type == ColumnType::kBool) return Value::Bool(json.GetBool());
    if (column.type == ColumnType::kText || column.type == ColumnType::kEnum) {
      return Value::Text(json.GetBool() ? "true" : "false");
    }
    return Invalid("22P02", TypeName(column), json.GetBool() ? "true" : "false");
  }
  if (json.IsNumber()) {
    const std::string text = ToJson(json);
    if (column.type == ColumnType::kText || column.type == ColumnType::kEnum) return Value::Text(text);
    if (column.type == ColumnType::kBool) return Invalid("22P02", "boolean", text);
    return ValueFromText(column, text);
  }
  return Invalid("22P02", TypeName(column), ToJson(json));
}

void WriteValue(JsonWriter& w, ColumnType type, const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kNull: w.Null(); return;
    case Value::Kind::kBool: w.Bool(value.as_bool()); return;
    case Value::Kind::kInt:
      if (type == ColumnType::kBool) {
        w.Bool(value.as_int() != 0);
      } else {
        w.Int64(value.as_int());
      }
      return;
    case Value::Kind::kReal: w.Double(value.as_real()); return;
    case Value::Kind::kText:
      if (type == ColumnType::kJson) {
        WriteRaw(w, value.as_text());
      } else {
        WriteString(w, value.as_text());
      }
      return;
    case Value::Kind::kBlob: {
      // bytea: PostgreSQL's hex output form.
      static constexpr char kHex[] = "0123456789abcdef";
      std::string hex = "\\x";
      for (unsigned char c : value.as_text()) {
        hex += kHex[c >> 4];
        hex += kHex[c & 0xf];
      }
      WriteString(w, hex);
      return;
    }
  }
}

}  // namespace tb::api::rest
