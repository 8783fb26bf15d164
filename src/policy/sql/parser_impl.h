// policy/sql/parser_impl.h
//
// The parser's own parts, shared by its source files (parser.cpp: expressions and the
// public functions; parser_select.cpp: subqueries; parser_statements.cpp: CREATE/DROP
// POLICY and ALTER TABLE). Not for use outside policy/sql/.
#pragma once

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "policy/sql/ast.h"
#include "policy/sql/lexer.h"
#include "policy/sql/parser.h"

namespace tb::policy::sql::internal {

using WordSet = std::set<std::string_view, std::less<>>;

// PostgreSQL's reserved keywords: never a column, table or alias name unless quoted.
inline const WordSet kReserved = {
    "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "both", "case", "cast",
    "check", "collate", "column", "constraint", "create", "current_catalog", "current_date", "current_role",
    "current_time", "current_timestamp", "current_user", "default", "deferrable", "desc", "distinct", "do",
    "else", "end", "except", "false", "fetch", "for", "foreign", "from", "grant", "group", "having", "in",
    "initially", "intersect", "into", "lateral", "leading", "limit", "localtime", "localtimestamp", "not",
    "null", "offset", "on", "only", "or", "order", "placing", "primary", "references", "returning", "select",
    "session_user", "some", "symmetric", "system_user", "table", "then", "to", "trailing", "true", "union",
    "unique", "user", "using", "variadic", "when", "where", "window", "with"};

// Reserved too, except as a function or type name: left(s, n) is a call.
inline const WordSet kReservedButFunction = {
    "authorization", "binary", "collation", "concurrently", "cross", "current_schema", "freeze", "full",
    "ilike", "inner", "is", "isnull", "join", "left", "like", "natural", "notnull", "outer", "overlaps",
    "right", "similar", "tablesample", "verbose"};

// Functions PostgreSQL spells as bare keywords; only CURRENT_TIMESTAMP (= now()) is read.
inline const WordSet kKeywordFunctions = {"current_date", "current_time", "localtime", "localtimestamp",
                                   "current_user", "current_role", "session_user", "system_user",
                                   "user", "current_catalog", "current_schema"};

// PostgreSQL's binary precedence, loosest first (its gram.y); unary minus and the postfix
// [] and :: bind tighter than all of them.
constexpr int kOrLevel = 1, kAndLevel = 2, kIsLevel = 4, kComparisonLevel = 5, kLikeInLevel = 6,
              kOtherLevel = 7, kAdditiveLevel = 8, kMultiplicativeLevel = 9;

inline bool IsReservedWord(const Token& t) {
  return t.kind == TokenKind::kIdentifier &&
         (kReserved.count(t.text) > 0 || kReservedButFunction.count(t.text) > 0);
}
inline bool IsWord(const Token& t) { return t.kind == TokenKind::kIdentifier || t.kind == TokenKind::kQuotedIdentifier; }
// A name: a quoted identifier, or a word PostgreSQL does not reserve.
inline bool IsNameToken(const Token& t) { return IsWord(t) && !IsReservedWord(t); }

inline std::string Upper(std::string_view word) {
  std::string out(word);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

inline std::string At(const Token& t) {
  return " at line " + std::to_string(t.line) + ", column " + std::to_string(t.column);
}
inline Error Invalid(std::string message) { return Error::Make(ErrorCode::kInvalidArgument, std::move(message)); }

template <typename Node>
ExprPtr MakeExpr(Node node, int line, int column) {
  auto expr = std::make_unique<Expr>();
  expr->node = std::move(node);
  expr->line = line;
  expr->column = column;
  return expr;
}

// The canonical name of a built-in type written unquoted, e.g. int4 → integer.
inline std::string CanonicalType(const std::string& name) {
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

}  // namespace tb::policy::sql::internal
