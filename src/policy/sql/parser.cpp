#include "policy/sql/parser.h"

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "policy/sql/lexer.h"

namespace tb::policy::sql {

namespace {

using WordSet = std::set<std::string_view, std::less<>>;

// PostgreSQL's reserved keywords: never a column, table or alias name unless quoted.
const WordSet kReserved = {
    "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "both", "case", "cast",
    "check", "collate", "column", "constraint", "create", "current_catalog", "current_date", "current_role",
    "current_time", "current_timestamp", "current_user", "default", "deferrable", "desc", "distinct", "do",
    "else", "end", "except", "false", "fetch", "for", "foreign", "from", "grant", "group", "having", "in",
    "initially", "intersect", "into", "lateral", "leading", "limit", "localtime", "localtimestamp", "not",
    "null", "offset", "on", "only", "or", "order", "placing", "primary", "references", "returning", "select",
    "session_user", "some", "symmetric", "system_user", "table", "then", "to", "trailing", "true", "union",
    "unique", "user", "using", "variadic", "when", "where", "window", "with"};

// Reserved too, except as a function or type name: left(s, n) is a call.
const WordSet kReservedButFunction = {
    "authorization", "binary", "collation", "concurrently", "cross", "current_schema", "freeze", "full",
    "ilike", "inner", "is", "isnull", "join", "left", "like", "natural", "notnull", "outer", "overlaps",
    "right", "similar", "tablesample", "verbose"};

// Functions PostgreSQL spells as bare keywords; only CURRENT_TIMESTAMP (= now()) is read.
const WordSet kKeywordFunctions = {"current_date", "current_time", "localtime", "localtimestamp",
                                   "current_user", "current_role", "session_user", "system_user",
                                   "user", "current_catalog", "current_schema"};

// PostgreSQL's binary precedence, loosest first (its gram.y); unary minus and the postfix
// [] and :: bind tighter than all of them.
constexpr int kOrLevel = 1, kAndLevel = 2, kIsLevel = 4, kComparisonLevel = 5, kLikeInLevel = 6,
              kOtherLevel = 7, kAdditiveLevel = 8, kMultiplicativeLevel = 9;

bool IsReservedWord(const Token& t) {
  return t.kind == TokenKind::kIdentifier &&
         (kReserved.count(t.text) > 0 || kReservedButFunction.count(t.text) > 0);
}
bool IsWord(const Token& t) { return t.kind == TokenKind::kIdentifier || t.kind == TokenKind::kQuotedIdentifier; }
// A name: a quoted identifier, or a word PostgreSQL does not reserve.
bool IsNameToken(const Token& t) { return IsWord(t) && !IsReservedWord(t); }

std::string Upper(std::string_view word) {
  std::string out(word);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

std::string At(const Token& t) {
  return " at line " + std::to_string(t.line) + ", column " + std::to_string(t.column);
}
Error Invalid(std::string message) { return Error::Make(ErrorCode::kInvalidArgument, std::move(message)); }

template <typename Node>
ExprPtr MakeExpr(Node node, int line, int column) {
  auto expr = std::make_unique<Expr>();
  expr->node = std::move(node);
  expr->line = line;
  expr->column = column;
  return expr;
}

// The canonical name of a built-in type written unquoted, e.g. int4 → integer.
std::string CanonicalType(const std::string& name) {
  static const std::pair<std::string_view, std::string_view> kAliases[] = {
      {"int", "integer"}, {"int4", "integer"}, {"int8", "bigint"}, {"int2", "smallint"},
      {"float8", "double precision"}, {"float", "double precision"}, {"float4", "real"},
      {"bool", "boolean"}, {"varchar", "character varying"}, {"decimal", "numeric"},
      {"timestamptz", "timestamp with time zone"}, {"timetz", "time with time zone"},
      {"char", "character"}, {"bpchar", "character"}};
  for (const auto& [alias, canonical] : kAliases) {
    if (name == alias) return std::string(canonical);
  }
  return name;
}

// The operator after an operand, as the precedence climber sees it.
struct Infix {
  enum class Kind { kNone, kBinary, kIs, kIsNull, kLike, kIn, kBetween, kRefused };
  Kind kind = Kind::kNone;
  int level = 0;
  BinaryOp op = BinaryOp::kAnd;
  bool negated = false;  // NOT LIKE / NOT IN / NOT BETWEEN / NOTNULL
};

// Keeps the nesting count for as long as it lives; Deeper() adds one level.
class DepthScope {
 public:
  explicit DepthScope(int& depth) : depth_(depth) {}
  ~DepthScope() { depth_ -= added_; }
  DepthScope(const DepthScope&) = delete;
  DepthScope& operator=(const DepthScope&) = delete;
  // False once the nesting passes kMaxDepth.
  bool Deeper() {
    ++depth_, ++added_;
    return depth_ <= kMaxDepth;
  }

 private:
  int& depth_;
  int added_ = 0;
};

// What Fail() returns: converts to the "nothing" of each parse function's return type,
// so every one of them can `return Fail(…)`.
struct Failure {
  operator ExprPtr() const { return nullptr; }    // NOLINT: implicit by design
  operator SelectPtr() const { return nullptr; }  // NOLINT
  operator bool() const { return false; }         // NOLINT
  template <typename T>
  operator std::optional<T>() const {  // NOLINT
    return std::nullopt;
  }
};

// Recursive descent over the token list. Parse functions return a null/empty value on
// failure, with the first error kept in error_: small stack frames, since recursion depth
// is what hostile input controls. The public functions turn that into a Result.
class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text), tokens_(Tokenize(text)) {}

