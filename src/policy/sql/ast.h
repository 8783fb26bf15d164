// policy/sql/ast.h
//
// The syntax tree of the PostgreSQL subset policies are written in: value expressions,
// the SELECTs they nest (IN, EXISTS, scalar subqueries) and the three statements that
// manage policies. The parser builds it (parser.h); renderers read it (render_sqlite.h).
// Names are stored as PostgreSQL resolves them: unquoted words lower-cased, "quoted" ones
// exactly as written.
//
// Thread-safety: plain data; a tree is safe to read from many threads once built.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace tb::policy::sql {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;
struct Select;
using SelectPtr = std::unique_ptr<Select>;

// ---- Expressions -------------------------------------------------------------------

struct Literal {
  enum class Kind { kString, kNumber, kBoolean, kNull };
  Kind kind = Kind::kNull;
  std::string text;  // the string's value, or the number as written ("4.2", "1e3")
  bool boolean = false;
};

// `column`, `t.column`, `schema.t.column`.
struct ColumnRef {
  std::vector<std::string> qualifier;  // empty when unqualified
  std::string column;
};

// `f(a, b)`, `auth.uid()`, `count(*)`. COALESCE, NULLIF, GREATEST and LEAST are calls too.
struct FunctionCall {
  std::vector<std::string> name;  // {"auth", "uid"}; never empty
  std::vector<ExprPtr> args;
  bool star = false;  // count(*): no args
};

enum class UnaryOp { kNot, kMinus, kPlus };

struct Unary {
  UnaryOp op = UnaryOp::kNot;
  ExprPtr operand;
};

enum class BinaryOp {
  kAnd, kOr,
  kEq, kNotEq, kLt, kGt, kLe, kGe,         // <> and != are both kNotEq
  kLike, kILike, kNotLike, kNotILike,      // also ~~, ~~*, !~~, !~~*
  kConcat, kAdd, kSub, kMul, kDiv, kMod,
  kJsonGet, kJsonGetText,                  // -> and ->>
  kContains, kContainedBy,                 // @> and <@
};

// The operator as PostgreSQL spells it, e.g. "<>", "NOT ILIKE", "->>".
inline const char* BinaryOpName(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAnd: return "AND";
    case BinaryOp::kOr: return "OR";
    case BinaryOp::kEq: return "=";
    case BinaryOp::kNotEq: return "<>";
    case BinaryOp::kLt: return "<";
    case BinaryOp::kGt: return ">";
    case BinaryOp::kLe: return "<=";
    case BinaryOp::kGe: return ">=";
    case BinaryOp::kLike: return "LIKE";
    case BinaryOp::kILike: return "ILIKE";
    case BinaryOp::kNotLike: return "NOT LIKE";
    case BinaryOp::kNotILike: return "NOT ILIKE";
    case BinaryOp::kConcat: return "||";
    case BinaryOp::kAdd: return "+";
    case BinaryOp::kSub: return "-";
    case BinaryOp::kMul: return "*";
    case BinaryOp::kDiv: return "/";
    case BinaryOp::kMod: return "%";
    case BinaryOp::kJsonGet: return "->";
    case BinaryOp::kJsonGetText: return "->>";
    case BinaryOp::kContains: return "@>";
    case BinaryOp::kContainedBy: return "<@";
  }
  return "?";
}

struct Binary {
  BinaryOp op = BinaryOp::kAnd;
  ExprPtr left;
  ExprPtr right;
};

enum class IsKind { kNull, kTrue, kFalse, kUnknown };

// `x IS [NOT] NULL|TRUE|FALSE|UNKNOWN` (ISNULL and NOTNULL too).
struct IsTest {
  ExprPtr operand;
  IsKind kind = IsKind::kNull;
  bool negated = false;
};

struct IsDistinctFrom {
  ExprPtr left;
  ExprPtr right;
  bool negated = false;  // IS NOT DISTINCT FROM
};

struct InList {
  ExprPtr operand;
  std::vector<ExprPtr> values;  // at least one
  bool negated = false;
};

struct InSubquery {
  ExprPtr operand;
  SelectPtr subquery;
  bool negated = false;
};

// EXISTS (SELECT …); NOT EXISTS is a Unary kNot over it, as in PostgreSQL.
struct Exists {
  SelectPtr subquery;
};

// `(SELECT …)` used as a value.
struct ScalarSubquery {
  SelectPtr subquery;
};

enum class Quantifier { kAny, kAll };  // SOME is ANY

// `left op ANY (array)` or `left op ALL (SELECT …)`: exactly one of array and subquery.
struct Quantified {
  BinaryOp op = BinaryOp::kEq;  // a comparison
  Quantifier quantifier = Quantifier::kAny;
  ExprPtr left;
  ExprPtr array;
  SelectPtr subquery;
};

// ARRAY[a, b, …]
struct ArrayConstructor {
  std::vector<ExprPtr> elements;
};

