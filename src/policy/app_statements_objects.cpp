#include "policy/app_statements.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include "policy/helpers.h"
#include "policy/migration_schema.h"
#include "policy/policy_set.h"
#include "policy/sql/parser.h"
#include "policy/sql/render_sqlite.h"

namespace tb::policy::app {

using sql::TokenCursor;
using sql::TokenKind;

namespace {

// What the seed's trigger functions set, as the SET lists of the UPDATE an AFTER INSERT and
// an AFTER UPDATE trigger run; refuses other functions and tables without their columns.
Result<std::pair<std::string, std::string>> TriggerSets(const std::string& function_name,
                                                        const std::vector<std::string>& columns,
                                                        const std::string& table, const sql::Token& function_token) {
  auto has = [&](std::string_view column) { return std::find(columns.begin(), columns.end(), column) != columns.end(); };
  auto missing = [&](std::string_view field) {
    return Invalid("trigger function " + function_name + "() needs column \"" + std::string(field) + "\" in table \"" +
                   table + "\" " + sql::AtLine(function_token));
  };
  std::string insert_sets, update_sets;
  if (function_name == "kit.update_updated_at") {
    if (!has("updated_at")) return missing("updated_at");
    insert_sets = update_sets = "\"updated_at\" = now()";
  } else if (function_name == "kit.track_user_changes") {
    // As Makerkit's user tracking: the caller creates and updates; created_by never changes.
    if (!has("created_by") && !has("updated_by")) return missing("created_by");
    std::vector<std::string> on_insert_sets, on_update_sets;
    if (has("created_by")) {
      on_insert_sets.push_back("\"created_by\" = auth_uid()");
      // ON DELETE SET NULL is an update too: the NULL stays once the user named is gone.
      on_update_sets.push_back(
          "\"created_by\" = CASE WHEN OLD.\"created_by\" IS NULL "
          "OR EXISTS (SELECT 1 FROM auth_users WHERE id = OLD.\"created_by\") "
          "THEN OLD.\"created_by\" ELSE NEW.\"created_by\" END");
    }
    if (has("updated_by")) {
      on_insert_sets.push_back("\"updated_by\" = auth_uid()");
      on_update_sets.push_back("\"updated_by\" = (SELECT id FROM auth_users WHERE id = auth_uid())");
    }
    for (const auto& set : on_insert_sets) insert_sets += (insert_sets.empty() ? "" : ", ") + set;
    for (const auto& set : on_update_sets) update_sets += (update_sets.empty() ? "" : ", ") + set;
  } else {
    return Invalid("trigger function " + function_name +
                   "() is not available on SQLite (only kit.update_updated_at() and kit.track_user_changes()) " +
                   sql::AtLine(function_token));
  }
  return std::pair<std::string, std::string>{insert_sets, update_sets};
}

}  // namespace

// CREATE TRIGGER … BEFORE INSERT OR UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f(): the two
// trigger functions the seed provides, done by SQLite AFTER triggers that update the row
// just written (SQLite's BEFORE triggers cannot change NEW). The data API reads rows back
// after writing, so callers see the values as PostgreSQL would have stored them.
Status CreateKitTrigger(const StatementContext& ctx, TokenCursor& c) {
  const bool replace = c.AtWords({"create", "or", "replace"});
  c.Seek(replace ? 4 : 2);
  const sql::Token& start = c.Peek();
  auto name = c.Name();
  if (!name) return std::move(name).error();
  const bool before = c.AcceptWords({"before"});
  if (!before) return c.ErrorHere("unsupported construct " + Upper(c.Peek().text) + " trigger on SQLite (only BEFORE)");
  bool on_insert = false, on_update = false;
  do {
    if (c.AcceptWords({"insert"})) {
      on_insert = true;
    } else if (c.AcceptWords({"update"})) {
      on_update = true;
      if (c.AtWord("of")) return c.ErrorHere("unsupported construct UPDATE OF in a trigger on SQLite");
    } else {
      return c.ErrorHere("unsupported construct " + Upper(c.Peek().text) + " trigger event on SQLite");
    }
  } while (c.AcceptWords({"or"}));
  if (Status s = c.ExpectWord("on"); !s) return s;
  const sql::Token& table_token = c.Peek();
  auto written = c.QualifiedName();
  if (!written) return std::move(written).error();
  auto table = SqliteRelationName(written->first, written->second);
  if (!table) return std::move(table).error();
  if (SchemaObjectType(ctx.txn, *table) != "table") {
    return WithState(ErrorCode::kInvalidArgument, "42P01",
                     "relation \"" + written->second + "\" does not exist " + sql::AtLine(table_token));
  }
  if (!c.AcceptWords({"for", "each", "row"}) && !c.AcceptWords({"for", "row"})) {
    return c.ErrorHere("unsupported construct trigger other than FOR EACH ROW on SQLite");
  }
  if (c.AtWord("when")) return c.ErrorHere("unsupported construct WHEN in a trigger on SQLite");
  if (!c.AcceptWords({"execute", "function"}) && !c.AcceptWords({"execute", "procedure"})) return c.SyntaxErrorHere();
  const sql::Token& function_token = c.Peek();
  auto function = c.QualifiedName();
  if (!function) return std::move(function).error();
  if (!c.AcceptPunct('(') || !c.AcceptPunct(')') || !c.AtEnd()) return c.SyntaxErrorHere();
  const std::string function_name = (function->first.empty() ? "" : function->first + ".") + function->second;

  auto sets = TriggerSets(function_name, RelationColumns(ctx.txn, *table), *table, function_token);
  if (!sets) return std::move(sets).error();
  const auto& [insert_sets, update_sets] = *sets;
  const bool tracking = function_name == "kit.track_user_changes";
  const std::string quoted = sql::QuoteName(*table);
  const std::string flag_key = "table_name = " + sql::QuoteText(*table) + " AND row_id = NEW.rowid";
  std::vector<std::pair<std::string, std::string>> triggers;  // name, event
  if (on_insert) triggers.emplace_back(on_update ? *name + "_insert" : *name, "INSERT");
  if (on_update) triggers.emplace_back(on_insert ? *name + "_update" : *name, "UPDATE");
  for (const auto& [trigger, event] : triggers) {
    if (SchemaObjectType(ctx.txn, trigger) == "trigger") {
      if (!replace) {
        return WithState(ErrorCode::kAlreadyExists, "42710",
                         "trigger \"" + *name + "\" for relation \"" + *table + "\" already exists " + sql::AtLine(start));
      }
      if (Status s = Execute(ctx.txn, "DROP TRIGGER " + sql::QuoteName(trigger)); !s) return s;
    }
    const bool insert = event == "INSERT";
    std::string body = "UPDATE " + quoted + " SET " + (insert ? insert_sets : update_sets) + " WHERE rowid = NEW.rowid;";
    std::string when;
    if (tracking && insert) {
      // The update that sets created_by is not a client's update: see kit_tracked_inserts.
      body = "INSERT OR IGNORE INTO kit_tracked_inserts (table_name, row_id) VALUES (" + sql::QuoteText(*table) +
             ", NEW.rowid); " + body + " DELETE FROM kit_tracked_inserts WHERE " + flag_key + ";";
    } else if (tracking) {
      when = " WHEN NOT EXISTS (SELECT 1 FROM kit_tracked_inserts WHERE " + flag_key + ")";
    }
    const std::string sql = "CREATE TRIGGER " + sql::QuoteName(trigger) + " AFTER " + event + " ON " + quoted +
                            " FOR EACH ROW" + when + " BEGIN " + body + " END";
    if (Status s = Execute(ctx.txn, sql); !s) return s;
  }
  return Ok();
}

// CREATE [OR REPLACE] VIEW v WITH (security_invoker = true) AS SELECT …: a SQLite view of
// the same SELECT, rendered for SQLite over SQLite's table names. The data API reads it
// with the caller's rights (PolicySet::ViewSql), never as stored.
Status CreateInvokerView(const StatementContext& ctx, TokenCursor& c) {
  const bool replace = c.AtWords({"create", "or", "replace"});
  c.Seek(replace ? 4 : 2);
  const sql::Token& name_token = c.Peek();
  auto name = c.QualifiedName();
  if (!name) return std::move(name).error();
  if (!name->first.empty() && name->first != "public") {
    return Invalid("app migrations create views in schema public only, not " + name->first + " " +
                   sql::AtLine(name_token));
  }
  if (c.AtPunct('(')) return c.ErrorHere("unsupported construct view column list on SQLite (use AS aliases)");
  bool invoker = false;
  if (c.AcceptWords({"with"})) {
    if (Status s = c.ExpectPunct('('); !s) return s;
    do {
      auto option = c.Name();
      if (!option) return std::move(option).error();
      std::string value = "true";
      if (c.Peek().kind == TokenKind::kOperator && c.Peek().text == "=") {
        c.Take();
        value = c.Take().text;
        for (char& ch : value) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      }
      if (*option == "security_invoker") invoker = value == "true" || value == "on" || value == "1" || value == "yes";
    } while (c.AcceptPunct(','));
    if (Status s = c.ExpectPunct(')'); !s) return s;
  }
  if (!invoker) {
    return Invalid("views must be created WITH (security_invoker = true) (the seed: \"Always use security invoker "
                   "for views\"); a view with its owner's rights would read past row-level security " +
                   sql::AtLine(name_token));
  }
  if (Status s = c.ExpectWord("as"); !s) return s;
  std::size_t end = c.position();
  while (c.At(end).kind != TokenKind::kEnd) ++end;
  if (!c.AtWord("select")) return c.ErrorHere("unsupported construct view other than AS SELECT on SQLite");
  for (std::size_t i = c.position(); i + 1 < end; ++i) {
    if (IsKeyword(c.At(i), "with") && IsKeyword(c.At(i + 1), "check")) {
      return Invalid("unsupported construct WITH CHECK OPTION on SQLite " + sql::AtLine(c.At(i)));
    }
  }
  // Parsed as EXISTS (…), which keeps a subquery's whole select list; positioned so errors
  // name the file's lines.
  const sql::Token& first = c.Peek();
  std::string text = std::string(static_cast<std::size_t>(first.line - 1), '\n') + "EXISTS (" +
                     std::string(c.RawText(c.position(), end)) + ")";
  auto expr = sql::ParseExpression(text);
  if (!expr) return std::move(expr).error();
  sql::RenderOptions render;
  render.table = [&ctx](std::string_view schema, std::string_view table) -> Result<std::string> {
    auto sqlite = SqliteRelationName(schema, table);
    if (!sqlite) return sqlite;
    if (RelationColumns(ctx.txn, *sqlite).empty()) {
      return WithState(ErrorCode::kInvalidArgument, "42P01", "relation \"" + std::string(table) + "\" does not exist");
    }
    return sqlite;
  };
  render.function = [](std::string_view schema, std::string_view function, std::size_t arity) -> Result<std::string> {
    if ((schema.empty() || schema == "public") && FindHelper(function) != nullptr) return std::string(function);
    return DdlFunctionName(schema, function, arity);
  };
  render.is_enum_type = ctx.ddl.is_enum;
  auto rendered = sql::RenderSqlite(**expr, render);
  if (!rendered) return std::move(rendered).error();
  constexpr std::string_view kOpen = "(EXISTS (";
  std::string select = *rendered;
  if (select.starts_with(kOpen) && select.ends_with("))")) select = select.substr(kOpen.size(), select.size() - kOpen.size() - 2);
  const std::string existing = SchemaObjectType(ctx.txn, name->second);
  if (!existing.empty()) {
    if (!replace || existing != "view") {
      return WithState(ErrorCode::kAlreadyExists, "42P07", "relation \"" + name->second + "\" already exists");
    }
    if (Status s = Execute(ctx.txn, "DROP VIEW " + sql::QuoteName(name->second)); !s) return s;
  }
  if (Status s = Execute(ctx.txn, "CREATE VIEW " + sql::QuoteName(name->second) + " AS " + select); !s) return s;
  // Resolve its columns now, so a view SQLite cannot read fails its migration.
  auto probe = ctx.txn.Query("SELECT * FROM " + sql::QuoteName(name->second) + " LIMIT 0");
  if (!probe) return std::move(probe).error();
  return Ok();
}

}  // namespace tb::policy::app

