#include "policy/sql/render_sqlite.h"

#include <limits>
#include <optional>
#include <utility>
#include <vector>

namespace tb::policy::sql {

namespace {

// Trees from the parser are far shallower (parser.h's kMaxDepth); this guards hand-built ones.
constexpr int kMaxRenderDepth = 1000;

Error Invalid(std::string message) { return Error::Make(ErrorCode::kInvalidArgument, std::move(message)); }

std::string At(int line, int column) {
  return " at line " + std::to_string(line) + ", column " + std::to_string(column);
}
Error ErrorAt(const Expr& e, const std::string& what) { return Invalid(what + At(e.line, e.column)); }

// "name" with embedded quotes doubled. REQUIRES: no NUL (checked by callers).
std::string QuoteIdentifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string QuoteString(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

bool HasNul(std::string_view text) { return text.find('\0') != std::string_view::npos; }

bool IsPlainIdentifier(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

bool IsNumberText(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-')) return false;
  }
  return true;
}

bool SameSchema(std::string_view a, std::string_view b) {
  return (a.empty() ? "public" : a) == (b.empty() ? "public" : b);
}

// PostgreSQL's boolin(): blanks trimmed, any case, unique prefixes of true/yes/false/no,
// on/off (at least two letters), 1 and 0. nullopt when the text is not a boolean.
std::optional<bool> ParsePgBoolean(std::string_view text) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  std::string word(text);
  for (char& c : word) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  auto prefix_of = [&](std::string_view full, std::size_t min) {
    return word.size() >= min && word.size() <= full.size() && full.substr(0, word.size()) == word;
  };
  if (prefix_of("true", 1) || prefix_of("yes", 1) || word == "on" || word == "1") return true;
  if (prefix_of("false", 1) || prefix_of("no", 1) || prefix_of("off", 2) || word == "0") return false;
  return std::nullopt;
}

// The spellings ParsePgBoolean accepts, for the SQL form of the same rule.
constexpr std::string_view kTrueWords[] = {"t", "tr", "tru", "true", "y", "ye", "yes", "on", "1"};
constexpr std::string_view kFalseWords[] = {"f", "fa", "fal", "fals", "false", "n", "no", "of", "off", "0"};

enum class CastKind { kUnchanged, kText, kDate, kInteger, kReal, kBoolean };

// How a cast to `type` (ignoring array dimensions) renders; nullopt when it cannot.
std::optional<CastKind> ClassifyCast(const TypeName& type, const RenderOptions& options) {
  if (type.name.size() == 1) {
    const std::string& n = type.name[0];
    if (n == "uuid" || n == "timestamp with time zone" || n == "timestamp" || n == "json" || n == "jsonb") {
      return CastKind::kUnchanged;
    }
    if (n == "text" || n == "character varying" || n == "citext") return CastKind::kText;
    if (n == "date") return CastKind::kDate;
    if (n == "integer" || n == "bigint" || n == "smallint") return CastKind::kInteger;
    if (n == "numeric" || n == "real" || n == "double precision") return CastKind::kReal;
    if (n == "boolean") return CastKind::kBoolean;
  }
  if (type.name.size() <= 2 && options.is_enum_type) {
    const std::string_view schema = type.name.size() == 2 ? std::string_view(type.name[0]) : std::string_view();
    if (options.is_enum_type(schema, type.name.back())) return CastKind::kUnchanged;
  }
  return std::nullopt;
}

bool IsStringLiteral(const Expr& e) {
  const auto* literal = std::get_if<Literal>(&e.node);
  return literal != nullptr && literal->kind == Literal::Kind::kString;
}

// The ARRAY[…] under `e`, looking through casts to arrays of types that stay unchanged.
const ArrayConstructor* ArrayLiteral(const Expr& e, const RenderOptions& options) {
  if (const auto* array = std::get_if<ArrayConstructor>(&e.node)) return array;
  const auto* cast = std::get_if<Cast>(&e.node);
  if (cast == nullptr || cast->type.array_dimensions == 0 || !cast->operand) return nullptr;
  const auto kind = ClassifyCast(cast->type, options);
  if (kind != CastKind::kUnchanged && kind != CastKind::kText) return nullptr;
  return ArrayLiteral(*cast->operand, options);
}

// A relation a subquery's FROM declares.
struct Relation {
  std::string schema;
  std::string name;
  std::string alias;  // "" when none: the table is then visible by its name
  const std::string& Visible() const { return alias.empty() ? name : alias; }
  bool Matches(std::string_view q_schema, std::string_view q_name) const {
    if (!alias.empty()) return q_schema.empty() && q_name == alias;
    return q_name == name && (q_schema.empty() || SameSchema(q_schema, schema));
  }
};

enum class SelectUse { kExists, kOneColumn };

// A subquery's FROM items: their SQL, one entry per item, and the relations they declare.
struct FromTablesSql {
  std::vector<std::string> tables;
  std::vector<Relation> relations;
};

class Renderer {
 public:
  explicit Renderer(const RenderOptions& options) : options_(options) {
    const std::string& table = options.policy_table;
    const std::size_t dot = table.rfind('.');
    policy_schema_ = dot == std::string::npos ? "" : table.substr(0, dot);
    policy_name_ = dot == std::string::npos ? table : table.substr(dot + 1);
  }

