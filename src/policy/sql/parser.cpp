#include "policy/sql/parser.h"

#include "policy/sql/parser_impl.h"

namespace tb::policy::sql {

namespace internal {

// ---- expressions ---------------------------------------------------------------------

ExprPtr Parser::Expression() {
  DepthScope scope(depth_);
  if (!scope.Deeper()) return Fail(TooDeep(Peek()));
  return Climb(0);
}

Infix Parser::NextInfix() const {
  using Kind = Infix::Kind;
  struct Entry {
    std::string_view text;
    int level;
    BinaryOp op;
  };
  static constexpr Entry kOperators[] = {
      {"=", kComparisonLevel, BinaryOp::kEq},     {"<>", kComparisonLevel, BinaryOp::kNotEq},
      {"!=", kComparisonLevel, BinaryOp::kNotEq}, {"<", kComparisonLevel, BinaryOp::kLt},
      {">", kComparisonLevel, BinaryOp::kGt},     {"<=", kComparisonLevel, BinaryOp::kLe},
      {">=", kComparisonLevel, BinaryOp::kGe},    {"||", kOtherLevel, BinaryOp::kConcat},
      {"->", kOtherLevel, BinaryOp::kJsonGet},    {"->>", kOtherLevel, BinaryOp::kJsonGetText},
      {"@>", kOtherLevel, BinaryOp::kContains},   {"<@", kOtherLevel, BinaryOp::kContainedBy},
      {"~~", kOtherLevel, BinaryOp::kLike},       {"~~*", kOtherLevel, BinaryOp::kILike},
      {"!~~", kOtherLevel, BinaryOp::kNotLike},   {"!~~*", kOtherLevel, BinaryOp::kNotILike},
      {"+", kAdditiveLevel, BinaryOp::kAdd},      {"-", kAdditiveLevel, BinaryOp::kSub},
      {"*", kMultiplicativeLevel, BinaryOp::kMul}, {"/", kMultiplicativeLevel, BinaryOp::kDiv},
      {"%", kMultiplicativeLevel, BinaryOp::kMod}};
  const Token& t = Peek();
  if (t.kind == TokenKind::kOperator) {
    for (const Entry& e : kOperators) {
      if (t.text == e.text) return {Kind::kBinary, e.level, e.op};
    }
    return {Kind::kRefused, kMultiplicativeLevel};  // ~, ^, #>, && …: known to the lexer, not to us
  }
  if (t.kind != TokenKind::kIdentifier) return {};
  if (t.text == "or") return {Kind::kBinary, kOrLevel, BinaryOp::kOr};
  if (t.text == "and") return {Kind::kBinary, kAndLevel, BinaryOp::kAnd};
  if (t.text == "is") return {Kind::kIs, kIsLevel};
  if (t.text == "isnull") return {Kind::kIsNull, kIsLevel};
  if (t.text == "notnull") return {Kind::kIsNull, kIsLevel, BinaryOp::kAnd, true};
  const bool negated = t.text == "not";
  const Token& word = Peek(negated ? 1 : 0);
  if (IsKeyword(word, "like")) {
    return {Kind::kLike, kLikeInLevel, negated ? BinaryOp::kNotLike : BinaryOp::kLike, negated};
  }
  if (IsKeyword(word, "ilike")) {
    return {Kind::kLike, kLikeInLevel, negated ? BinaryOp::kNotILike : BinaryOp::kILike, negated};
  }
  if (IsKeyword(word, "in")) return {Kind::kIn, kLikeInLevel, BinaryOp::kAnd, negated};
  if (IsKeyword(word, "between")) return {Kind::kBetween, kLikeInLevel, BinaryOp::kAnd, negated};
  if (IsKeyword(word, "similar")) return {Kind::kRefused, kLikeInLevel};
  return {};
}

// Precedence climbing: an operand, then every infix operator binding at least `min_level`.
// Comparisons and LIKE/IN/BETWEEN do not chain (a = b = c is an error), as in PostgreSQL.
ExprPtr Parser::Climb(int min_level) {
  ExprPtr left = Prefix();
  if (!left) return nullptr;
  DepthScope scope(depth_);
  for (;;) {
    const Infix infix = NextInfix();
    if (infix.kind == Infix::Kind::kNone || infix.level < min_level) return left;
    const Token& op = Peek();
    if (infix.kind == Infix::Kind::kRefused) {
      const Token& word = IsKeyword(op, "not") ? Peek(1) : op;
      return Fail(Unsupported(word.kind == TokenKind::kOperator ? "operator " + word.text : "SIMILAR TO", word));
    }
    if (!scope.Deeper()) return Fail(TooDeep(op));
    const int line = left->line, column = left->column;
    switch (infix.kind) {
      case Infix::Kind::kBinary: {
        Take();
        if (infix.level == kComparisonLevel && (AtKeyword("any") || AtKeyword("some") || AtKeyword("all")) &&
            AtPunct('(', 1)) {
          left = Quantified(std::move(left), infix.op);
          break;
        }
        ExprPtr right = Climb(infix.level + 1);
        if (!right) return nullptr;
        left = MakeExpr(Binary{infix.op, std::move(left), std::move(right)}, line, column);
        break;
      }
      case Infix::Kind::kIsNull:
        Take();
        left = MakeExpr(IsTest{std::move(left), IsKind::kNull, infix.negated}, line, column);
        break;
      case Infix::Kind::kIs: {
        Take();
        const bool negated = AcceptKeyword("not");
        if (AcceptKeyword("distinct")) {
          if (!ExpectKeyword("from")) return nullptr;
          ExprPtr right = Climb(kIsLevel + 1);
          if (!right) return nullptr;
          left = MakeExpr(IsDistinctFrom{std::move(left), std::move(right), negated}, line, column);
          break;
        }
        static const std::pair<std::string_view, IsKind> kIsKinds[] = {
            {"null", IsKind::kNull}, {"true", IsKind::kTrue}, {"false", IsKind::kFalse},
            {"unknown", IsKind::kUnknown}};
        const auto* kind = std::find_if(std::begin(kIsKinds), std::end(kIsKinds),
                                        [&](const auto& k) { return AtKeyword(k.first); });
        if (kind == std::end(kIsKinds)) return Fail(SyntaxError(Peek()));
        Take();
        left = MakeExpr(IsTest{std::move(left), kind->second, negated}, line, column);
        break;
      }
      default:
        left = LikeInBetween(std::move(left), infix);
        break;
    }
    if (!left) return nullptr;
    const int next = NextInfix().level;
    if ((infix.level == kComparisonLevel || infix.level == kLikeInLevel) && next == infix.level) {
      return Fail(SyntaxError(Peek()));
    }
  }
}

// `left op ANY|SOME|ALL (array or SELECT)`; the quantifier word is next.
ExprPtr Parser::Quantified(ExprPtr left, BinaryOp op) {
  const int line = left->line, column = left->column;
  sql::Quantified q;
  q.op = op;
  q.quantifier = Take().text == "all" ? Quantifier::kAll : Quantifier::kAny;
  q.left = std::move(left);
  Take();  // (
  if (AtKeyword("with")) return Fail(Unsupported("WITH (common table expression)", Peek()));
  if (AtKeyword("select")) {
    q.subquery = SelectStatement();
    if (!q.subquery) return nullptr;
  } else {
    q.array = Expression();
    if (!q.array) return nullptr;
  }
  if (!ExpectPunct(')')) return nullptr;
  return MakeExpr(std::move(q), line, column);
}

// [NOT] LIKE / ILIKE / IN / BETWEEN after `left`; `infix` describes the words next.
ExprPtr Parser::LikeInBetween(ExprPtr left, const Infix& infix) {
  const int line = left->line, column = left->column;
  Skip(infix.negated ? 2 : 1);
  if (infix.kind == Infix::Kind::kLike) {
    ExprPtr right = Climb(kLikeInLevel + 1);
    if (!right) return nullptr;
    if (AtKeyword("escape")) return Fail(Unsupported("LIKE ... ESCAPE", Peek()));
    return MakeExpr(Binary{infix.op, std::move(left), std::move(right)}, line, column);
  }
  if (infix.kind == Infix::Kind::kBetween) {
    if (AtKeyword("symmetric")) return Fail(Unsupported("BETWEEN SYMMETRIC", Peek()));
    AcceptKeyword("asymmetric");
    ExprPtr low = Climb(kLikeInLevel + 1);
    if (!low || !ExpectKeyword("and")) return nullptr;
    ExprPtr high = Climb(kLikeInLevel + 1);
    if (!high) return nullptr;
    return MakeExpr(Between{std::move(left), std::move(low), std::move(high), infix.negated}, line, column);
  }
  if (!ExpectPunct('(')) return nullptr;
  if (AtKeyword("with")) return Fail(Unsupported("WITH (common table expression)", Peek()));
  if (AtKeyword("select")) {
    SelectPtr select = SelectStatement();
    if (!select || !ExpectPunct(')')) return nullptr;
    return MakeExpr(InSubquery{std::move(left), std::move(select), infix.negated}, line, column);
  }
  auto values = ExpressionList(')');
  if (!values) return nullptr;
  if (values->empty()) return Fail(SyntaxError(Peek()));
  if (!ExpectPunct(')')) return nullptr;
  return MakeExpr(InList{std::move(left), std::move(*values), infix.negated}, line, column);
}

// NOT (taking what binds tighter than NOT, so `NOT a = b` is NOT (a = b), also after an
// operator: `a = NOT b`), unary minus and plus.
ExprPtr Parser::Prefix() {
  const bool negation = AtKeyword("not"), minus = AtOperator("-"), plus = AtOperator("+");
  if (!negation && !minus && !plus) return Postfix();
  DepthScope scope(depth_);
  if (!scope.Deeper()) return Fail(TooDeep(Peek()));
  const Token& start = Take();
  ExprPtr operand = negation ? Climb(kIsLevel) : Prefix();
  if (!operand) return nullptr;
  const UnaryOp op = negation ? UnaryOp::kNot : minus ? UnaryOp::kMinus : UnaryOp::kPlus;
  return MakeExpr(Unary{op, std::move(operand)}, start.line, start.column);
}

// Subscripts and :: casts, binding tighter than every operator.
ExprPtr Parser::Postfix() {
  ExprPtr expr = Primary();
  if (!expr) return nullptr;
  DepthScope scope(depth_);
  for (;;) {
    const int line = expr->line, column = expr->column;
    const bool subscript = AtPunct('['), cast = AtOperator("::");
    if (AtKeyword("collate")) return Fail(Unsupported("COLLATE", Peek()));
    if (AtKeyword("at") && AtKeyword("time", 1)) return Fail(Unsupported("AT TIME ZONE", Peek()));
    if (!subscript && !cast) return expr;
    if (!scope.Deeper()) return Fail(TooDeep(Peek()));
    Take();
    if (subscript) {
      ExprPtr index = Expression();
      if (!index || !ExpectPunct(']')) return nullptr;
      expr = MakeExpr(Subscript{std::move(expr), std::move(index)}, line, column);
    } else {
      auto type = Type();
      if (!type) return nullptr;
      expr = MakeExpr(Cast{std::move(expr), std::move(*type)}, line, column);
    }
  }
}

ExprPtr Parser::Primary() {
  const Token& t = Peek();
  switch (t.kind) {
    case TokenKind::kNumber:
      Take();
      return MakeExpr(Literal{Literal::Kind::kNumber, t.text, false}, t.line, t.column);
    case TokenKind::kString:
      Take();
      return MakeExpr(Literal{Literal::Kind::kString, t.text, false}, t.line, t.column);
    case TokenKind::kQuotedIdentifier: return NameOrCall();
    case TokenKind::kIdentifier: return Keyword();
    default: return AtPunct('(') ? Parenthesized() : Fail(SyntaxError(t));
  }
}

// A word in operand position: a keyword-led construct, or a name.
ExprPtr Parser::Keyword() {
  const Token& t = Peek();
  const std::string& w = t.text;
  if (w == "true" || w == "false" || w == "null") {
    Take();
    if (w == "null") return MakeExpr(Literal{}, t.line, t.column);
    return MakeExpr(Literal{Literal::Kind::kBoolean, "", w == "true"}, t.line, t.column);
  }
  if (w == "case") return CaseExpression();
  if (w == "cast") {
    Take();
    if (!ExpectPunct('(')) return nullptr;
    ExprPtr operand = Expression();
    if (!operand || !ExpectKeyword("as")) return nullptr;
    auto type = Type();
    if (!type || !ExpectPunct(')')) return nullptr;
    return MakeExpr(Cast{std::move(operand), std::move(*type)}, t.line, t.column);
  }
  if (w == "exists") {
    Take();
    if (!ExpectPunct('(')) return nullptr;
    if (AtKeyword("with")) return Fail(Unsupported("WITH (common table expression)", Peek()));
    if (!AtKeyword("select")) return Fail(SyntaxError(Peek()));
    SelectPtr select = SelectStatement();
    if (!select || !ExpectPunct(')')) return nullptr;
    return MakeExpr(Exists{std::move(select)}, t.line, t.column);
  }
  if (w == "array") {
    Take();
    if (AtPunct('(')) return Fail(Unsupported("ARRAY(subquery)", Peek()));
    if (!ExpectPunct('[')) return nullptr;
    auto elements = ExpressionList(']');
    if (!elements || !ExpectPunct(']')) return nullptr;
    return MakeExpr(ArrayConstructor{std::move(*elements)}, t.line, t.column);
  }
  if (w == "current_timestamp") {  // PostgreSQL's CURRENT_TIMESTAMP is now()
    Take();
    if (AtPunct('(')) return Fail(Unsupported("CURRENT_TIMESTAMP(precision)", Peek()));
    return MakeExpr(FunctionCall{{"now"}, {}, false}, t.line, t.column);
  }
  if (kKeywordFunctions.count(w) > 0) return Fail(Unsupported(Upper(w), t));
  if (kReserved.count(w) > 0) return Fail(SyntaxError(t));
  if (kReservedButFunction.count(w) > 0 && !AtPunct('(', 1)) return Fail(SyntaxError(t));
  return NameOrCall();
}

// `( expr )` or `( SELECT … )`.
ExprPtr Parser::Parenthesized() {
  const Token& open = Take();
  if (AtKeyword("with")) return Fail(Unsupported("WITH (common table expression)", Peek()));
  if (AtKeyword("values")) return Fail(Unsupported("VALUES", Peek()));
  if (AtKeyword("select")) {
    SelectPtr select = SelectStatement();
    if (!select || !ExpectPunct(')')) return nullptr;
    return MakeExpr(ScalarSubquery{std::move(select)}, open.line, open.column);
  }
  ExprPtr inner = Expression();
  if (!inner) return nullptr;
  if (AtPunct(',')) return Fail(Unsupported("row constructor", Peek()));
  if (!ExpectPunct(')')) return nullptr;
  if (AtPunct('.')) return Fail(Unsupported("field selection", Peek()));
  return inner;
}

// A dotted name: a column reference, a function call, or a typed literal (`date '…'`).
ExprPtr Parser::NameOrCall() {
  const Token& start = Take();
  std::vector<std::string> parts{start.text};
  while (AtPunct('.')) {
    if (!IsWord(Peek(1))) return Fail(SyntaxError(Peek(1)));
    Take();
    parts.push_back(Take().text);
  }
  if (AtPunct('(')) return Call(std::move(parts), start);
  if (Peek().kind == TokenKind::kString) {
    const Token& literal = Take();
    TypeName type;
    type.name = std::move(parts);
    if (type.name.size() == 1 && start.kind == TokenKind::kIdentifier) type.name[0] = CanonicalType(type.name[0]);
    ExprPtr value = MakeExpr(Literal{Literal::Kind::kString, literal.text, false}, literal.line, literal.column);
    return MakeExpr(Cast{std::move(value), std::move(type)}, start.line, start.column);
  }
  if (parts.size() > 3) return Fail(Invalid("improper qualified name (too many dotted names)" + At(start)));
  ColumnRef ref;
  ref.column = std::move(parts.back());
  parts.pop_back();
  ref.qualifier = std::move(parts);
  return MakeExpr(std::move(ref), start.line, start.column);
}

// The `(` after a function name is next.
ExprPtr Parser::Call(std::vector<std::string> name, const Token& start) {
  Take();
  FunctionCall call;
  call.name = std::move(name);
  if (AtKeyword("distinct") || AtKeyword("all")) {
    return Fail(Unsupported("DISTINCT in function arguments", Peek()));
  }
  if (AtKeyword("variadic")) return Fail(Unsupported("VARIADIC", Peek()));
  if (AtOperator("*") && AtPunct(')', 1)) {
    Take();
    call.star = true;
  } else {
    auto args = ExpressionList(')');
    if (!args) return nullptr;
    call.args = std::move(*args);
  }
  if (AtKeyword("order")) return Fail(Unsupported("ORDER BY in function arguments", Peek()));
  if (!ExpectPunct(')')) return nullptr;
  if (AtKeyword("filter") && AtPunct('(', 1)) return Fail(Unsupported("FILTER", Peek()));
  if (AtKeyword("within") && AtKeyword("group", 1)) return Fail(Unsupported("WITHIN GROUP", Peek()));
  if (AtKeyword("over") && (AtPunct('(', 1) || IsNameToken(Peek(1)))) {
    return Fail(Unsupported("window function (OVER)", Peek()));
  }
  return MakeExpr(std::move(call), start.line, start.column);
}

// Comma-separated expressions, up to (not including) `close`; empty when `close` is next.
// With close '\0' there is no closing token: the list ends at the first non-comma.
std::optional<std::vector<ExprPtr>> Parser::ExpressionList(char close) {
  std::vector<ExprPtr> list;
  if (close != '\0' && AtPunct(close)) return list;
  do {
    ExprPtr e = Expression();
    if (!e) return std::nullopt;
    list.push_back(std::move(e));
  } while (AcceptPunct(','));
  return list;
}

ExprPtr Parser::CaseExpression() {
  const Token& start = Take();
  Case node;
  if (!AtKeyword("when")) {
    node.operand = Expression();
    if (!node.operand) return nullptr;
  }
  if (!AtKeyword("when")) return Fail(SyntaxError(Peek()));
  while (AcceptKeyword("when")) {
    ExprPtr condition = Expression();
    if (!condition || !ExpectKeyword("then")) return nullptr;
    ExprPtr result = Expression();
    if (!result) return nullptr;
    node.whens.push_back(CaseWhen{std::move(condition), std::move(result)});
  }
  if (AcceptKeyword("else")) {
    node.else_result = Expression();
    if (!node.else_result) return nullptr;
  }
  if (!ExpectKeyword("end")) return nullptr;
  return MakeExpr(std::move(node), start.line, start.column);
}

// A type after :: or CAST … AS: qualified or multi-word, with (n) and [] suffixes.
std::optional<TypeName> Parser::Type() {
  const Token& first = Peek();
  if (!IsWord(first)) return Fail(SyntaxError(first));
  Take();
  const bool plain = first.kind == TokenKind::kIdentifier;
  TypeName type;
  type.name.push_back(first.text);
  if (plain && first.text == "double" && AcceptKeyword("precision")) {
    type.name[0] = "double precision";
  } else if (plain && (first.text == "character" || first.text == "char") && AcceptKeyword("varying")) {
    type.name[0] = "character varying";
  }
  while (AtPunct('.')) {
    if (!IsWord(Peek(1))) return Fail(SyntaxError(Peek(1)));
    Take();
    type.name.push_back(Take().text);
  }
  if (AcceptPunct('(')) {
    do {
      const Token& m = Peek();
      if (m.kind != TokenKind::kNumber && m.kind != TokenKind::kIdentifier) return Fail(SyntaxError(m));
      type.modifiers.push_back(Take().text);
    } while (AcceptPunct(','));
    if (!ExpectPunct(')')) return std::nullopt;
  }
  const bool zoned = plain && type.name.size() == 1 && (first.text == "timestamp" || first.text == "time");
  if (zoned && AtKeyword("time", 1) && AtKeyword("zone", 2)) {
    if (AtKeyword("with")) type.name[0] += " with time zone";
    if (AtKeyword("with") || AtKeyword("without")) Skip(3);
  }
  if (type.name.size() == 2 && type.name[0] == "pg_catalog") type.name.erase(type.name.begin());
  if (plain && type.name.size() == 1) type.name[0] = CanonicalType(type.name[0]);
  for (;;) {
    if (AcceptPunct('[')) {
      if (Peek().kind == TokenKind::kNumber) Take();
      if (!ExpectPunct(']')) return std::nullopt;
      ++type.array_dimensions;
    } else if (AtKeyword("array") && !AtPunct('[', 1)) {
      Take();
      ++type.array_dimensions;
    } else {
      return type;
    }
  }
}

}  // namespace internal

using internal::Parser;

Result<ExprPtr> ParseExpression(std::string_view text) { return Parser(text).WholeExpression(); }

Result<std::vector<Statement>> ParseStatements(std::string_view script) { return Parser(script).Script(); }

}  // namespace tb::policy::sql
