#include "policy/sql/ddl_sqlite.h"

#include <algorithm>

#include "policy/sql/parser.h"
#include "policy/sql/render_sqlite.h"

namespace tb::policy::sql {

namespace {

Error Invalid(std::string message) { return Error::Make(ErrorCode::kInvalidArgument, std::move(message)); }

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& part : parts) out += (out.empty() ? "" : ", ") + part;
  return out;
}

}  // namespace

Result<IndexDdl> TranslateCreateIndex(TokenCursor& c, const DdlOptions& options) {
  c.Take();  // CREATE
  const bool unique = c.AcceptWords({"unique"});
  if (Status s = c.ExpectWord("index"); !s) return std::move(s).error();
  c.AcceptWords({"concurrently"});  // SQLite builds it in the migration's transaction anyway
  IndexDdl out;
  out.if_not_exists = c.AcceptWords({"if", "not", "exists"});
  if (!c.AtWord("on")) {
    auto name = c.Name();
    if (!name) return std::move(name).error();
    out.name = std::move(*name);
  }
  if (Status s = c.ExpectWord("on"); !s) return std::move(s).error();
  c.AcceptWords({"only"});
  const Token& table_token = c.Peek();
  auto written = c.QualifiedName();
  if (!written) return std::move(written).error();
  auto table = options.relation(written->first, written->second);
  if (!table) return std::move(table).error();
  const std::vector<std::string> columns = options.columns(*table);
  if (columns.empty()) return Invalid("relation \"" + written->second + "\" does not exist " + AtLine(table_token));
  if (c.AcceptWords({"using"})) {
    const Token& method = c.Peek();
    auto name = c.Name();
    if (!name) return std::move(name).error();
    if (*name != "btree" && *name != "hash") {
      return Invalid("index method " + *name + " is not available on SQLite (only btree) " + AtLine(method));
    }
  }
  RenderOptions render;
  render.table = options.relation;
  render.function = options.function;
  render.is_enum_type = options.is_enum;
  render.policy_table = *table;
  if (!c.AtPunct('(')) return c.SyntaxErrorHere();
  const std::size_t close = c.MatchingClose(c.position());
  if (c.At(close).kind == TokenKind::kEnd) return Invalid("syntax error at end of input " + AtLine(c.At(close)));
  std::vector<std::string> keys, key_names;
  for (std::size_t begin = c.position() + 1; begin < close;) {
    std::size_t end = std::min(close, c.FindTopLevel(begin, [&](const Token& t) {
      return t.offset == c.At(close).offset || (t.kind == TokenKind::kPunctuation && t.text == ",");
    }));
    std::size_t last = end;
    std::string order;
    if (last - begin > 2 && IsKeyword(c.At(last - 2), "nulls")) last -= 2;  // an index's NULL order changes no result
    if (last - begin > 1 && (IsKeyword(c.At(last - 1), "asc") || IsKeyword(c.At(last - 1), "desc"))) {
      order = IsKeyword(c.At(last - 1), "desc") ? " DESC" : " ASC";
      --last;
    }
    const Token& first = c.At(begin);
    if (last - begin == 1 && (first.kind == TokenKind::kIdentifier || first.kind == TokenKind::kQuotedIdentifier)) {
      if (std::find(columns.begin(), columns.end(), first.text) == columns.end()) {
        return Invalid("column \"" + first.text + "\" does not exist " + AtLine(first));
      }
      keys.push_back(QuoteName(first.text) + order);
      key_names.push_back(first.text);
    } else {
      auto expr = ParseExpression(c.Text(begin, last));
      if (!expr) return std::move(expr).error();
      auto sql = RenderSqlite(**expr, render);
      if (!sql) return Positioned(std::move(sql).error(), first);
      keys.push_back("(" + *sql + ")" + order);
      key_names.push_back("expr");
    }
    begin = end + 1;
  }
  c.Seek(close + 1);
  if (c.AtWord("include") || c.AtWords({"nulls", "not"}) || c.AtWord("with") || c.AtWord("tablespace")) {
    return c.ErrorHere("unsupported construct " + c.Peek().text + " in CREATE INDEX on SQLite");
  }
  c.AcceptWords({"nulls", "distinct"});
  std::string where;
  if (c.AcceptWords({"where"})) {
    std::size_t end = c.position();
    while (c.At(end).kind != TokenKind::kEnd) ++end;
    auto expr = ParseExpression(c.Text(c.position(), end));
    if (!expr) return std::move(expr).error();
    auto sql = RenderSqlite(**expr, render);
    if (!sql) return Positioned(std::move(sql).error(), c.Peek());
    where = " WHERE " + *sql;
    c.Seek(end);
  }
  if (!c.AtEnd()) return c.SyntaxErrorHere();
  if (out.name.empty()) {
    out.name = *table;
    for (const std::string& key : key_names) out.name += "_" + key;
    out.name += "_idx";
  }
  out.create = std::string("CREATE ") + (unique ? "UNIQUE " : "") + "INDEX " + (out.if_not_exists ? "IF NOT EXISTS " : "") +
               QuoteName(out.name) + " ON " + QuoteName(*table) + " (" + Join(keys) + ")" + where;
  return out;
}

std::string QuoteName(std::string_view name) {
  std::string out = "\"";
  for (char ch : name) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

std::string QuoteText(std::string_view text) {
  std::string out = "'";
  for (char ch : text) {
    if (ch == '\'') out += '\'';
    out += ch;
  }
  return out + "'";
}

}  // namespace tb::policy::sql
