#include "policy/policy_set.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>

#include "base/strings.h"
#include "policy/helpers.h"
#include "policy/sql/parser.h"
#include "policy/sql/render_sqlite.h"

namespace tb::policy {

namespace {

using store::Value;

Error WithState(ErrorCode code, std::string sqlstate, std::string message) {
  Error e = Error::Make(code, std::move(message));
  e.sqlstate = std::move(sqlstate);
  return e;
}

// The functions policy text may call on SQLite.
Result<std::string> SqliteFunctionName(std::string_view schema, std::string_view name, std::size_t arity) {
  if (schema == "auth" && arity == 0 && (name == "uid" || name == "role" || name == "jwt")) {
    return "auth_" + std::string(name);
  }
  // SQLite-dialect text (core views) calls them by their SQLite names.
  if (schema.empty() && arity == 0 && (name == "auth_uid" || name == "auth_role" || name == "auth_jwt")) {
    return std::string(name);
  }
  if (schema.empty() || schema == "public") {
    if (FindHelper(name) != nullptr) return std::string(name);
  }
  if (schema.empty() || schema == "pg_catalog") {
    if ((name == "now" || name == "gen_random_uuid") && arity == 0) return std::string(name);
  }
  if (auto storage = StorageFunctionName(schema, name, arity)) return *storage;
  const std::string full = schema.empty() ? std::string(name) : std::string(schema) + "." + std::string(name);
  return WithState(ErrorCode::kInvalidArgument, "42883", "function " + full + " does not exist");
}

bool TableExists(store::Transaction& txn, const std::string& name) {
  const Value params[] = {Value::Text(name)};
  auto rows = txn.Query("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = $1", params);
  return rows && !rows->rows.empty();
}

bool EnumTypeExists(store::Transaction& txn, std::string_view schema, std::string_view name) {
  if (!schema.empty() && schema != "public") return false;
  const Value params[] = {Value::Text(std::string(name))};
  auto rows = txn.Query("SELECT 1 FROM kit_enum_values WHERE type_name = $1 LIMIT 1", params);
  return rows && !rows->rows.empty();
}

sql::RenderOptions OptionsFor(const std::string& table, std::function<bool(std::string_view, std::string_view)> is_enum) {
  sql::RenderOptions options;
  options.table = [](std::string_view schema, std::string_view name) { return SqliteRelationName(schema, name); };
  options.function = SqliteFunctionName;
  options.policy_table = table;
  options.row_alias = table;
  options.is_enum_type = std::move(is_enum);
  return options;
}

// Renders an optional policy expression; "" when absent.
Result<std::string> Render(const std::string& text, const sql::RenderOptions& options) {
  if (text.empty()) return std::string();
  auto expr = sql::ParseExpression(text);
  if (!expr) return std::move(expr).error();
  return sql::RenderSqlite(**expr, options);
}

const char* CommandName(sql::PolicyCommand command) {
  switch (command) {
    case sql::PolicyCommand::kAll: return "ALL";
    case sql::PolicyCommand::kSelect: return "SELECT";
    case sql::PolicyCommand::kInsert: return "INSERT";
    case sql::PolicyCommand::kUpdate: return "UPDATE";
    case sql::PolicyCommand::kDelete: return "DELETE";
  }
  return "ALL";
}

std::string RolesJson(const std::vector<std::string>& roles) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartArray();
  for (const std::string& role : roles) w.String(role.data(), static_cast<rapidjson::SizeType>(role.size()));
  w.EndArray();
  return buffer.GetString();
}

// Skips blanks and comments; true when the statement's words start with `words`
// (each compared case-insensitively).
bool StartsWithWords(std::string_view text, std::initializer_list<std::string_view> words) {
  size_t i = 0;
  auto skip = [&] {
    for (;;) {
      while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
      if (text.substr(i, 2) == "--") {
        while (i < text.size() && text[i] != '\n') ++i;
      } else if (text.substr(i, 2) == "/*") {
        const size_t end = text.find("*/", i + 2);
        i = end == std::string_view::npos ? text.size() : end + 2;
      } else {
        return;
      }
    }
  };
  for (std::string_view word : words) {
    skip();
    if (text.size() - i < word.size()) return false;
    for (size_t k = 0; k < word.size(); ++k) {
      if (std::toupper(static_cast<unsigned char>(text[i + k])) != word[k]) return false;
    }
    i += word.size();
    if (i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '_')) return false;
  }
  return true;
}