namespace tb::policy::app {

namespace {

// The triggers that make `table` publish its changes to kit_realtime_changes (migration
// 0017): the row's image with JSON columns as JSON, and its primary key as text.
Status PublishTable(const StatementContext& ctx, const std::string& table, const sql::Token& at) {
  const store::Value name[] = {store::Value::Text(table)};
  auto info = ctx.txn.Query("SELECT name, lower(type), pk FROM pragma_table_info($1) ORDER BY cid", name);
  if (!info) return std::move(info).error();
  if (info->rows.empty()) {
    return WithState(ErrorCode::kInvalidArgument, "42P01", "relation \"" + table + "\" does not exist " + sql::AtLine(at));
  }
  std::vector<std::pair<int64_t, std::string>> keys;
  for (const auto& row : info->rows) {
    if (row[2].as_int() > 0) keys.emplace_back(row[2].as_int(), row[0].as_text());
  }
  if (keys.empty()) return Invalid("table \"" + table + "\" needs a primary key to publish its changes " + sql::AtLine(at));
  std::sort(keys.begin(), keys.end());
  auto image = [&](const char* row) {
    std::string out = "json_object(";
    for (size_t i = 0; i < info->rows.size(); ++i) {
      const std::string column = info->rows[i][0].as_text();
      const std::string type = info->rows[i][1].as_text();
      const std::string value = std::string(row) + "." + sql::QuoteName(column);
      out += (i ? ", " : "") + sql::QuoteText(column) + ", " +
             (type == "json" || type == "jsonb" ? "json(" + value + ")" : value);
    }
    return out + ")";
  };
  auto key = [&](const char* row) {
    if (keys.size() == 1) return "CAST(" + std::string(row) + "." + sql::QuoteName(keys[0].second) + " AS TEXT)";
    std::string out = "json_array(";
    for (size_t i = 0; i < keys.size(); ++i) out += (i ? ", " : "") + std::string(row) + "." + sql::QuoteName(keys[i].second);
    return out + ")";
  };
  for (const char* op : {"INSERT", "UPDATE", "DELETE"}) {
    const char* row = std::string_view(op) == "DELETE" ? "OLD" : "NEW";
    std::string lower(op);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
    const std::string trigger = sql::QuoteName(table + "_realtime_" + lower);
    if (Status s = Execute(ctx.txn, "DROP TRIGGER IF EXISTS " + trigger); !s) return s;
    if (Status s = Execute(ctx.txn, "CREATE TRIGGER " + trigger + " AFTER " + op + " ON " + sql::QuoteName(table) +
                                        " FOR EACH ROW BEGIN INSERT INTO kit_realtime_changes (table_name, op, pk, image) "
                                        "VALUES (" + sql::QuoteText(table) + ", '" + op + "', " + key(row) + ", " +
                                        image(row) + "); END");
        !s) {
      return s;
    }
  }
  return Execute(ctx.txn, "INSERT INTO kit_realtime_tables (name) VALUES (" + sql::QuoteText(table) + ") ON CONFLICT DO NOTHING");
}

Status UnpublishTable(const StatementContext& ctx, const std::string& table) {
  for (const char* op : {"insert", "update", "delete"}) {
    if (Status s = Execute(ctx.txn, "DROP TRIGGER IF EXISTS " + sql::QuoteName(table + "_realtime_" + op)); !s) return s;
  }
  return Execute(ctx.txn, "DELETE FROM kit_realtime_tables WHERE name = " + sql::QuoteText(table));
}

}  // namespace

Status AlterPublication(const StatementContext& ctx, TokenCursor& c) {
  c.Seek(2);
  const sql::Token& name_token = c.Peek();
  auto publication = c.Name();
  if (!publication) return std::move(publication).error();
  if (*publication != "supabase_realtime") {
    return Invalid("only the supabase_realtime publication exists here (realtime changes) " + sql::AtLine(name_token));
  }
  const bool add = c.AcceptWords({"add", "table"});
  if (!add && !c.AcceptWords({"drop", "table"})) {
    return Invalid("ALTER PUBLICATION supabase_realtime takes ADD TABLE or DROP TABLE " + sql::AtLine(name_token));
  }
  c.AcceptWords({"only"});
  do {
    const sql::Token& table_token = c.Peek();
    std::vector<std::string> parts;
    do {
      auto part = c.Name();
      if (!part) return std::move(part).error();
      parts.push_back(std::move(*part));
    } while (c.AcceptPunct('.'));
    if (parts.size() > 2) return Invalid("syntax error " + sql::AtLine(table_token));
    if (parts.size() == 2 && parts[0] != "public") {
      return Invalid("only tables of the public schema publish changes " + sql::AtLine(table_token));
    }
    auto table = SqliteRelationName(parts.size() == 2 ? parts[0] : "", parts.back());
    if (!table) return std::move(table).error();
    if (Status s = add ? PublishTable(ctx, *table, table_token) : UnpublishTable(ctx, *table); !s) return s;
  } while (c.AcceptPunct(','));
  if (!c.AtEnd()) return c.SyntaxErrorHere();
  return Ok();
}

}  // namespace tb::policy::app