  Result<ExprPtr> WholeExpression() {
    if (Peek().kind == TokenKind::kEnd) return Invalid("empty expression" + At(Peek()));
    ExprPtr expr = Expression();
    if (expr && Peek().kind != TokenKind::kEnd) Fail(SyntaxError(Peek()));
    if (error_) return std::move(*error_);
    if (!expr) return Invalid("internal error: expression failed without an error");
    return expr;
  }

  Result<std::vector<Statement>> Script();

 private:
  // ---- tokens ----
  const Token& Peek(std::size_t ahead = 0) const { return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)]; }
  const Token& Take() {
    const Token& t = tokens_[pos_];
    if (pos_ + 1 < tokens_.size()) {
      last_end_ = t.end;
      ++pos_;
    }
    return t;
  }
  void Skip(std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) Take();
  }
  bool AtKeyword(std::string_view keyword, std::size_t ahead = 0) const { return IsKeyword(Peek(ahead), keyword); }
  bool AtPunct(char c, std::size_t ahead = 0) const {
    const Token& t = Peek(ahead);
    return t.kind == TokenKind::kPunctuation && t.text[0] == c;
  }
  bool AtOperator(std::string_view op, std::size_t ahead = 0) const {
    return Peek(ahead).kind == TokenKind::kOperator && Peek(ahead).text == op;
  }
  bool AcceptKeyword(std::string_view keyword) { return AtKeyword(keyword) ? (Take(), true) : false; }
  bool AcceptPunct(char c) { return AtPunct(c) ? (Take(), true) : false; }

  // ---- errors ----
  Failure Fail(Error error) {
    if (!error_) error_ = std::move(error);
    return {};
  }
  Error SyntaxError(const Token& t) const {
    if (t.kind == TokenKind::kError) return Invalid(t.text);
    if (t.kind == TokenKind::kEnd) return Invalid("syntax error at end of input" + At(t));
    std::string near(text_.substr(t.offset, t.end - t.offset));
    if (near.size() > 40) {
      std::size_t cut = 40;
      while (cut > 0 && (static_cast<unsigned char>(near[cut]) & 0xC0) == 0x80) --cut;
      near = near.substr(0, cut) + "...";
    }
    return Invalid("syntax error at or near \"" + near + "\"" + At(t));
  }
  static Error Unsupported(const std::string& what, const Token& t) {
    return Invalid("unsupported construct " + what + At(t));
  }
  static Error TooDeep(const Token& t) {
    return Invalid("expression nested too deeply (more than " + std::to_string(kMaxDepth) + " levels)" + At(t));
  }
  bool ExpectKeyword(std::string_view keyword) { return AcceptKeyword(keyword) || Fail(SyntaxError(Peek())); }
  bool ExpectPunct(char c) { return AcceptPunct(c) || Fail(SyntaxError(Peek())); }
  std::optional<std::string> Name() {
    if (!IsNameToken(Peek())) return Fail(SyntaxError(Peek()));
    return Take().text;
  }

  // ---- expressions ----
  ExprPtr Expression();
  ExprPtr Climb(int min_level);
  Infix NextInfix() const;
  ExprPtr Quantified(ExprPtr left, BinaryOp op);
  ExprPtr LikeInBetween(ExprPtr left, const Infix& infix);
  ExprPtr Prefix();
  ExprPtr Postfix();
  ExprPtr Primary();
  ExprPtr Keyword();
  ExprPtr Parenthesized();
  ExprPtr NameOrCall();
  ExprPtr Call(std::vector<std::string> name, const Token& start);
  ExprPtr CaseExpression();
  std::optional<std::vector<ExprPtr>> ExpressionList(char close);
  std::optional<TypeName> Type();

  // ---- SELECT ----
  SelectPtr SelectStatement();
  bool SelectItems(Select& select);
  bool FromClause(Select& select);
  std::optional<FromItem> TableReference(JoinKind join);
  bool OrderBy(Select& select);
  bool Refuse(const Token& t);

  // ---- statements ----
  std::optional<QualifiedName> TableName();
  std::optional<Statement> CreatePolicyStatement();
  std::optional<Statement> DropPolicyStatement();
  std::optional<Statement> AlterTableStatement();
  struct PolicyText {
    ExprPtr expr;
    std::string text;  // as written between the parentheses
  };
  std::optional<PolicyText> PolicyExpression();
  Error UnsupportedStatement() const;

  std::string_view text_;
  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  std::size_t last_end_ = 0;  // end offset of the last token taken
  int depth_ = 0;
  std::optional<Error> error_;  // the first failure
};

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