bool ContainsRowLevelSecurity(std::string_view text) {
  std::string upper(text);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  // Collapse whitespace runs so "ROW  LEVEL\nSECURITY" matches.
  std::string squeezed;
  for (char c : upper) {
    const bool space = std::isspace(static_cast<unsigned char>(c));
    if (space && !squeezed.empty() && squeezed.back() == ' ') continue;
    squeezed += space ? ' ' : c;
  }
  return squeezed.find("ROW LEVEL SECURITY") != std::string::npos;
}

bool IsPolicyStatement(std::string_view statement) {
  return StartsWithWords(statement, {"CREATE", "POLICY"}) || StartsWithWords(statement, {"DROP", "POLICY"}) ||
         (StartsWithWords(statement, {"ALTER", "TABLE"}) && ContainsRowLevelSecurity(statement));
}

Status ApplyCreatePolicy(store::Transaction& txn, const sql::CreatePolicy& policy) {
  auto table = SqliteRelationName(policy.table.schema, policy.table.name);
  if (!table) return std::move(table).error();
  if (!TableExists(txn, *table)) {
    return WithState(ErrorCode::kInvalidArgument, "42P01", "relation \"" + policy.table.name + "\" does not exist");
  }
  // Compile now, so a bad policy fails its migration rather than the first request.
  const sql::RenderOptions options = OptionsFor(*table, [&txn](std::string_view s, std::string_view n) {
    return EnumTypeExists(txn, s, n);
  });
  const std::string using_text = policy.using_expr ? policy.using_text : "";
  const std::string check_text = policy.with_check ? policy.with_check_text : "";
  for (const std::string* text : {&using_text, &check_text}) {
    auto rendered = Render(*text, options);
    if (!rendered) return std::move(rendered).error();
    // Prepare it once (LIMIT 0 reads nothing): SQLite resolves every column and function
    // now. (Not "WHERE 0 AND …": SQLite folds that away before resolving names.)
    if (!rendered->empty()) {
      auto probe = txn.Query("SELECT 1 FROM \"" + *table + "\" WHERE (" + *rendered + ") LIMIT 0");
      if (!probe) return std::move(probe).error();
    }
  }
  const Value params[] = {Value::Text(*table),
                          Value::Text(policy.name),
                          Value::Bool(policy.permissive),
                          Value::Text(CommandName(policy.command)),
                          Value::Text(RolesJson(policy.roles)),
                          using_text.empty() ? Value::Null() : Value::Text(using_text),
                          check_text.empty() ? Value::Null() : Value::Text(check_text)};
  auto inserted = txn.Execute(
      "INSERT INTO kit_policies (table_name, policy_name, permissive, command, roles, using_expr, check_expr) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7)",
      params);
  if (!inserted) {
    if (inserted.error().sqlstate == "23505") {
      return WithState(ErrorCode::kAlreadyExists, "42710",
                       "policy \"" + policy.name + "\" for table \"" + policy.table.name + "\" already exists");
    }
    return std::move(inserted).error();
  }
  return Ok();
}

Status ApplyDropPolicy(store::Transaction& txn, const sql::DropPolicy& drop) {
  auto table = SqliteRelationName(drop.table.schema, drop.table.name);
  if (!table) return std::move(table).error();
  const Value params[] = {Value::Text(*table), Value::Text(drop.name)};
  auto deleted = txn.Execute("DELETE FROM kit_policies WHERE table_name = $1 AND policy_name = $2", params);
  if (!deleted) return std::move(deleted).error();
  if (*deleted == 0 && !drop.if_exists) {
    return WithState(ErrorCode::kNotFound, "42704",
                     "policy \"" + drop.name + "\" for table \"" + drop.table.name + "\" does not exist");
  }
  return Ok();
}

