// The parser: SELECT subqueries (EXISTS, IN, scalar subqueries).

#include "policy/sql/parser_impl.h"

namespace tb::policy::sql::internal {

// ---- SELECT --------------------------------------------------------------------------

// Fails on what may follow a SELECT's clauses that we do not support.
bool Parser::Refuse(const Token& t) {
  static const std::pair<std::string_view, std::string_view> kRefused[] = {
      {"union", "UNION"}, {"intersect", "INTERSECT"}, {"except", "EXCEPT"}, {"fetch", "FETCH"},
      {"for", "locking clause (FOR ...)"}, {"window", "WINDOW"}, {"into", "SELECT INTO"}};
  for (const auto& [word, what] : kRefused) {
    if (IsKeyword(t, word)) return Fail(Unsupported(std::string(what), t));
  }
  return true;
}

SelectPtr Parser::SelectStatement() {
  DepthScope scope(depth_);
  if (!scope.Deeper()) return Fail(TooDeep(Peek()));
  Take();  // SELECT
  auto select = std::make_unique<Select>();
  if (AcceptKeyword("distinct")) {
    if (AtKeyword("on")) return Fail(Unsupported("DISTINCT ON", Peek()));
    select->distinct = true;
  } else {
    AcceptKeyword("all");
  }
  if (!SelectItems(*select) || !Refuse(Peek())) return nullptr;
  if (AcceptKeyword("from") && !FromClause(*select)) return nullptr;
  if (AcceptKeyword("where") && !(select->where = Expression())) return nullptr;
  if (AcceptKeyword("group")) {
    if (!ExpectKeyword("by")) return nullptr;
    auto keys = ExpressionList('\0');
    if (!keys) return nullptr;
    select->group_by = std::move(*keys);
  }
  if (AcceptKeyword("having") && !(select->having = Expression())) return nullptr;
  if (!Refuse(Peek())) return nullptr;
  if (AcceptKeyword("order") && !OrderBy(*select)) return nullptr;
  bool limit_seen = false, offset_seen = false;  // PostgreSQL takes them in either order
  for (;;) {
    if (!limit_seen && AcceptKeyword("limit")) {
      limit_seen = true;
      if (AcceptKeyword("all")) continue;
      if (!(select->limit = Expression())) return nullptr;
    } else if (!offset_seen && AcceptKeyword("offset")) {
      offset_seen = true;
      if (!(select->offset = Expression())) return nullptr;
      if (!AcceptKeyword("rows")) AcceptKeyword("row");
    } else {
      break;
    }
  }
  if (!Refuse(Peek())) return nullptr;
  return select;
}

bool Parser::SelectItems(Select& select) {
  if (AtKeyword("from")) return true;  // PostgreSQL allows none: EXISTS (SELECT FROM t …)
  do {
    SelectItem item;
    // `*`, `t.*`, `schema.t.*`
    std::size_t words = 0;
    while (IsWord(Peek(2 * words)) && AtPunct('.', 2 * words + 1)) ++words;
    if (words <= 2 && AtOperator("*", 2 * words)) {
      for (std::size_t i = 0; i < words; ++i) {
        item.star_qualifier.push_back(Take().text);
        Take();
      }
      Take();
      select.items.push_back(std::move(item));
      continue;
    }
    item.expr = Expression();
    if (!item.expr) return false;
    if (AcceptKeyword("as")) {
      if (!IsWord(Peek())) return Fail(SyntaxError(Peek()));
      item.alias = Take().text;
    } else if (IsNameToken(Peek())) {
      item.alias = Take().text;
    }
    select.items.push_back(std::move(item));
  } while (AcceptPunct(','));
  return true;
}

bool Parser::FromClause(Select& select) {
  auto first = TableReference(JoinKind::kComma);
  if (!first) return false;
  select.from.push_back(std::move(*first));
  for (;;) {
    const Token& t = Peek();
    JoinKind kind = JoinKind::kComma;
    if (AcceptPunct(',')) {
      kind = JoinKind::kComma;
    } else if (IsKeyword(t, "cross") && AtKeyword("join", 1)) {
      Skip(2);
    } else if (IsKeyword(t, "join") || (IsKeyword(t, "inner") && AtKeyword("join", 1))) {
      Skip(IsKeyword(t, "inner") ? 2 : 1);
      kind = JoinKind::kInner;
    } else if (IsKeyword(t, "left")) {
      Take();
      AcceptKeyword("outer");
      if (!ExpectKeyword("join")) return false;
      kind = JoinKind::kLeft;
    } else if (IsKeyword(t, "right") || IsKeyword(t, "full") || IsKeyword(t, "natural")) {
      return Fail(Unsupported(Upper(t.text) + " JOIN", t));
    } else {
      return true;
    }
    auto item = TableReference(kind);
    if (!item) return false;
    if (kind != JoinKind::kComma) {
      if (AtKeyword("using")) return Fail(Unsupported("JOIN ... USING", Peek()));
      if (!ExpectKeyword("on") || !(item->on = Expression())) return false;
    }
    select.from.push_back(std::move(*item));
  }
}

std::optional<FromItem> Parser::TableReference(JoinKind join) {
  const Token& start = Peek();
  if (AtPunct('(')) return Fail(Unsupported("subquery in FROM", start));
  if (AtKeyword("lateral")) return Fail(Unsupported("LATERAL", start));
  AcceptKeyword("only");  // no table inheritance on SQLite: ONLY changes nothing
  FromItem item;
  item.join = join;
  item.line = Peek().line;
  item.column = Peek().column;
  auto table = TableName();
  if (!table) return std::nullopt;
  if (AtPunct('(')) return Fail(Unsupported("function in FROM", start));
  item.table = std::move(*table);
  if (AcceptKeyword("as")) {
    auto alias = Name();
    if (!alias) return std::nullopt;
    item.alias = std::move(*alias);
  } else if (IsNameToken(Peek())) {
    item.alias = Take().text;
  }
  if (AtPunct('(')) return Fail(Unsupported("column alias list", Peek()));
  return item;
}

bool Parser::OrderBy(Select& select) {
  if (!ExpectKeyword("by")) return false;
  do {
    OrderItem item;
    item.expr = Expression();
    if (!item.expr) return false;
    if (AtKeyword("using")) return Fail(Unsupported("ORDER BY ... USING", Peek()));
    item.descending = AcceptKeyword("desc");
    if (!item.descending) AcceptKeyword("asc");
    if (AcceptKeyword("nulls")) {
      if (AcceptKeyword("first")) {
        item.nulls = NullsOrder::kFirst;
      } else if (AcceptKeyword("last")) {
        item.nulls = NullsOrder::kLast;
      } else {
        return Fail(SyntaxError(Peek()));
      }
    }
    select.order_by.push_back(std::move(item));
  } while (AcceptPunct(','));
  return true;
}

}  // namespace tb::policy::sql::internal
