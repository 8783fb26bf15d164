#include "policy/app_statements.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include "policy/migration_schema.h"
#include "policy/policy_set.h"
#include "policy/sql/parser.h"
#include "policy/sql/render_sqlite.h"

namespace tb::policy::app {

using sql::TokenCursor;
using sql::TokenKind;
using store::Value;

Error Invalid(std::string message) { return Error::Make(ErrorCode::kInvalidArgument, std::move(message)); }

Error WithState(ErrorCode code, std::string sqlstate, std::string message) {
  Error e = Error::Make(code, std::move(message));
  e.sqlstate = std::move(sqlstate);
  return e;
}

std::string Upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

Status Execute(store::Transaction& txn, const std::string& sql) {
  auto done = txn.Execute(sql);
  if (!done) return std::move(done).error();
  return Ok();
}

// CREATE TYPE name AS ENUM ('a', 'b', …): rows of kit_enum_values, in order.
Result<std::string> CreateEnumType(const StatementContext& ctx, TokenCursor& c) {
  c.Seek(2);
  const sql::Token& name_token = c.Peek();
  auto name = c.QualifiedName();
  if (!name) return std::move(name).error();
  if (!name->first.empty() && name->first != "public") {
    return Invalid("app migrations create types in schema public only, not " + name->first + " " + sql::AtLine(name_token));
  }
  if (!c.AcceptWords({"as", "enum"})) {
    return c.ErrorHere("unsupported construct CREATE TYPE other than AS ENUM on SQLite");
  }
  if (ctx.ddl.is_enum("", name->second)) {
    return WithState(ErrorCode::kAlreadyExists, "42710", "type \"" + name->second + "\" already exists");
  }
  if (Status s = c.ExpectPunct('('); !s) return std::move(s).error();
  std::vector<std::string> labels;
  while (!c.AtPunct(')')) {
    if (c.Peek().kind != TokenKind::kString) return c.SyntaxErrorHere();
    labels.push_back(c.Take().text);
    if (!c.AcceptPunct(',')) break;
  }
  if (Status s = c.ExpectPunct(')'); !s) return std::move(s).error();
  if (!c.AtEnd()) return c.SyntaxErrorHere();
  if (labels.empty()) return Invalid("an enum type needs at least one value on SQLite " + sql::AtLine(name_token));
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const Value params[] = {Value::Text(name->second), Value::Text(labels[i]), Value::Int(static_cast<int64_t>(i + 1))};
    auto inserted = ctx.txn.Execute("INSERT INTO kit_enum_values (type_name, value, sort_order) VALUES ($1, $2, $3)", params);
    if (!inserted) {
      if (inserted.error().sqlstate == "23505") {
        return WithState(ErrorCode::kAlreadyExists, "42710", "enum label \"" + labels[i] + "\" used more than once");
      }
      return std::move(inserted).error();
    }
  }
  return name->second;
}