Status ApplyAlterTableRls(store::Transaction& txn, const sql::AlterTableRls& alter) {
  auto table = SqliteRelationName(alter.table.schema, alter.table.name);
  if (!table) return std::move(table).error();
  if (!TableExists(txn, *table)) {
    return WithState(ErrorCode::kInvalidArgument, "42P01", "relation \"" + alter.table.name + "\" does not exist");
  }
  const Value params[] = {Value::Text(*table)};
  if (auto row = txn.Execute("INSERT OR IGNORE INTO kit_rls_tables (table_name, enabled) VALUES ($1, 0)", params); !row) {
    return std::move(row).error();
  }
  std::string sql;
  switch (alter.kind) {
    case sql::RlsChange::kEnable: sql = "UPDATE kit_rls_tables SET enabled = 1 WHERE table_name = $1"; break;
    case sql::RlsChange::kDisable: sql = "UPDATE kit_rls_tables SET enabled = 0 WHERE table_name = $1"; break;
    case sql::RlsChange::kForce: sql = "UPDATE kit_rls_tables SET forced = 1 WHERE table_name = $1"; break;
    case sql::RlsChange::kNoForce: sql = "UPDATE kit_rls_tables SET forced = 0 WHERE table_name = $1"; break;
  }
  auto done = txn.Execute(sql, params);
  if (!done) return std::move(done).error();
  return Ok();
}

bool CommandApplies(std::string_view policy_command, Command command) {
  if (policy_command == "ALL") return true;
  switch (command) {
    case Command::kSelect: return policy_command == "SELECT";
    case Command::kInsert: return policy_command == "INSERT";
    case Command::kUpdate: return policy_command == "UPDATE";
    case Command::kDelete: return policy_command == "DELETE";
  }
  return false;
}

// "(a) OR (b)" / "(a) AND (b)".
std::string Join(const std::vector<std::string>& parts, std::string_view op) {
  std::string out;
  for (const std::string& part : parts) {
    if (!out.empty()) out.append(" ").append(op).append(" ");
    out.append("(").append(part).append(")");
  }
  return out;
}

// PostgreSQL's combination: any permissive policy lets a row through, every restrictive
// one must too; no permissive policy at all lets nothing through.
std::string Combine(const std::vector<std::string>& permissive, const std::vector<std::string>& restrictive) {
  if (permissive.empty()) return "0";
  std::string predicate = Join(permissive, "OR");
  if (!restrictive.empty()) predicate = "(" + predicate + ") AND " + Join(restrictive, "AND");
  return predicate;
}

}  // namespace

Result<std::string> SqliteRelationName(std::string_view schema, std::string_view name) {
  if (schema.empty() || schema == "public") return std::string(name);
  if (schema == "auth" || schema == "kit" || schema == "storage") {
    return std::string(schema) + "_" + std::string(name);
  }
  return WithState(ErrorCode::kInvalidArgument, "42P01",
                   "relation \"" + std::string(schema) + "." + std::string(name) + "\" does not exist (schema " +
                       std::string(schema) + " is not available on SQLite)");
}

std::optional<std::string> StorageFunctionName(std::string_view schema, std::string_view name, std::size_t arity) {
  if (arity != 1) return std::nullopt;
  static constexpr std::string_view kStorage[] = {"foldername", "filename", "extension"};
  for (std::string_view function : kStorage) {
    const std::string sqlite = "storage_" + std::string(function);
    if ((schema == "storage" && name == function) || (schema.empty() && name == sqlite)) return sqlite;
  }
  constexpr std::string_view kKit = "get_storage_filename_as_uuid";
  if ((schema == "kit" && name == kKit) || (schema.empty() && name == "kit_" + std::string(kKit))) {
    return "kit_" + std::string(kKit);
  }
  return std::nullopt;
}

Result<bool> HandleMigrationStatement(store::Transaction& txn, std::string_view statement) {
  if (!IsPolicyStatement(statement)) return false;
  auto parsed = sql::ParseStatements(statement);
  if (!parsed) return std::move(parsed).error();
  for (const sql::Statement& s : *parsed) {
    Status applied = std::visit(
        [&](const auto& st) -> Status {
          using T = std::decay_t<decltype(st)>;
          if constexpr (std::is_same_v<T, sql::CreatePolicy>) return ApplyCreatePolicy(txn, st);
          else if constexpr (std::is_same_v<T, sql::DropPolicy>) return ApplyDropPolicy(txn, st);
          else return ApplyAlterTableRls(txn, st);
        },
        s);
    if (!applied) return std::move(applied).error();
  }
  return true;
}