  Result<std::string> Render(const Expr& e) {
    if (depth_ >= kMaxRenderDepth) return ErrorAt(e, "expression nested too deeply");
    ++depth_;
    auto out = std::visit([&](const auto& node) { return Node(node, e); }, e.node);
    --depth_;
    return out;
  }

 private:
  Result<std::string> Child(const ExprPtr& child, const Expr& parent) {
    if (!child) return ErrorAt(parent, "incomplete expression");
    return Render(*child);
  }
  Result<std::string> List(const std::vector<ExprPtr>& items, const Expr& parent) {
    std::string out;
    for (const ExprPtr& item : items) {
      auto rendered = Child(item, parent);
      if (!rendered) return rendered;
      if (!out.empty()) out += ", ";
      out += *rendered;
    }
    return out;
  }

  Result<std::string> Node(const Literal& literal, const Expr& e);
  Result<std::string> Node(const ColumnRef& ref, const Expr& e);
  Result<std::string> Node(const FunctionCall& call, const Expr& e);
  Result<std::string> Node(const Unary& unary, const Expr& e);
  Result<std::string> Node(const Binary& binary, const Expr& e);
  Result<std::string> Node(const IsTest& test, const Expr& e);
  Result<std::string> Node(const IsDistinctFrom& test, const Expr& e);
  Result<std::string> Node(const InList& in, const Expr& e);
  Result<std::string> Node(const InSubquery& in, const Expr& e);
  Result<std::string> Node(const Exists& exists, const Expr& e);
  Result<std::string> Node(const ScalarSubquery& subquery, const Expr& e);
  Result<std::string> Node(const Quantified& q, const Expr& e);
  Result<std::string> Node(const ArrayConstructor& array, const Expr& e);
  Result<std::string> Node(const Subscript& subscript, const Expr& e);
  Result<std::string> Node(const Cast& cast, const Expr& e);
  Result<std::string> Node(const Case& node, const Expr& e);
  Result<std::string> Node(const Between& between, const Expr& e);

  std::optional<Result<std::string>> Builtin(const FunctionCall& call, const Expr& e);
  Result<std::string> GreatestOrLeast(const FunctionCall& call, const Expr& e, const char* aggregate);
  Result<std::string> BooleanCast(const Expr& operand, const Expr& e);
  Result<std::string> Qualifier(const std::vector<std::string>& qualifier, const Expr& e);
  bool IsPolicyTable(std::string_view schema, std::string_view name) const;
  Result<std::string> RenderSelect(const Select& select, const Expr& e, SelectUse use);
  Result<FromTablesSql> FromTables(const Select& select, const Expr& e);
  Result<std::string> SelectList(const Select& select, const Expr& e);
  Result<std::string> OrderAndLimit(const Select& select, const Expr& e);