// ---- statements ----------------------------------------------------------------------

std::optional<QualifiedName> Parser::TableName() {
  const Token& start = Peek();
  auto first = Name();
  if (!first) return std::nullopt;
  QualifiedName name{"", std::move(*first)};
  if (AtPunct('.')) {
    if (!IsWord(Peek(1))) return Fail(SyntaxError(Peek(1)));
    Take();
    name.schema = std::move(name.name);
    name.name = Take().text;
  }
  if (AtPunct('.')) return Fail(Unsupported("cross-database reference", start));
  return name;
}

// `( expr )` after USING or WITH CHECK.
std::optional<Parser::PolicyText> Parser::PolicyExpression() {
  if (!ExpectPunct('(')) return std::nullopt;
  const std::size_t start = Peek().offset;
  PolicyText parsed;
  parsed.expr = Expression();
  if (!parsed.expr) return std::nullopt;
  parsed.text.assign(text_.substr(start, last_end_ - start));
  if (!ExpectPunct(')')) return std::nullopt;
  return parsed;
}

std::optional<Statement> Parser::CreatePolicyStatement() {
  CreatePolicy policy;
  policy.line = Peek().line;
  Skip(2);  // CREATE POLICY
  auto name = Name();
  if (!name || !ExpectKeyword("on")) return std::nullopt;
  policy.name = std::move(*name);
  auto table = TableName();
  if (!table) return std::nullopt;
  policy.table = std::move(*table);
  if (AcceptKeyword("as")) {
    policy.permissive = !AcceptKeyword("restrictive");
    if (policy.permissive && !ExpectKeyword("permissive")) return std::nullopt;
  }
  if (AcceptKeyword("for")) {
    static const std::pair<std::string_view, PolicyCommand> kCommands[] = {
        {"all", PolicyCommand::kAll},       {"select", PolicyCommand::kSelect}, {"insert", PolicyCommand::kInsert},
        {"update", PolicyCommand::kUpdate}, {"delete", PolicyCommand::kDelete}};
    const auto* found = std::find_if(std::begin(kCommands), std::end(kCommands),
                                     [&](const auto& c) { return AtKeyword(c.first); });
    if (found == std::end(kCommands)) return Fail(SyntaxError(Peek()));
    Take();
    policy.command = found->second;
  }
  if (AcceptKeyword("to")) {
    policy.roles.clear();
    do {
      const Token& role = Peek();
      for (std::string_view special : {"current_user", "current_role", "session_user"}) {
        if (IsKeyword(role, special)) return Fail(Unsupported("role " + Upper(special), role));
      }
      if (!IsNameToken(role)) return Fail(SyntaxError(role));
      policy.roles.push_back(Take().text);
    } while (AcceptPunct(','));
  }
  // PostgreSQL's own checks, so a policy that PostgreSQL refuses is refused here too.
  const Token& using_token = Peek();
  if (AcceptKeyword("using")) {
    if (policy.command == PolicyCommand::kInsert) {
      return Fail(Invalid("only WITH CHECK expression allowed for INSERT" + At(using_token)));
    }
    auto parsed = PolicyExpression();
    if (!parsed) return std::nullopt;
    policy.using_expr = std::move(parsed->expr);
    policy.using_text = std::move(parsed->text);
  }
  const Token& check_token = Peek();
  if (AtKeyword("with") && AtKeyword("check", 1)) {
    if (policy.command == PolicyCommand::kSelect || policy.command == PolicyCommand::kDelete) {
      return Fail(Invalid("WITH CHECK cannot be applied to SELECT or DELETE" + At(check_token)));
    }
    Skip(2);
    auto parsed = PolicyExpression();
    if (!parsed) return std::nullopt;
    policy.with_check = std::move(parsed->expr);
    policy.with_check_text = std::move(parsed->text);
  }
  return Statement(std::move(policy));
}

