#include "policy/migration_schema.h"

#include <charconv>

#include "policy/policy_set.h"

namespace tb::policy {

using store::Value;

std::vector<std::string> RelationColumns(store::Transaction& txn, std::string_view name) {
  const Value params[] = {Value::Text(std::string(name))};
  auto rows = txn.Query("SELECT name FROM pragma_table_info($1) ORDER BY cid", params);
  std::vector<std::string> columns;
  if (!rows) return columns;
  for (const auto& row : rows->rows) columns.push_back(row[0].as_text());
  return columns;
}

std::string SchemaObjectType(store::Transaction& txn, std::string_view name) {
  const Value params[] = {Value::Text(std::string(name))};
  auto rows = txn.Query("SELECT type FROM sqlite_schema WHERE name = $1", params);
  if (!rows || rows->rows.empty()) return "";
  return rows->rows[0][0].as_text();
}

Result<std::string> DdlFunctionName(std::string_view schema, std::string_view name, std::size_t arity) {
  if ((schema.empty() || schema == "pg_catalog") && arity == 0 && (name == "now" || name == "gen_random_uuid")) {
    return std::string(name);
  }
  if (schema == "auth" && arity == 0 && (name == "uid" || name == "role" || name == "jwt")) {
    return "auth_" + std::string(name);
  }
  if (auto storage = StorageFunctionName(schema, name, arity)) return *storage;
  const std::string full = schema.empty() ? std::string(name) : std::string(schema) + "." + std::string(name);
  Error e = Error::Make(ErrorCode::kInvalidArgument,
                        "function " + full + " is not available here on SQLite (defaults and checks may call now(), "
                        "gen_random_uuid(), auth.uid(), auth.role(), auth.jwt(), storage.foldername(), "
                        "storage.filename(), storage.extension() and kit.get_storage_filename_as_uuid())");
  e.sqlstate = "42883";
  return e;
}

sql::DdlOptions DdlOptionsFor(store::Transaction& txn) {
  sql::DdlOptions options;
  options.relation = [](std::string_view schema, std::string_view name) { return SqliteRelationName(schema, name); };
  options.columns = [&txn](std::string_view table) { return RelationColumns(txn, table); };
  options.is_enum = [&txn](std::string_view schema, std::string_view name) {
    if (!schema.empty() && schema != "public") return false;
    const Value params[] = {Value::Text(std::string(name))};
    auto rows = txn.Query("SELECT 1 FROM kit_enum_values WHERE type_name = $1 LIMIT 1", params);
    return rows && !rows->rows.empty();
  };
  options.function = DdlFunctionName;
  return options;
}

Error Located(Error error, std::string_view file, int line) {
  std::string& message = error.message;
  constexpr std::string_view kAt = " at line ";
  const std::size_t at = message.rfind(kAt);
  if (at != std::string::npos) {
    const char* begin = message.data() + at + kAt.size();
    const char* end = message.data() + message.size();
    int named = 0;
    const auto [next, ec] = std::from_chars(begin, end, named);
    const std::string_view rest(next, static_cast<std::size_t>(end - next));
    if (ec == std::errc() && (rest.empty() || rest.starts_with(", column "))) {
      line = named;
      message.resize(at);
    }
  }
  message += " (" + std::string(file) + ":" + std::to_string(line) + ")";
  return error;
}

}  // namespace tb::policy