Result<std::shared_ptr<const PolicySet>> PolicySet::Native(store::Transaction& txn) {
  auto set = std::make_shared<PolicySet>();
  set->native_ = true;
  // pg_policies gives each expression deparsed (pg_get_expr), as valid in a query over the
  // table as the policy was. Every table is FORCE'd, so each is enabled.
  auto policies = txn.Query(
      "SELECT c.relname, p.polname, p.polpermissive, p.polcmd, "
      "       coalesce((SELECT string_agg(CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r) END, ',') "
      "                 FROM unnest(p.polroles) AS r), ''), "
      "       coalesce(pg_get_expr(p.polqual, p.polrelid), ''), coalesce(pg_get_expr(p.polwithcheck, p.polrelid), ''), "
      "       n.nspname::text "
      "FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE n.nspname IN ('public', 'storage') ORDER BY c.relname, p.polname");
  if (!policies) return std::move(policies).error();
  for (const auto& row : policies->rows) {
    // Keyed by the SQLite name the API uses: notes, storage_objects.
    Table& table = set->tables_[row[7].as_text() == "public" ? row[0].as_text() : row[7].as_text() + "_" + row[0].as_text()];
    table.enabled = true;
    Compiled c;
    c.name = row[1].as_text();
    c.permissive = row[2].as_bool();
    const std::string cmd = row[3].as_text();  // r, a, w, d or *
    c.command = cmd == "r" ? "SELECT" : cmd == "a" ? "INSERT" : cmd == "w" ? "UPDATE" : cmd == "d" ? "DELETE" : "ALL";
    for (std::string_view r : Split(row[4].as_text(), ',')) c.roles.emplace_back(r);
    c.using_sql = c.using_text = row[5].as_text();
    c.check_sql = row[6].as_text();
    table.policies.push_back(std::move(c));
  }
  return std::shared_ptr<const PolicySet>(std::move(set));
}

std::optional<std::string> PolicySet::PredicateUsing(std::string_view table, std::string_view role,
                                                    Command command) const {
  auto predicate = CompiledUsing(table, role, command);
  if (native_ && predicate == "0") return std::string("false");
  return predicate;
}

std::optional<std::string> PolicySet::PredicateCheck(std::string_view table, std::string_view role,
                                                    Command command) const {
  auto predicate = CompiledCheck(table, role, command);
  if (native_ && predicate == "0") return std::string("false");
  return predicate;
}

Result<std::shared_ptr<const PolicySet>> PolicySet::Load(store::Transaction& txn) {
  auto set = std::make_shared<PolicySet>();
  auto tables = txn.Query("SELECT table_name, enabled FROM kit_rls_tables");
  if (!tables) return std::move(tables).error();
  for (const auto& row : tables->rows) set->tables_[row[0].as_text()].enabled = row[1].as_bool();

  auto enums = txn.Query("SELECT DISTINCT type_name FROM kit_enum_values");
  if (!enums) return std::move(enums).error();
  std::vector<std::string> enum_types;
  for (const auto& row : enums->rows) enum_types.push_back(row[0].as_text());
  set->enum_types_ = enum_types;
  auto is_enum = [enum_types](std::string_view schema, std::string_view name) {
    return (schema.empty() || schema == "public") &&
           std::find(enum_types.begin(), enum_types.end(), name) != enum_types.end();
  };

  auto policies = txn.Query(
      "SELECT table_name, policy_name, permissive, command, roles, using_expr, check_expr "
      "FROM kit_policies ORDER BY table_name, policy_name");
  if (!policies) return std::move(policies).error();
  for (const auto& row : policies->rows) {
    const std::string& table = row[0].as_text();
    const sql::RenderOptions options = OptionsFor(table, is_enum);
    Compiled c;
    c.name = row[1].as_text();
    c.permissive = row[2].as_bool();
    c.command = row[3].as_text();
    rapidjson::Document roles;
    roles.Parse(row[4].as_text().c_str());
    if (roles.IsArray()) {
      for (const auto& r : roles.GetArray()) {
        if (r.IsString()) c.roles.emplace_back(r.GetString());
      }
    }
    auto using_sql = Render(row[5].is_null() ? "" : row[5].as_text(), options);
    auto check_sql = Render(row[6].is_null() ? "" : row[6].as_text(), options);
    if (!using_sql || !check_sql) {
      Error e = !using_sql ? std::move(using_sql).error() : std::move(check_sql).error();
      e.message = "policy " + c.name + " on " + table + ": " + e.message;
      return e;
    }
    c.using_sql = std::move(*using_sql);
    c.using_text = row[5].is_null() ? "" : row[5].as_text();
    c.check_sql = std::move(*check_sql);
    set->tables_[table].policies.push_back(std::move(c));
  }
  if (Status s = set->LoadViews(txn); !s) return std::move(s).error();
  return std::shared_ptr<const PolicySet>(std::move(set));
}