std::optional<Statement> Parser::DropPolicyStatement() {
  DropPolicy drop;
  drop.line = Peek().line;
  Skip(2);  // DROP POLICY
  if (AtKeyword("if") && AtKeyword("exists", 1)) {
    Skip(2);
    drop.if_exists = true;
  }
  auto name = Name();
  if (!name || !ExpectKeyword("on")) return std::nullopt;
  drop.name = std::move(*name);
  auto table = TableName();
  if (!table) return std::nullopt;
  drop.table = std::move(*table);
  if (!AcceptKeyword("cascade")) AcceptKeyword("restrict");
  return Statement(std::move(drop));
}

std::optional<Statement> Parser::AlterTableStatement() {
  AlterTableRls alter;
  alter.line = Peek().line;
  Skip(2);  // ALTER TABLE
  if (AtKeyword("if") && AtKeyword("exists", 1)) {
    Skip(2);
    alter.if_exists = true;
  }
  AcceptKeyword("only");
  auto table = TableName();
  if (!table) return std::nullopt;
  alter.table = std::move(*table);
  if (AtOperator("*")) Take();
  const Token& action = Peek();
  const bool no_force = AtKeyword("no") && AtKeyword("force", 1);
  const std::size_t words = no_force ? 2 : 1;
  static const std::pair<std::string_view, RlsChange> kChanges[] = {
      {"enable", RlsChange::kEnable}, {"disable", RlsChange::kDisable}, {"force", RlsChange::kForce}};
  const auto* change = std::find_if(std::begin(kChanges), std::end(kChanges),
                                    [&](const auto& c) { return IsKeyword(action, c.first); });
  if ((!no_force && change == std::end(kChanges)) || !IsKeyword(Peek(words), "row")) {
    if (action.kind != TokenKind::kIdentifier) return Fail(SyntaxError(action));
    std::string what = Upper(action.text);
    if (Peek(1).kind == TokenKind::kIdentifier) what += " " + Upper(Peek(1).text);
    return Fail(Invalid("unsupported statement ALTER TABLE ... " + what + At(action)));
  }
  alter.kind = no_force ? RlsChange::kNoForce : change->second;
  Skip(words + 1);
  if (!ExpectKeyword("level") || !ExpectKeyword("security")) return std::nullopt;
  if (AtPunct(',')) return Fail(Invalid("unsupported statement ALTER TABLE with several actions" + At(Peek())));
  return Statement(std::move(alter));
}

// "unsupported statement CREATE OR REPLACE FUNCTION at line 3, column 1": the statement's
// first words, through the object kind.
Error Parser::UnsupportedStatement() const {
  const Token& first = Peek();
  if (first.kind != TokenKind::kIdentifier) return SyntaxError(first);
  static const WordSet kModifiers = {"or", "replace", "unique", "temporary", "temp", "unlogged", "materialized",
                                     "global", "local", "recursive", "trusted", "procedural", "constraint",
                                     "default", "event", "foreign", "security"};
  std::string words = Upper(first.text);
  if (first.text == "create" || first.text == "alter" || first.text == "drop") {
    for (std::size_t ahead = 1; ahead < 6 && Peek(ahead).kind == TokenKind::kIdentifier; ++ahead) {
      words += " " + Upper(Peek(ahead).text);
      if (kModifiers.count(Peek(ahead).text) == 0) break;
    }
  }
  return Invalid("unsupported statement " + words + At(first));
}

Result<std::vector<Statement>> Parser::Script() {
  std::vector<Statement> statements;
  for (;;) {
    while (AcceptPunct(';')) {
    }
    const Token& t = Peek();
    if (t.kind == TokenKind::kEnd) return statements;
    depth_ = 0;
    std::optional<Statement> statement;
    if (IsKeyword(t, "create") && AtKeyword("policy", 1)) {
      statement = CreatePolicyStatement();
    } else if (IsKeyword(t, "drop") && AtKeyword("policy", 1)) {
      statement = DropPolicyStatement();
    } else if (IsKeyword(t, "alter") && AtKeyword("table", 1)) {
      statement = AlterTableStatement();
    } else {
      return UnsupportedStatement();
    }
    if (statement && !AtPunct(';') && Peek().kind != TokenKind::kEnd) Fail(SyntaxError(Peek()));
    if (error_) return std::move(*error_);
    if (!statement) return Invalid("internal error: statement failed without an error" + At(t));
    statements.push_back(std::move(*statement));
  }
}

}  // namespace

Result<ExprPtr> ParseExpression(std::string_view text) { return Parser(text).WholeExpression(); }

Result<std::vector<Statement>> ParseStatements(std::string_view script) { return Parser(script).Script(); }

}  // namespace tb::policy::sql