// `array[index]`, e.g. (storage.foldername(name))[1]
struct Subscript {
  ExprPtr array;
  ExprPtr index;
};

// A type as written after :: or AS. Multi-word names are one part, normalized:
// "double precision", "character varying", "timestamp with time zone", ….
struct TypeName {
  std::vector<std::string> name;       // {"public", "app_permissions"}; never empty
  std::vector<std::string> modifiers;  // varchar(255) → {"255"}
  int array_dimensions = 0;            // text[] → 1
};

// The type as written, normalized, e.g. "public.app_permissions", "varchar(255)[]".
inline std::string TypeNameText(const TypeName& type) {
  std::string text;
  for (const std::string& part : type.name) {
    if (!text.empty()) text += '.';
    text += part;
  }
  if (!type.modifiers.empty()) {
    text += '(';
    for (std::size_t i = 0; i < type.modifiers.size(); ++i) text += (i ? "," : "") + type.modifiers[i];
    text += ')';
  }
  for (int i = 0; i < type.array_dimensions; ++i) text += "[]";
  return text;
}

// `x::type`, `CAST(x AS type)` and `type 'literal'`.
struct Cast {
  ExprPtr operand;
  TypeName type;
};

struct CaseWhen {
  ExprPtr condition;  // a value to compare with Case::operand when that is set
  ExprPtr result;
};

// CASE [operand] WHEN … THEN … [ELSE …] END
struct Case {
  ExprPtr operand;  // null for the searched form
  std::vector<CaseWhen> whens;
  ExprPtr else_result;  // null when absent (NULL)
};

// `x [NOT] BETWEEN low AND high`
struct Between {
  ExprPtr operand;
  ExprPtr low;
  ExprPtr high;
  bool negated = false;
};

struct Expr {
  using Node = std::variant<Literal, ColumnRef, FunctionCall, Unary, Binary, IsTest, IsDistinctFrom, InList,
                            InSubquery, Exists, ScalarSubquery, Quantified, ArrayConstructor, Subscript, Cast,
                            Case, Between>;
  Node node;
  int line = 0;  // where the expression starts in the source, 1-based
  int column = 0;
};

// ---- SELECT (subqueries only) --------------------------------------------------------

struct QualifiedName {
  std::string schema;  // "" when unqualified
  std::string name;
};

struct SelectItem {
  ExprPtr expr;                             // null for `*` and `t.*`
  std::vector<std::string> star_qualifier;  // t.* → {"t"}; * → {}
  std::string alias;                        // "" when none
};

enum class JoinKind { kComma, kInner, kLeft };  // the first FROM item is kComma; CROSS JOIN too

struct FromItem {
  JoinKind join = JoinKind::kComma;
  QualifiedName table;
  std::string alias;  // "" when none
  ExprPtr on;         // set for kInner and kLeft
  int line = 0;
  int column = 0;
};

enum class NullsOrder { kDefault, kFirst, kLast };

struct OrderItem {
  ExprPtr expr;
  bool descending = false;
  NullsOrder nulls = NullsOrder::kDefault;
};

struct Select {
  bool distinct = false;
  std::vector<SelectItem> items;
  std::vector<FromItem> from;  // empty for SELECT without FROM
  ExprPtr where;
  std::vector<ExprPtr> group_by;
  ExprPtr having;
  std::vector<OrderItem> order_by;
  ExprPtr limit;
  ExprPtr offset;
};

// ---- Statements ----------------------------------------------------------------------

enum class PolicyCommand { kAll, kSelect, kInsert, kUpdate, kDelete };

// CREATE POLICY name ON table [AS PERMISSIVE|RESTRICTIVE] [FOR command] [TO roles]
//   [USING (expr)] [WITH CHECK (expr)]
struct CreatePolicy {
  std::string name;
  QualifiedName table;
  bool permissive = true;
  PolicyCommand command = PolicyCommand::kAll;
  std::vector<std::string> roles{"public"};
  ExprPtr using_expr;            // null when there is no USING
  std::string using_text;        // its source text, between the parentheses
  ExprPtr with_check;            // null when there is no WITH CHECK
  std::string with_check_text;
  int line = 0;
};

// DROP POLICY [IF EXISTS] name ON table [CASCADE|RESTRICT]
struct DropPolicy {
  bool if_exists = false;
  std::string name;
  QualifiedName table;
  int line = 0;
};

enum class RlsChange { kEnable, kDisable, kForce, kNoForce };

// ALTER TABLE [IF EXISTS] [ONLY] table {ENABLE|DISABLE|FORCE|NO FORCE} ROW LEVEL SECURITY
struct AlterTableRls {
  QualifiedName table;
  RlsChange kind = RlsChange::kEnable;
  bool if_exists = false;
  int line = 0;
};

using Statement = std::variant<CreatePolicy, DropPolicy, AlterTableRls>;

}  // namespace tb::policy::sql