namespace {

// The SELECT of `CREATE VIEW name AS SELECT …` as SQLite keeps it; "" if not found.
std::string_view ViewBody(std::string_view create) {
  for (size_t i = 0; i + 4 <= create.size(); ++i) {
    const bool boundary_before = i > 0 && std::isspace(static_cast<unsigned char>(create[i - 1]));
    if (!boundary_before || std::toupper(static_cast<unsigned char>(create[i])) != 'A' ||
        std::toupper(static_cast<unsigned char>(create[i + 1])) != 'S' ||
        !std::isspace(static_cast<unsigned char>(create[i + 2]))) {
      continue;
    }
    return create.substr(i + 3);
  }
  return {};
}

}  // namespace

Status PolicySet::LoadViews(store::Transaction& txn) {
  auto views = txn.Query("SELECT name, sql FROM sqlite_schema WHERE type = 'view'");
  if (!views) return std::move(views).error();
  auto is_enum = [this](std::string_view schema, std::string_view name) {
    return (schema.empty() || schema == "public") &&
           std::find(enum_types_.begin(), enum_types_.end(), name) != enum_types_.end();
  };
  for (const auto& row : views->rows) {
    const std::string& view = row[0].as_text();
    const std::string_view body = ViewBody(row[1].as_text());
    // Parsed as EXISTS (…): the renderer keeps a subquery's whole select list there.
    auto parsed = sql::ParseExpression("EXISTS (" + std::string(body) + ")");
    for (const char* role : {"anon", "authenticated"}) {
      if (!parsed) {
        views_[view].emplace(role, parsed.error());
        continue;
      }
      std::vector<std::string> tables;
      sql::RenderOptions options = OptionsFor(view, is_enum);
      options.row_alias.clear();
      options.table = [&tables](std::string_view schema, std::string_view name) -> Result<std::string> {
        auto table = SqliteRelationName(schema, name);
        if (!table) return table;
        if (std::find(tables.begin(), tables.end(), *table) == tables.end()) tables.push_back(*table);
        return "tb_rls_" + *table;
      };
      auto rendered = sql::RenderSqlite(**parsed, options);
      if (!rendered) {
        views_[view].emplace(role, rendered.error());
        continue;
      }
      // "(EXISTS (SELECT …))" → "SELECT …"
      constexpr std::string_view kOpen = "(EXISTS (";
      std::string select = *rendered;
      if (select.starts_with(kOpen) && select.ends_with("))")) {
        select = select.substr(kOpen.size(), select.size() - kOpen.size() - 2);
      }
      std::string with = "WITH ";
      for (const std::string& table : tables) {
        const auto policy = Using(table, role, Command::kSelect);
        with += "\"tb_rls_" + table + "\" AS (SELECT * FROM \"" + table + "\" WHERE " + policy.value_or("1") + "), ";
      }
      with += "\"" + view + "\" AS (" + select + ") ";
      views_[view].emplace(role, std::move(with));
    }
  }
  return Ok();
}