  const RenderOptions& options_;
  std::string policy_schema_;
  std::string policy_name_;
  std::vector<std::vector<Relation>> scopes_;  // innermost subquery last
  int depth_ = 0;
};

Result<std::string> Renderer::Node(const Literal& literal, const Expr& e) {
  switch (literal.kind) {
    case Literal::Kind::kNull: return std::string("NULL");
    case Literal::Kind::kBoolean: return std::string(literal.boolean ? "1" : "0");
    case Literal::Kind::kNumber:
      if (!IsNumberText(literal.text)) return ErrorAt(e, "invalid number literal");
      return literal.text;
    case Literal::Kind::kString:
      if (HasNul(literal.text)) return ErrorAt(e, "invalid null character in string literal");
      return QuoteString(literal.text);
  }
  return ErrorAt(e, "invalid literal");
}

Result<std::string> Renderer::Node(const ColumnRef& ref, const Expr& e) {
  if (ref.column.empty() || HasNul(ref.column)) return ErrorAt(e, "invalid column name");
  if (ref.qualifier.empty()) return QuoteIdentifier(ref.column);
  auto qualifier = Qualifier(ref.qualifier, e);
  if (!qualifier) return qualifier;
  return *qualifier + "." + QuoteIdentifier(ref.column);
}

bool Renderer::IsPolicyTable(std::string_view schema, std::string_view name) const {
  if (policy_name_.empty()) return false;
  if (name == policy_name_ && (schema.empty() || SameSchema(schema, policy_schema_))) return true;
  if (!options_.table) return false;
  auto written = options_.table(schema, name);
  auto policy = options_.table(policy_schema_, policy_name_);
  return written && policy && *written == *policy;
}

// The SQL text of a column's qualifier: a subquery's relation (innermost first, as
// PostgreSQL scopes them), else the policy's row.
Result<std::string> Renderer::Qualifier(const std::vector<std::string>& qualifier, const Expr& e) {
  if (qualifier.size() > 2) return ErrorAt(e, "unsupported construct cross-database reference");
  const std::string_view schema = qualifier.size() == 2 ? std::string_view(qualifier[0]) : std::string_view();
  const std::string& name = qualifier.back();
  for (auto scope = scopes_.rbegin(); scope != scopes_.rend(); ++scope) {
    for (const Relation& relation : *scope) {
      if (relation.Matches(schema, name)) return QuoteIdentifier(relation.Visible());
    }
  }
  if (IsPolicyTable(schema, name)) {
    if (!options_.row_alias.empty()) {
      if (HasNul(options_.row_alias)) return ErrorAt(e, "invalid row alias");
      return QuoteIdentifier(options_.row_alias);
    }
    if (!options_.table) return QuoteIdentifier(policy_name_);
    auto table = options_.table(policy_schema_, policy_name_);
    if (!table) return std::move(table).error();
    if (HasNul(*table)) return ErrorAt(e, "invalid table name");
    return QuoteIdentifier(*table);
  }
  return ErrorAt(e, "missing FROM-clause entry for table \"" + name + "\"");
}

Result<std::string> Renderer::Node(const FunctionCall& call, const Expr& e) {
  if (call.name.empty() || call.name.size() > 2) return ErrorAt(e, "unsupported function name");
  const std::string_view schema = call.name.size() == 2 ? std::string_view(call.name[0]) : std::string_view();
  const std::string& name = call.name.back();
  if (schema.empty() || schema == "pg_catalog") {
    if (auto builtin = Builtin(call, e)) return std::move(*builtin);
  }
  if (call.star) return ErrorAt(e, "* is only allowed in count(*)");
  if (!options_.function) return ErrorAt(e, "no SQLite function is known for " + name);
  auto sqlite_name = options_.function(schema, name, call.args.size());
  if (!sqlite_name) return sqlite_name;
  if (!IsPlainIdentifier(*sqlite_name)) {
    return ErrorAt(e, "the SQLite name given for function " + name + " is not a plain identifier");
  }
  auto args = List(call.args, e);
  if (!args) return args;
  return *sqlite_name + "(" + *args + ")";
}

// The functions translated here; nullopt when `call` is none of them (with the arity
// given), so it goes through the callback.
std::optional<Result<std::string>> Renderer::Builtin(const FunctionCall& call, const Expr& e) {
  struct Entry {
    std::string_view name;
    std::string_view sqlite;
    std::size_t min_args;
    std::size_t max_args;
  };
  constexpr std::size_t kMany = std::numeric_limits<std::size_t>::max();
  static constexpr Entry kEntries[] = {
      {"coalesce", "coalesce", 1, kMany}, {"nullif", "nullif", 2, 2},   {"lower", "lower", 1, 1},
      {"upper", "upper", 1, 1},           {"length", "length", 1, 1},   {"char_length", "length", 1, 1},
      {"character_length", "length", 1, 1}, {"abs", "abs", 1, 1},      {"btrim", "trim", 1, 2},
      {"trim", "trim", 1, 2},             {"ltrim", "ltrim", 1, 2},     {"rtrim", "rtrim", 1, 2},
      {"count", "count", 1, 1},           {"sum", "sum", 1, 1},         {"avg", "avg", 1, 1},
      {"min", "min", 1, 1},               {"max", "max", 1, 1},         {"greatest", "max", 1, kMany},
      {"least", "min", 1, kMany}};
  const std::string& name = call.name.back();
  const std::size_t arity = call.args.size();
  if (name == "count" && call.star) return Result<std::string>(std::string("count(*)"));
  for (const Entry& entry : kEntries) {
    if (entry.name != name || call.star || arity < entry.min_args || arity > entry.max_args) continue;
    if (name == "greatest" || name == "least") return GreatestOrLeast(call, e, entry.sqlite.data());
    if (name == "coalesce" && arity == 1) return Child(call.args[0], e);
    auto args = List(call.args, e);
    if (!args) return args;
    return Result<std::string>(std::string(entry.sqlite) + "(" + *args + ")");
  }
  return std::nullopt;
}

// greatest(a, b, c) → max(coalesce(a, b, c), coalesce(b, a, c), coalesce(c, a, b)): each
// argument, or any non-NULL one in its place, so NULLs are skipped as PostgreSQL skips them.
Result<std::string> Renderer::GreatestOrLeast(const FunctionCall& call, const Expr& e, const char* aggregate) {
  std::vector<std::string> args;
  for (const ExprPtr& arg : call.args) {
    auto rendered = Child(arg, e);
    if (!rendered) return rendered;
    args.push_back(std::move(*rendered));
  }
  if (args.size() == 1) return args[0];
  std::string out = std::string(aggregate) + "(";
  for (std::size_t i = 0; i < args.size(); ++i) {
    out += i ? ", coalesce(" : "coalesce(";
    out += args[i];
    for (std::size_t k = 0; k < args.size(); ++k) {
      if (k != i) out += ", " + args[k];
    }
    out += ")";
  }
  return out + ")";
}

Result<std::string> Renderer::Node(const Unary& unary, const Expr& e) {
  auto operand = Child(unary.operand, e);
  if (!operand) return operand;
  switch (unary.op) {
    case UnaryOp::kNot: return "(NOT " + *operand + ")";
    case UnaryOp::kMinus: return "(- " + *operand + ")";
    case UnaryOp::kPlus: return "(+ " + *operand + ")";
  }
  return ErrorAt(e, "invalid unary operator");
}

Result<std::string> Renderer::Node(const Binary& binary, const Expr& e) {
  if (binary.op == BinaryOp::kContains || binary.op == BinaryOp::kContainedBy) {
    return ErrorAt(e, std::string("unsupported operator ") + BinaryOpName(binary.op) + " on SQLite");
  }
  auto left = Child(binary.left, e);
  if (!left) return left;
  auto right = Child(binary.right, e);
  if (!right) return right;
  switch (binary.op) {
    case BinaryOp::kLike: return "pg_like(" + *left + ", " + *right + ")";
    case BinaryOp::kNotLike: return "(NOT pg_like(" + *left + ", " + *right + "))";
    case BinaryOp::kILike: return "pg_like(lower(" + *left + "), lower(" + *right + "))";
    case BinaryOp::kNotILike: return "(NOT pg_like(lower(" + *left + "), lower(" + *right + ")))";
    default: return "(" + *left + " " + BinaryOpName(binary.op) + " " + *right + ")";
  }
}

Result<std::string> Renderer::Node(const IsTest& test, const Expr& e) {
  auto operand = Child(test.operand, e);
  if (!operand) return operand;
  const char* what = "NULL";
  if (test.kind == IsKind::kTrue) what = "TRUE";
  if (test.kind == IsKind::kFalse) what = "FALSE";
  return "(" + *operand + (test.negated ? " IS NOT " : " IS ") + what + ")";
}

Result<std::string> Renderer::Node(const IsDistinctFrom& test, const Expr& e) {
  auto left = Child(test.left, e);
  if (!left) return left;
  auto right = Child(test.right, e);
  if (!right) return right;
  return "(" + *left + (test.negated ? " IS " : " IS NOT ") + *right + ")";
}

Result<std::string> Renderer::Node(const InList& in, const Expr& e) {
  if (in.values.empty()) return ErrorAt(e, "IN needs at least one value");
  auto operand = Child(in.operand, e);
  if (!operand) return operand;
  auto values = List(in.values, e);
  if (!values) return values;
  return "(" + *operand + (in.negated ? " NOT IN (" : " IN (") + *values + "))";
}

Result<std::string> Renderer::Node(const InSubquery& in, const Expr& e) {
  auto operand = Child(in.operand, e);
  if (!operand) return operand;
  if (!in.subquery) return ErrorAt(e, "incomplete expression");
  auto select = RenderSelect(*in.subquery, e, SelectUse::kOneColumn);
  if (!select) return select;
  return "(" + *operand + (in.negated ? " NOT IN (" : " IN (") + *select + "))";
}

Result<std::string> Renderer::Node(const Exists& exists, const Expr& e) {
  if (!exists.subquery) return ErrorAt(e, "incomplete expression");
  auto select = RenderSelect(*exists.subquery, e, SelectUse::kExists);
  if (!select) return select;
  return "(EXISTS (" + *select + "))";
}

Result<std::string> Renderer::Node(const ScalarSubquery& subquery, const Expr& e) {
  if (!subquery.subquery) return ErrorAt(e, "incomplete expression");
  auto select = RenderSelect(*subquery.subquery, e, SelectUse::kOneColumn);
  if (!select) return select;
  return "(" + *select + ")";
}

// Only the forms that are IN and NOT IN: = ANY and <> ALL, over ARRAY[…] or a subquery.
Result<std::string> Renderer::Node(const Quantified& q, const Expr& e) {
  const bool any = q.quantifier == Quantifier::kAny;
  const bool in = any && q.op == BinaryOp::kEq;
  const bool not_in = !any && q.op == BinaryOp::kNotEq;
  const std::string written = std::string(BinaryOpName(q.op)) + (any ? " ANY" : " ALL");
  if (!in && !not_in) return ErrorAt(e, "unsupported construct " + written + " on SQLite (only = ANY and <> ALL)");
  auto left = Child(q.left, e);
  if (!left) return left;
  std::string values;
  if (q.subquery) {
    auto select = RenderSelect(*q.subquery, e, SelectUse::kOneColumn);
    if (!select) return select;
    values = std::move(*select);
  } else {
    const ArrayConstructor* array = q.array ? ArrayLiteral(*q.array, options_) : nullptr;
    if (array == nullptr) {
      return ErrorAt(e, "unsupported construct " + written + " over an array value on SQLite (use ARRAY[...] or a "
                        "subquery)");
    }
    auto elements = List(array->elements, e);
    if (!elements) return elements;
    values = std::move(*elements);
  }
  return "(" + *left + (in ? " IN (" : " NOT IN (") + values + "))";
}

Result<std::string> Renderer::Node(const ArrayConstructor& array, const Expr& e) {
  auto elements = List(array.elements, e);
  if (!elements) return elements;
  return "json_array(" + *elements + ")";
}

Result<std::string> Renderer::Node(const Subscript& subscript, const Expr& e) {
  auto array = Child(subscript.array, e);
  if (!array) return array;
  auto index = Child(subscript.index, e);
  if (!index) return index;
  return "pg_array_get(" + *array + ", " + *index + ")";
}

Result<std::string> Renderer::Node(const Cast& cast, const Expr& e) {
  if (!cast.operand) return ErrorAt(e, "incomplete expression");
  const auto kind = ClassifyCast(cast.type, options_);
  const std::string type_text = TypeNameText(cast.type);
  if (!kind) return ErrorAt(e, "unsupported cast to " + type_text);
  if (cast.type.array_dimensions > 0) {
    const bool plain = kind == CastKind::kUnchanged || kind == CastKind::kText;
    if (!plain || ArrayLiteral(*cast.operand, options_) == nullptr) {
      return ErrorAt(e, "unsupported cast to " + type_text + " (only ARRAY[...] of a type that stays unchanged)");
    }
    return Render(*cast.operand);
  }
  if (kind == CastKind::kBoolean) return BooleanCast(*cast.operand, e);
  auto operand = Render(*cast.operand);
  if (!operand) return operand;
  switch (*kind) {
    case CastKind::kUnchanged: return operand;
    case CastKind::kText:
      if (IsStringLiteral(*cast.operand)) return operand;
      return "CAST(" + *operand + " AS TEXT)";
    case CastKind::kDate:
      if (IsStringLiteral(*cast.operand)) return operand;
      return "date(" + *operand + ")";
    case CastKind::kInteger: return "CAST(" + *operand + " AS INTEGER)";
    case CastKind::kReal: return "CAST(" + *operand + " AS REAL)";
    case CastKind::kBoolean: break;
  }
  return ErrorAt(e, "unsupported cast to " + type_text);
}

// See the header: PostgreSQL's reading of booleans, literals folded here.
Result<std::string> Renderer::BooleanCast(const Expr& operand, const Expr& e) {
  if (const auto* literal = std::get_if<Literal>(&operand.node)) {
    switch (literal->kind) {
      case Literal::Kind::kNull: return std::string("NULL");
      case Literal::Kind::kBoolean: return std::string(literal->boolean ? "1" : "0");
      case Literal::Kind::kString: {
        const auto value = ParsePgBoolean(literal->text);
        if (!value) return ErrorAt(e, "invalid input syntax for type boolean: " + QuoteString(literal->text));
        return std::string(*value ? "1" : "0");
      }
      case Literal::Kind::kNumber: {
        if (literal->text.find_first_not_of("0123456789") != std::string::npos) {
          return ErrorAt(e, "cannot cast a non-integer number to boolean");
        }
        return std::string(literal->text.find_first_not_of('0') == std::string::npos ? "0" : "1");
      }
    }
  }
  auto x = Render(operand);
  if (!x) return x;
  std::string out = "(CASE WHEN typeof(" + *x + ") = 'integer' THEN (" + *x + " <> 0) ELSE (CASE lower(trim(" +
                    *x + ", char(32, 9, 10, 11, 12, 13)))";
  for (std::string_view word : kTrueWords) out += " WHEN '" + std::string(word) + "' THEN 1";
  for (std::string_view word : kFalseWords) out += " WHEN '" + std::string(word) + "' THEN 0";
  return out + " END) END)";
}

Result<std::string> Renderer::Node(const Case& node, const Expr& e) {
  if (node.whens.empty()) return ErrorAt(e, "CASE needs at least one WHEN");
  std::string out = "(CASE";
  if (node.operand) {
    auto operand = Render(*node.operand);
    if (!operand) return operand;
    out += " " + *operand;
  }
  for (const CaseWhen& when : node.whens) {
    auto condition = Child(when.condition, e);
    if (!condition) return condition;
    auto result = Child(when.result, e);
    if (!result) return result;
    out += " WHEN " + *condition + " THEN " + *result;
  }
  if (node.else_result) {
    auto otherwise = Render(*node.else_result);
    if (!otherwise) return otherwise;
    out += " ELSE " + *otherwise;
  }
  return out + " END)";
}

Result<std::string> Renderer::Node(const Between& between, const Expr& e) {
  auto operand = Child(between.operand, e);
  if (!operand) return operand;
  auto low = Child(between.low, e);
  if (!low) return low;
  auto high = Child(between.high, e);
  if (!high) return high;
  return "(" + *operand + (between.negated ? " NOT BETWEEN " : " BETWEEN ") + *low + " AND " + *high + ")";
}

// ---- subqueries ----------------------------------------------------------------------

// Resolves the FROM items through options_.table.
Result<FromTablesSql> Renderer::FromTables(const Select& select, const Expr& e) {
  FromTablesSql out;
  if (select.from.empty()) return out;
  if (!options_.table) return ErrorAt(e, "no SQLite table is known for subqueries");
  for (const FromItem& item : select.from) {
    if (HasNul(item.table.schema) || HasNul(item.table.name) || HasNul(item.alias)) {
      return Invalid("invalid table name" + At(item.line, item.column));
    }
    auto table = options_.table(item.table.schema, item.table.name);
    if (!table) return std::move(table).error();
    if (HasNul(*table)) return Invalid("invalid table name" + At(item.line, item.column));
    Relation relation{item.table.schema, item.table.name, item.alias};
    for (const Relation& other : out.relations) {
      if (other.Visible() == relation.Visible()) {
        return Invalid("table name \"" + relation.Visible() + "\" specified more than once" +
                       At(item.line, item.column));
      }
    }
    std::string rendered = QuoteIdentifier(*table);
    // An unaliased table keeps the name the policy text qualifies it with, whatever
    // SQLite calls it (auth.users is "auth_users" AS "users").
    if (!item.alias.empty() || *table != item.table.name) rendered += " AS " + QuoteIdentifier(relation.Visible());
    out.tables.push_back(std::move(rendered));
    out.relations.push_back(std::move(relation));
  }
  return out;
}

Result<std::string> Renderer::SelectList(const Select& select, const Expr& e) {
  if (select.items.empty()) return std::string("1");  // EXISTS (SELECT FROM …)
  std::string out;
  for (const SelectItem& item : select.items) {
    if (!out.empty()) out += ", ";
    if (!item.expr) {
      if (item.star_qualifier.empty()) {
        out += "*";
        continue;
      }
      auto qualifier = Qualifier(item.star_qualifier, e);
      if (!qualifier) return qualifier;
      out += *qualifier + ".*";
      continue;
    }
    auto rendered = Render(*item.expr);
    if (!rendered) return rendered;
    out += *rendered;
    if (!item.alias.empty()) {
      if (HasNul(item.alias)) return ErrorAt(e, "invalid column alias");
      out += " AS " + QuoteIdentifier(item.alias);
    }
  }
  return out;
}

// ORDER BY, LIMIT and OFFSET; PostgreSQL's NULL ordering made explicit.
Result<std::string> Renderer::OrderAndLimit(const Select& select, const Expr& e) {
  std::string out;
  for (const OrderItem& item : select.order_by) {
    auto key = Child(item.expr, e);
    if (!key) return key;
    out += out.empty() ? " ORDER BY " : ", ";
    out += *key + (item.descending ? " DESC" : " ASC");
    const bool nulls_first =
        item.nulls == NullsOrder::kFirst || (item.nulls == NullsOrder::kDefault && item.descending);
    out += nulls_first ? " NULLS FIRST" : " NULLS LAST";
  }
  if (select.limit || select.offset) {
    std::string limit = "-1";  // SQLite needs a LIMIT before OFFSET; -1 is none
    if (select.limit) {
      auto rendered = Render(*select.limit);
      if (!rendered) return rendered;
      limit = std::move(*rendered);
    }
    out += " LIMIT " + limit;
    if (select.offset) {
      auto offset = Render(*select.offset);
      if (!offset) return offset;
      out += " OFFSET " + *offset;
    }
  }
  return out;
}

Result<std::string> Renderer::RenderSelect(const Select& select, const Expr& e, SelectUse use) {
  if (select.items.empty() && use != SelectUse::kExists) return ErrorAt(e, "subquery has no columns");
  if (select.items.size() > 1 && use == SelectUse::kOneColumn) {
    return ErrorAt(e, "subquery must return only one column");
  }
  auto from = FromTables(select, e);
  if (!from) return std::move(from).error();
  // Everything below sees the subquery's relations first, as in PostgreSQL.
  scopes_.push_back(std::move(from->relations));
  struct PopScope {
    std::vector<std::vector<Relation>>& scopes;
    ~PopScope() { scopes.pop_back(); }
  } pop{scopes_};

  auto items = SelectList(select, e);
  if (!items) return items;
  std::string out = (select.distinct ? "SELECT DISTINCT " : "SELECT ") + *items;
  for (std::size_t i = 0; i < select.from.size(); ++i) {
    const FromItem& item = select.from[i];
    switch (item.join) {
      case JoinKind::kComma: out += i == 0 ? " FROM " : ", "; break;
      case JoinKind::kInner: out += " JOIN "; break;
      case JoinKind::kLeft: out += " LEFT JOIN "; break;
    }
    out += from->tables[i];
    if (item.join != JoinKind::kComma) {
      auto on = Child(item.on, e);
      if (!on) return on;
      out += " ON " + *on;
    }
  }
  if (select.where) {
    auto where = Render(*select.where);
    if (!where) return where;
    out += " WHERE " + *where;
  }
  if (!select.group_by.empty()) {
    auto keys = List(select.group_by, e);
    if (!keys) return keys;
    out += " GROUP BY " + *keys;
  }
  if (select.having) {
    auto having = Render(*select.having);
    if (!having) return having;
    out += " HAVING " + *having;
  }
  auto tail = OrderAndLimit(select, e);
  if (!tail) return tail;
  return out + *tail;
}

}  // namespace

Result<std::string> RenderSqlite(const Expr& expr, const RenderOptions& options) {
  return Renderer(options).Render(expr);
}

}  // namespace tb::policy::sql