// ALTER TYPE name ADD VALUE [IF NOT EXISTS] 'v' [BEFORE | AFTER 'w'].
Result<AddedEnumValue> AddEnumValue(const StatementContext& ctx, TokenCursor& c) {
  c.Seek(2);
  auto name = c.QualifiedName();
  if (!name) return std::move(name).error();
  if (!c.AcceptWords({"add", "value"})) return c.ErrorHere("unsupported construct ALTER TYPE other than ADD VALUE on SQLite");
  const bool if_not_exists = c.AcceptWords({"if", "not", "exists"});
  if (c.Peek().kind != TokenKind::kString) return c.SyntaxErrorHere();
  const std::string label = c.Take().text;
  std::string neighbour;
  const bool before = c.AtWord("before"), after = c.AtWord("after");
  if (before || after) {
    c.Take();
    if (c.Peek().kind != TokenKind::kString) return c.SyntaxErrorHere();
    neighbour = c.Take().text;
  }
  if (!c.AtEnd()) return c.SyntaxErrorHere();
  if (!ctx.ddl.is_enum(name->first, name->second)) {
    return WithState(ErrorCode::kNotFound, "42704", "type \"" + name->second + "\" does not exist");
  }
  const Value label_params[] = {Value::Text(name->second), Value::Text(label)};
  auto exists = ctx.txn.Query("SELECT 1 FROM kit_enum_values WHERE type_name = $1 AND value = $2", label_params);
  if (!exists) return std::move(exists).error();
  if (!exists->rows.empty()) {
    if (if_not_exists) return AddedEnumValue{};
    return WithState(ErrorCode::kAlreadyExists, "42710", "enum label \"" + label + "\" already exists");
  }
  int64_t position = 0;
  if (!neighbour.empty()) {
    const Value params[] = {Value::Text(name->second), Value::Text(neighbour)};
    auto at = ctx.txn.Query("SELECT sort_order FROM kit_enum_values WHERE type_name = $1 AND value = $2", params);
    if (!at) return std::move(at).error();
    if (at->rows.empty()) {
      return WithState(ErrorCode::kInvalidArgument, "22023", "\"" + neighbour + "\" is not an existing enum label");
    }
    position = at->rows[0][0].as_int() + (after ? 1 : 0);
    const Value shift[] = {Value::Text(name->second), Value::Int(position)};
    auto shifted = ctx.txn.Execute(
        "UPDATE kit_enum_values SET sort_order = sort_order + 1 WHERE type_name = $1 AND sort_order >= $2", shift);
    if (!shifted) return std::move(shifted).error();
  } else {
    const Value params[] = {Value::Text(name->second)};
    auto last = ctx.txn.Query("SELECT coalesce(max(sort_order), 0) + 1 FROM kit_enum_values WHERE type_name = $1", params);
    if (!last) return std::move(last).error();
    position = last->rows[0][0].as_int();
  }
  const Value params[] = {Value::Text(name->second), Value::Text(label), Value::Int(position)};
  auto inserted = ctx.txn.Execute("INSERT INTO kit_enum_values (type_name, value, sort_order) VALUES ($1, $2, $3)", params);
  if (!inserted) return std::move(inserted).error();
  return AddedEnumValue{name->second, label};
}

// INSERT INTO t [(columns)] VALUES (…), (…) [ON CONFLICT [(columns)] DO NOTHING].
Status InsertValues(const StatementContext& ctx, TokenCursor& c) {
  c.Seek(2);
  const sql::Token& table_token = c.Peek();
  auto name = c.QualifiedName();
  if (!name) return std::move(name).error();
  auto table = SqliteRelationName(name->first, name->second);
  if (!table) return std::move(table).error();
  const std::vector<std::string> available = RelationColumns(ctx.txn, *table);
  const std::string written = name->first.empty() ? name->second : name->first + "." + name->second;
  if (available.empty() || SchemaObjectType(ctx.txn, *table) != "table") {
    return WithState(ErrorCode::kInvalidArgument, "42P01",
                     "relation \"" + written + "\" does not exist " + sql::AtLine(table_token));
  }
  std::string sql = "INSERT INTO " + sql::QuoteName(*table);
  if (c.AcceptPunct('(')) {
    std::string columns;
    do {
      const sql::Token& column_token = c.Peek();
      auto column = c.Name();
      if (!column) return std::move(column).error();
      if (std::find(available.begin(), available.end(), *column) == available.end()) {
        return Invalid("column \"" + *column + "\" of relation \"" + written + "\" does not exist " +
                       sql::AtLine(column_token));
      }
      columns += (columns.empty() ? "" : ", ") + sql::QuoteName(*column);
    } while (c.AcceptPunct(','));
    if (Status s = c.ExpectPunct(')'); !s) return s;
    sql += " (" + columns + ")";
  }
  if (!c.AcceptWords({"values"})) {
    return c.ErrorHere("unsupported construct INSERT other than INSERT ... VALUES on SQLite");
  }
  sql::RenderOptions render;
  render.table = ctx.ddl.relation;
  render.function = ctx.ddl.function;
  render.is_enum_type = ctx.ddl.is_enum;
  std::string rows;
  do {
    if (!c.AtPunct('(')) return c.SyntaxErrorHere();
    const std::size_t close = c.MatchingClose(c.position());
    if (c.At(close).kind == TokenKind::kEnd) return c.SyntaxErrorHere();
    std::string values;
    for (std::size_t begin = c.position() + 1; begin < close;) {
      const std::size_t end = std::min(close, c.FindTopLevel(begin, [&](const sql::Token& t) {
        return t.offset == c.At(close).offset || (t.kind == TokenKind::kPunctuation && t.text == ",");
      }));
      auto expr = sql::ParseExpression(c.Text(begin, end));
      if (!expr) return std::move(expr).error();
      auto rendered = sql::RenderSqlite(**expr, render);
      if (!rendered) {
        Error e = std::move(rendered).error();
        if (e.message.find(" at line ") == std::string::npos) e.message += " " + sql::AtLine(c.At(begin));
        return e;
      }
      values += (values.empty() ? "" : ", ") + *rendered;
      begin = end + 1;
    }
    rows += (rows.empty() ? "(" : ", (") + values + ")";
    c.Seek(close + 1);
  } while (c.AcceptPunct(','));
  sql += " VALUES " + rows;
  if (c.AcceptWords({"on", "conflict"})) {
    if (c.AtPunct('(')) c.Seek(c.MatchingClose(c.position()) + 1);
    if (!c.AcceptWords({"do", "nothing"})) {
      return c.ErrorHere("unsupported construct ON CONFLICT other than DO NOTHING on SQLite");
    }
    sql += " ON CONFLICT DO NOTHING";
  }
  if (!c.AtEnd()) {
    if (c.AtWord("returning")) return c.ErrorHere("unsupported construct RETURNING in a migration");
    return c.SyntaxErrorHere();
  }
  return Execute(ctx.txn, sql);
}

