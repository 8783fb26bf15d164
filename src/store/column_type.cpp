#include "store/column_type.h"

#include <string>

#include "base/strings.h"

namespace tb::store {

ColumnType ColumnTypeFromDeclared(std::string_view declared) {
  std::string name = AsciiLower(Trim(declared));
  if (const auto paren = name.find('('); paren != std::string::npos) {
    name = std::string(Trim(std::string_view(name).substr(0, paren)));
  }
  if (name == "uuid") return ColumnType::kUuid;
  if (name == "boolean" || name == "bool") return ColumnType::kBool;
  if (name == "smallint" || name == "integer" || name == "int" || name == "bigint" ||
      name == "int2" || name == "int4" || name == "int8" || name == "serial" ||
      name == "bigserial" || name == "smallserial") {
    return ColumnType::kInteger;
  }
  if (name == "numeric" || name == "decimal" || name == "real" || name == "double precision" ||
      name == "float4" || name == "float8") {
    return ColumnType::kNumeric;
  }
  if (name == "timestamptz" || name == "timestamp with time zone" || name == "timestamp") {
    return ColumnType::kTimestamptz;
  }
  if (name == "date") return ColumnType::kDate;
  if (name == "json" || name == "jsonb") return ColumnType::kJson;
  if (name == "bytea") return ColumnType::kBytea;
  return ColumnType::kText;
}

const char* ColumnTypeName(ColumnType type) {
  switch (type) {
    case ColumnType::kText: return "text";
    case ColumnType::kUuid: return "uuid";
    case ColumnType::kBool: return "boolean";
    case ColumnType::kInteger: return "integer";
    case ColumnType::kNumeric: return "numeric";
    case ColumnType::kTimestamptz: return "timestamptz";
    case ColumnType::kDate: return "date";
    case ColumnType::kJson: return "jsonb";
    case ColumnType::kBytea: return "bytea";
    case ColumnType::kEnum: return "enum";
  }
  return "text";
}

}  // namespace tb::store