Result<std::optional<std::string>> PolicySet::ViewSql(std::string_view view, std::string_view role) const {
  if (native_ || BypassesPolicies(role)) return std::optional<std::string>();
  auto it = views_.find(view);
  if (it == views_.end()) {
    return WithState(ErrorCode::kInvalidArgument, "42P01", "view \"" + std::string(view) + "\" does not exist");
  }
  auto for_role = it->second.find(role);
  if (for_role == it->second.end()) {
    // A role no view was rendered for sees nothing (main."v" is the stored view itself).
    return std::optional<std::string>("WITH \"" + std::string(view) + "\" AS (SELECT * FROM main.\"" + std::string(view) +
                                      "\" WHERE 0) ");
  }
  if (!for_role->second) {
    Error e = for_role->second.error();
    e.message = "view " + std::string(view) + " cannot be read on SQLite: " + e.message;
    return e;
  }
  return std::optional<std::string>(*for_role->second);
}

bool PolicySet::RlsEnabled(std::string_view table) const {
  if (native_) return true;  // every table is FORCE'd (migrations/postgres)
  auto it = tables_.find(table);
  return it != tables_.end() && it->second.enabled;
}

std::vector<const PolicySet::Compiled*> PolicySet::Applicable(const Table& table, std::string_view role,
                                                                Command command) const {
  std::vector<const Compiled*> out;
  for (const Compiled& c : table.policies) {
    if (!CommandApplies(c.command, command)) continue;
    const bool for_role = std::any_of(c.roles.begin(), c.roles.end(),
                                      [&](const std::string& r) { return r == role || r == "public"; });
    if (for_role) out.push_back(&c);
  }
  return out;
}

std::optional<std::string> PolicySet::Using(std::string_view table, std::string_view role, Command command) const {
  if (native_) return std::nullopt;
  return CompiledUsing(table, role, command);
}

std::optional<std::string> PolicySet::CompiledUsing(std::string_view table, std::string_view role,
                                                   Command command) const {
  if (BypassesPolicies(role)) return std::nullopt;
  auto it = tables_.find(table);
  // Deny by default: a relation without row-level security is not open to clients either.
  if (it == tables_.end() || !it->second.enabled) return std::string("0");
  std::vector<std::string> permissive, restrictive;
  for (const Compiled* c : Applicable(it->second, role, command)) {
    // A policy without USING (an INSERT-only one) grants nothing to read or change.
    const std::string& expr = c->using_sql;
    if (expr.empty()) continue;
    (c->permissive ? permissive : restrictive).push_back(expr);
  }
  return Combine(permissive, restrictive);
}

std::optional<std::string> PolicySet::Using(std::string_view table, std::string_view role, Command command,
                                            std::string_view alias) const {
  if (alias.empty() || alias == table) return Using(table, role, command);
  if (native_ || BypassesPolicies(role)) return std::nullopt;
  auto it = tables_.find(table);
  if (it == tables_.end() || !it->second.enabled) return std::string("0");
  auto is_enum = [this](std::string_view schema, std::string_view name) {
    return (schema.empty() || schema == "public") &&
           std::find(enum_types_.begin(), enum_types_.end(), name) != enum_types_.end();
  };
  sql::RenderOptions options = OptionsFor(std::string(table), is_enum);
  options.row_alias = std::string(alias);
  std::vector<std::string> permissive, restrictive;
  for (const Compiled* c : Applicable(it->second, role, command)) {
    if (c->using_text.empty()) continue;
    auto rendered = Render(c->using_text, options);
    if (!rendered) return std::string("0");  // rendered once at load, so never; deny if so
    (c->permissive ? permissive : restrictive).push_back(std::move(*rendered));
  }
  return Combine(permissive, restrictive);
}

std::optional<std::string> PolicySet::Check(std::string_view table, std::string_view role, Command command) const {
  if (native_) return std::nullopt;
  return CompiledCheck(table, role, command);
}

std::optional<std::string> PolicySet::CompiledCheck(std::string_view table, std::string_view role,
                                                   Command command) const {
  if (BypassesPolicies(role)) return std::nullopt;
  auto it = tables_.find(table);
  if (it == tables_.end() || !it->second.enabled) return std::string("0");
  std::vector<std::string> permissive, restrictive;
  for (const Compiled* c : Applicable(it->second, role, command)) {
    const std::string& expr = c->check_sql.empty() ? c->using_sql : c->check_sql;
    if (expr.empty()) continue;
    (c->permissive ? permissive : restrictive).push_back(expr);
  }
  return Combine(permissive, restrictive);
}

}  // namespace tb::policy