// COMMENT ON {TABLE | VIEW | COLUMN} name IS 'text' | NULL; other objects: accepted.
Status CommentOn(const StatementContext& ctx, TokenCursor& c) {
  c.Seek(2);
  const bool column = c.AtWord("column");
  if (!column && !c.AtWord("table") && !c.AtWord("view")) return Ok();
  const std::string kind = c.Take().text;
  const sql::Token& name_token = c.Peek();
  std::vector<std::string> parts;
  do {
    auto part = c.Name();
    if (!part) return std::move(part).error();
    parts.push_back(std::move(*part));
  } while (c.AcceptPunct('.'));
  if (!c.AcceptWords({"is"})) return c.SyntaxErrorHere();
  std::optional<std::string> text;
  if (c.Peek().kind == TokenKind::kString) {
    text = c.Take().text;
  } else if (!c.AcceptWords({"null"})) {
    return c.SyntaxErrorHere();
  }
  if (!c.AtEnd()) return c.SyntaxErrorHere();
  const std::size_t relation_parts = column ? parts.size() - 1 : parts.size();
  if (relation_parts < 1 || relation_parts > 2) return Invalid("syntax error " + sql::AtLine(name_token));
  auto relation = SqliteRelationName(relation_parts == 2 ? parts[0] : "", parts[relation_parts - 1]);
  if (!relation) return std::move(relation).error();
  const std::vector<std::string> columns = RelationColumns(ctx.txn, *relation);
  if (columns.empty()) {
    return WithState(ErrorCode::kInvalidArgument, "42P01",
                     "relation \"" + parts[relation_parts - 1] + "\" does not exist " + sql::AtLine(name_token));
  }
  std::string object = *relation;
  if (column) {
    if (std::find(columns.begin(), columns.end(), parts.back()) == columns.end()) {
      return WithState(ErrorCode::kInvalidArgument, "42703",
                       "column \"" + parts.back() + "\" of relation \"" + *relation + "\" does not exist " +
                           sql::AtLine(name_token));
    }
    object += "." + parts.back();
  }
  const Value params[] = {Value::Text(column ? "column" : kind), Value::Text(object),
                          text ? Value::Text(*text) : Value::Null()};
  auto done = text ? ctx.txn.Execute("INSERT INTO kit_comments (object_type, object_name, comment) VALUES ($1, $2, $3) "
                                  "ON CONFLICT (object_type, object_name) DO UPDATE SET comment = excluded.comment",
                                  params)
                   : ctx.txn.Execute("DELETE FROM kit_comments WHERE object_type = $1 AND object_name = $2",
                                  std::span<const Value>(params, 2));
  if (!done) return std::move(done).error();
  return Ok();
}

}  // namespace tb::policy::app
