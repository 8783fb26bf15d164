#include "api/rest/query_parser.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <map>

#include "base/strings.h"

namespace tb::rest {

namespace {

// Embeds inside embeds, and and/or trees inside trees, stop here: enough for any real
// request, and recursion stays bounded whatever a client sends.
constexpr int kMaxDepth = 16;

// Why a parse stopped: most failures are syntax (PGRST100); a few are well-formed
// requests for features this server refuses, which PostgREST reports under other codes.
enum class Refusal { kSyntax, kAggregate, kSpread };

// A position in one parameter's text, plus the first failure met while parsing it.
// Parsing functions return std::nullopt (or false) after calling Fail().
class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}

  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek(size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  std::string_view Rest() const { return text_.substr(std::min(pos_, text_.size())); }
  // The text from `start` up to the current position.
  std::string_view Since(size_t start) const { return text_.substr(start, pos_ - start); }
  bool LookingAt(std::string_view s) const { return Rest().substr(0, s.size()) == s; }
  size_t pos() const { return pos_; }
  void Reset(size_t pos) { pos_ = pos; }
  void Advance(size_t n = 1) { pos_ = std::min(pos_ + n, text_.size()); }

  bool Consume(char c) {
    if (Peek() != c || AtEnd()) return false;
    ++pos_;
    return true;
  }
  bool Consume(std::string_view s) {
    if (!LookingAt(s)) return false;
    pos_ += s.size();
    return true;
  }
  void SkipWs() {
    while (!AtEnd() && (Peek() == ' ' || Peek() == '\t')) ++pos_;
  }

  // Records `what` (the first failure wins) and returns false.
  bool Fail(std::string what, Refusal refusal = Refusal::kSyntax) {
    if (!failed_) {
      failed_ = true;
      fail_at_ = pos_;
      what_ = std::move(what);
      refusal_ = refusal;
    }
    return false;
  }
  // Fails with "expected X" (or "X but found end of input") at the current position.
  bool Expected(std::string_view what) {
    if (AtEnd()) return Fail("expected " + std::string(what) + " but found end of input");
    return Fail("expected " + std::string(what) + " but found \"" + std::string(1, Peek()) + "\"");
  }

  bool failed() const { return failed_; }
  size_t fail_at() const { return fail_at_; }
  const std::string& what() const { return what_; }
  Refusal refusal() const { return refusal_; }

 private:
  std::string_view text_;
  size_t pos_ = 0;
  bool failed_ = false;
  size_t fail_at_ = 0;
  std::string what_;
  Refusal refusal_ = Refusal::kSyntax;
};

// PostgREST's QPError for `context` (e.g. "filter (eqq.1)"), or the refusal it stands for.
Error ParseError(std::string_view context, std::string_view text, const Cursor& cursor) {
  Error error;
  error.code = ErrorCode::kInvalidArgument;
  error.detail = cursor.what();
  switch (cursor.refusal()) {
    case Refusal::kAggregate:
      error.reason = "PGRST123";
      error.message = "Use of aggregate functions is not allowed";
      return error;
    case Refusal::kSpread:
      error.reason = "PGRST127";
      error.message = "Feature not implemented";
      return error;
    case Refusal::kSyntax:
      break;
  }
  error.reason = "PGRST100";
  error.message = "\"failed to parse " + std::string(context) + " (" + std::string(text) +
                  ")\" (line 1, column " + std::to_string(cursor.fail_at() + 1) + ")";
  return error;
}

Error RangeError(std::string detail) {
  Error error = Error::WithReason(ErrorCode::kInvalidArgument, "PGRST103",
                                  "Requested range not satisfiable");
  error.detail = std::move(detail);
  return error;
}

Error SyntaxError(std::string message) {
  return Error::WithReason(ErrorCode::kInvalidArgument, "PGRST100", std::move(message));
}

// ---- Names --------------------------------------------------------------------------

bool IsIdentifierChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '$' || c == ' ' || u >= 0x80;  // UTF-8 letters count as letters
}

// Chars that end an unquoted JSON key: the path's own punctuation.
bool IsJsonKeyChar(char c) {
  return std::string_view("(-:.,>)").find(c) == std::string_view::npos && c != '\0';
}

// `"..."`, where `\x` stands for x. REQUIRES: Peek() == '"'.
std::optional<std::string> ParseQuoted(Cursor& c) {
  c.Advance();
  std::string out;
  while (!c.AtEnd()) {
    const char ch = c.Peek();
    c.Advance();
    if (ch == '"') return out;
    if (ch == '\\') {
      if (c.AtEnd()) break;
      out.push_back(c.Peek());
      c.Advance();
      continue;
    }
    out.push_back(ch);
  }
  c.Fail("unterminated double quote");
  return std::nullopt;
}

// One or more chars accepted by `accept`, spaces at both ends dropped.
std::optional<std::string> ParseRun(Cursor& c, bool (*accept)(char), std::string_view what) {
  const size_t start = c.pos();
  while (!c.AtEnd() && accept(c.Peek())) c.Advance();
  const std::string_view run = Trim(c.Since(start));
  if (run.empty()) {
    c.Reset(start);
    c.Expected(what);
    return std::nullopt;
  }
  return std::string(run);
}

// Runs joined by single dashes (a dash before `>` starts a JSON arrow, not a name part).
std::optional<std::string> ParseDashed(Cursor& c, bool (*accept)(char), std::string_view what) {
  auto name = ParseRun(c, accept, what);
  while (name && c.Peek() == '-' && c.Peek(1) != '>') {
    c.Advance();
    auto part = ParseRun(c, accept, what);
    if (!part) return std::nullopt;
    *name += "-" + *part;
  }
  return name;
}

// A column, relation, alias or hint: quoted, or letters, digits, `_`, `$`, spaces, dashes.
std::optional<std::string> ParseName(Cursor& c) {
  if (c.Peek() == '"') return ParseQuoted(c);
  return ParseDashed(c, IsIdentifierChar, "a name");
}

// A type name after `::`.
std::optional<std::string> ParseTypeName(Cursor& c) {
  return ParseRun(c, IsIdentifierChar, "a type name");
}

// An array index operand: digits with an optional minus, ending where a path may end.
std::optional<JsonStep> TryParseJsonIndex(Cursor& c) {
  const size_t start = c.pos();
  c.Consume('-');
  const size_t digits = c.pos();
  while (c.Peek() >= '0' && c.Peek() <= '9') c.Advance();
  const bool ends = c.AtEnd() || c.LookingAt("->") || c.LookingAt("::") ||
                    c.Peek() == '.' || c.Peek() == ',' || c.Peek() == ')';
  if (c.pos() == digits || !ends) {
    c.Reset(start);
    return std::nullopt;
  }
  JsonStep step;
  step.is_index = true;
  step.key = std::string(c.Since(start));
  const auto [end, ec] = std::from_chars(step.key.data(), step.key.data() + step.key.size(),
                                         step.index);
  if (ec != std::errc() || end != step.key.data() + step.key.size()) {
    c.Fail("JSON array index " + step.key + " is out of range");
    return std::nullopt;
  }
  return step;
}

// Zero or more `->operand` / `->>operand`.
std::optional<std::vector<JsonStep>> ParseJsonPath(Cursor& c) {
  std::vector<JsonStep> path;
  while (c.LookingAt("->")) {
    const bool as_text = c.Consume("->>");
    if (!as_text) c.Consume("->");
    std::optional<JsonStep> step = TryParseJsonIndex(c);
    if (!step && c.Peek() == '-') {
      c.Fail("malformed JSON array index");
      return std::nullopt;
    }
    if (!step) {
      auto key = c.Peek() == '"' ? ParseQuoted(c) : ParseDashed(c, IsJsonKeyChar, "a JSON key");
      if (!key) return std::nullopt;
      step = JsonStep{};
      step->key = std::move(*key);
    }
    step->as_text = as_text;
    path.push_back(std::move(*step));
  }
  return path;
}

// A name and its JSON path, with surrounding spaces.
std::optional<Field> ParseField(Cursor& c) {
  c.SkipWs();
  auto name = ParseName(c);
  if (!name) return std::nullopt;
  auto path = ParseJsonPath(c);
  if (!path) return std::nullopt;
  c.SkipWs();
  return Field{std::move(*name), std::move(*path)};
}

// ---- select -------------------------------------------------------------------------

std::optional<std::vector<SelectItem>> ParseSelectList(Cursor& c, int depth);

bool AtItemEnd(Cursor& c) {
  c.SkipWs();
  return c.AtEnd() || c.Peek() == ',' || c.Peek() == ')';
}

// The response key of a column: see SelectItem::output_name.
std::string OutputNameOf(const Field& field, const std::string& alias) {
  if (!alias.empty()) return alias;
  for (auto step = field.json_path.rbegin(); step != field.json_path.rend(); ++step) {
    if (!step->is_index) return step->key;
  }
  return field.name;
}

// After `[alias:]relation`: `!hint`, `!inner`, `!hint!left`..., then `(children)`.
bool ParseEmbed(Cursor& c, SelectItem& item, int depth) {
  item.kind = SelectItem::Kind::kEmbed;
  bool has_join = false;
  for (int params = 0; c.Consume('!'); ++params) {
    const bool quoted = c.Peek() == '"';
    auto word = ParseName(c);
    if (!word) return false;
    if (params == 2) return c.Fail("an embed takes at most a hint and a join type");
    if (!quoted && (*word == "inner" || *word == "left")) {
      if (has_join) return c.Fail("embed \"" + item.relation + "\" has two join types");
      has_join = true;
      item.join = *word == "inner" ? JoinType::kInner : JoinType::kLeft;
    } else {
      if (!item.hint.empty()) return c.Fail("embed \"" + item.relation + "\" has two hints");
      item.hint = std::move(*word);
    }
  }
  if (!c.Consume('(')) return c.Expected("\"(\" after the embedded relation");
  if (depth + 1 > kMaxDepth) {
    return c.Fail("embeds nest deeper than " + std::to_string(kMaxDepth) + " levels");
  }
  auto children = ParseSelectList(c, depth + 1);
  if (!children) return false;
  if (!c.Consume(')')) return c.Expected("\",\" or \")\"");
  item.children = std::move(*children);
  item.output_name = item.alias.empty() ? item.relation : item.alias;
  return true;
}

// After `[alias:]column`: the JSON path, `::cast`, then the end of the item.
bool ParseColumn(Cursor& c, SelectItem& item) {
  auto path = ParseJsonPath(c);
  if (!path) return false;
  item.field.json_path = std::move(*path);
  if (c.Consume("::")) {
    auto cast = ParseTypeName(c);
    if (!cast) return false;
    item.cast = std::move(*cast);
  }
  if (c.Peek() == '.') {
    const size_t dot = c.pos();
    c.Advance();
    for (std::string_view agg : {"sum()", "avg()", "count()", "max()", "min()"}) {
      if (c.LookingAt(agg)) return c.Fail("aggregate ." + std::string(agg), Refusal::kAggregate);
    }
    c.Reset(dot);
  }
  if (!AtItemEnd(c)) return c.Expected("\",\", \")\" or the end of the select");
  item.output_name = OutputNameOf(item.field, item.alias);
  return true;
}

std::optional<SelectItem> ParseSelectItem(Cursor& c, int depth) {
  c.SkipWs();
  SelectItem item;
  if (c.Consume('*')) {
    item.kind = SelectItem::Kind::kStar;
    if (!AtItemEnd(c)) {
      c.Expected("\",\" or \")\" after \"*\"");
      return std::nullopt;
    }
    return item;
  }
  if (c.LookingAt("...")) {
    c.Fail("spread embeds (...relation(...)) are not supported", Refusal::kSpread);
    return std::nullopt;
  }
  auto first = ParseName(c);
  if (!first) return std::nullopt;
  std::string name = std::move(*first);
  if (c.Peek() == ':' && c.Peek(1) != ':') {
    c.Advance();
    item.alias = std::move(name);
    auto second = ParseName(c);
    if (!second) return std::nullopt;
    name = std::move(*second);
  }
  if (c.Peek() == '(' && name == "count") {
    c.Fail("aggregate count()", Refusal::kAggregate);
    return std::nullopt;
  }
  bool ok = false;
  if (c.Peek() == '!' || c.Peek() == '(') {
    item.relation = std::move(name);
    ok = ParseEmbed(c, item, depth);
  } else {
    item.field.name = std::move(name);
    ok = ParseColumn(c, item);
  }
  if (!ok) return std::nullopt;
  c.SkipWs();
  return item;
}

// Items separated by commas, up to `)` or the end; none at all is an empty list.
std::optional<std::vector<SelectItem>> ParseSelectList(Cursor& c, int depth) {
  std::vector<SelectItem> items;
  c.SkipWs();
  if (c.AtEnd() || c.Peek() == ')') return items;
  do {
    auto item = ParseSelectItem(c, depth);
    if (!item) return std::nullopt;
    items.push_back(std::move(*item));
    c.SkipWs();
  } while (c.Consume(','));
  return items;
}

Result<std::vector<SelectItem>> ParseSelect(std::string_view text) {
  Cursor c(text);
  auto items = ParseSelectList(c, 0);
  if (items && !c.AtEnd()) {
    c.Fail("unexpected \"" + std::string(1, c.Peek()) + "\"");
    items.reset();
  }
  if (!items) return ParseError("select parameter", text, c);
  return std::move(*items);
}

// ---- Filters ------------------------------------------------------------------------

struct OpInfo {
  std::string_view name;
  FilterOp op;
  enum Kind { kSimple, kQuantified, kFts } kind;
};

constexpr OpInfo kOps[] = {
    {"eq", FilterOp::kEq, OpInfo::kQuantified},      {"neq", FilterOp::kNeq, OpInfo::kSimple},
    {"gt", FilterOp::kGt, OpInfo::kQuantified},      {"gte", FilterOp::kGte, OpInfo::kQuantified},
    {"lt", FilterOp::kLt, OpInfo::kQuantified},      {"lte", FilterOp::kLte, OpInfo::kQuantified},
    {"like", FilterOp::kLike, OpInfo::kQuantified},
    {"ilike", FilterOp::kIlike, OpInfo::kQuantified},
    {"match", FilterOp::kMatch, OpInfo::kQuantified},
    {"imatch", FilterOp::kImatch, OpInfo::kQuantified},
    {"isdistinct", FilterOp::kIsDistinct, OpInfo::kSimple},
    {"cs", FilterOp::kCs, OpInfo::kSimple},          {"cd", FilterOp::kCd, OpInfo::kSimple},
    {"ov", FilterOp::kOv, OpInfo::kSimple},          {"sl", FilterOp::kSl, OpInfo::kSimple},
    {"sr", FilterOp::kSr, OpInfo::kSimple},          {"nxl", FilterOp::kNxl, OpInfo::kSimple},
    {"nxr", FilterOp::kNxr, OpInfo::kSimple},        {"adj", FilterOp::kAdj, OpInfo::kSimple},
    {"fts", FilterOp::kFts, OpInfo::kFts},           {"plfts", FilterOp::kPlfts, OpInfo::kFts},
    {"phfts", FilterOp::kPhfts, OpInfo::kFts},       {"wfts", FilterOp::kWfts, OpInfo::kFts},
};

// Where a value sits decides where it ends.
enum class ValueIn {
  kParam,  // a filter parameter: the rest of the text, as sent
  kLogic,  // an and/or tree: quoted, a `{...}` array literal, or up to `,` or `)`
  kList,   // an `in` list: quoted, or up to `,` or `)`
};

std::string ParseValue(Cursor& c, ValueIn where) {
  if (where == ValueIn::kParam) {
    std::string value(c.Rest());
    c.Advance(value.size());
    return value;
  }
  const size_t start = c.pos();
  if (c.Peek() == '"') {
    Cursor probe = c;
    auto quoted = ParseQuoted(probe);
    if (quoted && (probe.AtEnd() || probe.Peek() == ',' || probe.Peek() == ')')) {
      c.Reset(probe.pos());
      return *quoted;
    }
  } else if (c.Peek() == '{' && where == ValueIn::kLogic) {
    const std::string_view rest = c.Rest();
    const size_t close = rest.find_first_of("{}", 1);
    if (close != std::string_view::npos && rest[close] == '}') {
      c.Advance(close + 1);
      return std::string(rest.substr(0, close + 1));
    }
  }
  while (!c.AtEnd() && c.Peek() != ',' && c.Peek() != ')') c.Advance();
  return std::string(c.Since(start));
}

// `(a,"b,c",d)`: the values of `in`. `()` is the empty list.
std::optional<std::vector<std::string>> ParseList(Cursor& c) {
  c.SkipWs();
  if (!c.Consume('(')) {
    c.Expected("\"(\" to open the list");
    return std::nullopt;
  }
  c.SkipWs();
  std::vector<std::string> values;
  if (c.Consume(')')) return values;
  do {
    values.push_back(ParseValue(c, ValueIn::kList));
  } while (c.Consume(','));
  if (!c.Consume(')')) {
    c.Expected("\",\" or \")\" in the list");
    return std::nullopt;
  }
  c.SkipWs();
  return values;
}

std::optional<IsValue> ParseIsValue(Cursor& c) {
  const size_t start = c.pos();
  while (!c.AtEnd() && IsIdentifierChar(c.Peek()) && c.Peek() != ' ') c.Advance();
  const std::string word = AsciiLower(c.Since(start));
  if (word == "null") return IsValue::kNull;
  if (word == "not_null") return IsValue::kNotNull;
  if (word == "true") return IsValue::kTrue;
  if (word == "false") return IsValue::kFalse;
  if (word == "unknown") return IsValue::kUnknown;
  c.Reset(start);
  c.Fail("is takes null, not_null, true, false or unknown");
  return std::nullopt;
}

// `(any)` / `(all)` after a quantifiable operator, or nothing.
std::optional<Quantifier> ParseQuantifier(Cursor& c) {
  if (c.Consume("(any)")) return Quantifier::kAny;
  if (c.Consume("(all)")) return Quantifier::kAll;
  if (c.Peek() == '(') {
    c.Fail("expected (any) or (all)");
    return std::nullopt;
  }
  return Quantifier::kNone;
}

// Operator and value: `[not.]op[(modifier)].value` into `filter` (field and path untouched).
bool ParseOpExpr(Cursor& c, ValueIn where, Filter& filter) {
  filter.negated = c.Consume("not.");
  const size_t start = c.pos();
  while (!c.AtEnd() && c.Peek() != '.' && c.Peek() != '(') c.Advance();
  const std::string_view name = c.Since(start);
  if (name.empty()) return c.Expected("an operator (eq, gt, ...)");
  if (name == "in" || name == "is") {
    if (!c.Consume('.')) return c.Expected("\".\" after " + std::string(name));
    if (name == "in") {
      filter.op = FilterOp::kIn;
      auto values = ParseList(c);
      if (!values) return false;
      filter.values = std::move(*values);
      return true;
    }
    filter.op = FilterOp::kIs;
    auto is_value = ParseIsValue(c);
    if (!is_value) return false;
    filter.is_value = *is_value;
    return true;
  }
  const auto info = std::find_if(std::begin(kOps), std::end(kOps),
                                 [&](const OpInfo& op) { return op.name == name; });
  if (info == std::end(kOps)) {
    c.Reset(start);
    return c.Fail("unknown operator \"" + std::string(name) + "\"");
  }
  filter.op = info->op;
  if (info->kind == OpInfo::kQuantified) {
    auto quantifier = ParseQuantifier(c);
    if (!quantifier) return false;
    filter.quantifier = *quantifier;
  } else if (info->kind == OpInfo::kFts && c.Consume('(')) {
    auto language = ParseTypeName(c);
    if (!language) return false;
    if (!c.Consume(')')) return c.Expected("\")\" after the text search config");
    filter.language = std::move(*language);
  }
  if (!c.Consume('.')) return c.Expected("\".\" after " + std::string(name));
  filter.value = ParseValue(c, where);
  if (filter.op == FilterOp::kLike || filter.op == FilterOp::kIlike) {
    std::replace(filter.value.begin(), filter.value.end(), '*', '%');
  }
  return true;
}

// A parameter key `rel.rel.column->json`: the embed path and the field.
std::optional<std::pair<EmbedPath, Field>> ParseTreePath(Cursor& c) {
  EmbedPath path;
  auto name = ParseName(c);
  if (!name) return std::nullopt;
  while (c.Consume('.')) {
    path.push_back(std::move(*name));
    name = ParseName(c);
    if (!name) return std::nullopt;
  }
  auto json = ParseJsonPath(c);
  if (!json) return std::nullopt;
  if (!c.AtEnd()) {
    c.Expected("the end of the name");
    return std::nullopt;
  }
  return std::pair{std::move(path), Field{std::move(*name), std::move(*json)}};
}

// A key prefix naming only relations (`items.sub` of `items.sub.order`); "" is the top.
Result<EmbedPath> ParseEmbedPath(std::string_view prefix, std::string_view key) {
  if (prefix.empty()) return EmbedPath{};
  Cursor c(prefix);
  auto parsed = ParseTreePath(c);
  if (parsed && !parsed->second.json_path.empty()) {
    c.Fail("a JSON path cannot name an embedded relation");
    parsed.reset();
  }
  if (!parsed) return ParseError("tree path", key, c);
  parsed->first.push_back(std::move(parsed->second.name));
  return std::move(parsed->first);
}

Result<Filter> ParseFilter(std::string_view key, std::string_view value) {
  Cursor key_cursor(key);
  auto target = ParseTreePath(key_cursor);
  if (!target) return ParseError("tree path", key, key_cursor);
  Filter filter;
  filter.path = std::move(target->first);
  filter.field = std::move(target->second);
  Cursor c(value);
  if (ParseOpExpr(c, ValueIn::kParam, filter) && !c.AtEnd()) {
    c.Fail("unexpected \"" + std::string(1, c.Peek()) + "\" after the value");
  }
  if (c.failed()) return ParseError("filter", value, c);
  return filter;
}

// ---- and / or -----------------------------------------------------------------------

bool ParseLogicBody(Cursor& c, Logic& logic, int depth);

// Whether the text ahead is `[not.]and(` or `[not.]or(` rather than a filter.
bool AtNestedLogic(const Cursor& c) {
  std::string_view rest = c.Rest();
  if (rest.substr(0, 4) == "not.") rest.remove_prefix(4);
  for (std::string_view op : {"and", "or"}) {
    if (rest.substr(0, op.size()) != op) continue;
    const std::string_view after = Trim(rest.substr(op.size()));
    if (!after.empty() && after.front() == '(') return true;
  }
  return false;
}

bool ParseLogicOperand(Cursor& c, Logic& logic, int depth) {
  c.SkipWs();
  if (AtNestedLogic(c)) {
    if (depth + 1 > kMaxDepth) {
      return c.Fail("and/or trees nest deeper than " + std::to_string(kMaxDepth) + " levels");
    }
    Logic child;
    child.path = logic.path;
    child.negated = c.Consume("not.");
    child.op = LogicOp::kAnd;
    if (!c.Consume("and")) {
      c.Consume("or");
      child.op = LogicOp::kOr;
    }
    if (!ParseLogicBody(c, child, depth + 1)) return false;
    logic.children.push_back(std::move(child));
    return true;
  }
  auto field = ParseField(c);
  if (!field) return false;
  if (!c.Consume('.')) return c.Expected("\".\" after the column");
  Filter filter;
  filter.path = logic.path;
  filter.field = std::move(*field);
  if (!ParseOpExpr(c, ValueIn::kLogic, filter)) return false;
  logic.filters.push_back(std::move(filter));
  c.SkipWs();
  return true;
}

// `(operand,operand,...)`.
bool ParseLogicBody(Cursor& c, Logic& logic, int depth) {
  c.SkipWs();
  if (!c.Consume('(')) return c.Expected("\"(\"");
  do {
    if (!ParseLogicOperand(c, logic, depth)) return false;
  } while (c.Consume(','));
  if (!c.Consume(')')) return c.Expected("\",\" or \")\"");
  c.SkipWs();
  return true;
}

// `or=(...)`, `not.and=(...)`, `items.or=(...)`: every `not` segment negates the tree.
Result<Logic> ParseLogic(std::string_view key, std::string_view value) {
  Logic logic;
  const std::vector<std::string_view> parts = Split(key, '.');
  logic.op = parts.back() == "and" ? LogicOp::kAnd : LogicOp::kOr;
  std::string prefix;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (parts[i] == "not") {
      logic.negated = true;
      continue;
    }
    prefix += (prefix.empty() ? "" : ".") + std::string(parts[i]);
  }
  auto path = ParseEmbedPath(prefix, key);
  if (!path) return path.error();
  logic.path = std::move(*path);
  Cursor c(value);
  if (ParseLogicBody(c, logic, 1) && !c.AtEnd()) {
    c.Fail("unexpected \"" + std::string(1, c.Peek()) + "\" after the tree");
  }
  if (c.failed()) return ParseError("logic tree", value, c);
  return logic;
}

// ---- order --------------------------------------------------------------------------

std::optional<OrderTerm> ParseOrderTerm(Cursor& c) {
  c.SkipWs();
  OrderTerm term;
  auto name = ParseName(c);
  if (!name) return std::nullopt;
  if (c.Consume('(')) {
    term.relation = std::move(*name);
    auto field = ParseField(c);
    if (!field) return std::nullopt;
    term.field = std::move(*field);
    if (!c.Consume(')')) {
      c.Expected("\")\" after the related column");
      return std::nullopt;
    }
  } else {
    auto json = ParseJsonPath(c);
    if (!json) return std::nullopt;
    term.field = Field{std::move(*name), std::move(*json)};
  }
  if (c.Consume(".asc")) term.direction = OrderDirection::kAsc;
  else if (c.Consume(".desc")) term.direction = OrderDirection::kDesc;
  if (c.Consume(".nullsfirst")) term.nulls = NullsOrder::kFirst;
  else if (c.Consume(".nullslast")) term.nulls = NullsOrder::kLast;
  c.SkipWs();
  if (!c.AtEnd() && c.Peek() != ',') {
    c.Expected("asc, desc, nullsfirst or nullslast");
    return std::nullopt;
  }
  return term;
}

Result<std::vector<OrderTerm>> ParseOrderTerms(std::string_view value) {
  Cursor c(value);
  std::vector<OrderTerm> terms;
  do {
    auto term = ParseOrderTerm(c);
    if (!term) return ParseError("order", value, c);
    terms.push_back(std::move(*term));
  } while (c.Consume(','));
  return terms;
}

// ---- columns, on_conflict, limit, offset, Range -------------------------------------

Result<std::vector<std::string>> ParseColumns(std::string_view param, std::string_view text) {
  Cursor c(text);
  std::vector<std::string> names;
  do {
    c.SkipWs();
    auto name = ParseName(c);
    if (!name) return ParseError(std::string(param) + " parameter", text, c);
    names.push_back(std::move(*name));
    c.SkipWs();
  } while (c.Consume(','));
  if (!c.AtEnd()) {
    c.Fail("unexpected \"" + std::string(1, c.Peek()) + "\"");
    return ParseError(std::string(param) + " parameter", text, c);
  }
  return names;
}

// Rows [first, last] of a Range header (`0-9`, or `10-` for no last); nullopt when absent.
struct RowSpan {
  int64_t first = 0;
  std::optional<int64_t> last;
};

bool AllDigits(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
}

Result<std::optional<RowSpan>> ParseRangeHeader(std::string_view header) {
  header = Trim(header);
  if (header.empty()) return std::optional<RowSpan>();
  const size_t dash = header.find('-');
  const std::string_view lower = header.substr(0, dash);
  const std::string_view upper =
      dash == std::string_view::npos ? std::string_view() : header.substr(dash + 1);
  RowSpan span;
  const std::optional<int64_t> first = AllDigits(lower) ? ParseInt64(lower) : std::nullopt;
  if (!upper.empty()) span.last = AllDigits(upper) ? ParseInt64(upper) : std::nullopt;
  if (dash == std::string_view::npos || !first || (!upper.empty() && !span.last)) {
    return SyntaxError("\"" + std::string(header) + "\" is not a valid range");
  }
  span.first = *first;
  if (span.last && *span.last < span.first) {
    return RangeError(
        "The lower boundary must be lower than or equal to the upper boundary in the Range "
        "header.");
  }
  return std::optional<RowSpan>(span);
}

// The top level's page: `limit`/`offset` intersected with the Range header.
Page MergeRange(Page page, const RowSpan& span) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  const int64_t first = std::max(page.offset, span.first);
  std::optional<int64_t> last = span.last;
  if (page.limit) {
    const int64_t param_last =
        *page.limit > kMax - page.offset ? kMax : page.offset + *page.limit - 1;
    last = last ? std::min(*last, param_last) : param_last;
  }
  page.offset = first;
  page.limit.reset();
  if (last) page.limit = *last < first ? 0 : *last - first + 1;
  return page;
}

// ---- Parameter dispatch -------------------------------------------------------------

std::string_view LastSegment(std::string_view key) {
  const size_t dot = key.rfind('.');
  return dot == std::string_view::npos ? key : key.substr(dot + 1);
}

std::string_view Prefix(std::string_view key) {
  const size_t dot = key.rfind('.');
  return dot == std::string_view::npos ? std::string_view() : key.substr(0, dot);
}

// Collects `limit`/`offset` by path as parameters arrive (the last one of each wins).
class PageCollector {
 public:
  Status Add(std::string_view key, std::string_view value) {
    const bool is_limit = LastSegment(key) == "limit";
    auto path = ParseEmbedPath(Prefix(key), key);
    if (!path) return path.error();
    const std::optional<int64_t> number = ParseInt64(value);
    if (!number) {
      return SyntaxError("\"" + std::string(value) + "\" is not a valid " +
                         (is_limit ? "limit" : "offset"));
    }
    if (*number < 0) {
      return RangeError(is_limit ? "Limit should be greater than or equal to zero."
                                 : "Offset should be greater than or equal to zero.");
    }
    Page& page = pages_[*path];
    page.path = *path;
    if (is_limit) page.limit = *number;
    else page.offset = *number;
    return Ok();
  }

  Result<std::vector<Page>> Finish(std::string_view range_header) && {
    auto span = ParseRangeHeader(range_header);
    if (!span) return span.error();
    if (*span) pages_[EmbedPath{}] = MergeRange(pages_[EmbedPath{}], **span);
    std::vector<Page> pages;
    for (auto& [path, page] : pages_) pages.push_back(std::move(page));
    return pages;
  }

 private:
  std::map<EmbedPath, Page> pages_;
};

Status AddOrder(std::string_view key, std::string_view value, std::vector<Order>& orders) {
  auto path = ParseEmbedPath(Prefix(key), key);
  if (!path) return path.error();
  auto terms = ParseOrderTerms(value);
  if (!terms) return terms.error();
  auto same = std::find_if(orders.begin(), orders.end(),
                           [&](const Order& order) { return order.path == *path; });
  if (same == orders.end()) {
    orders.push_back(Order{std::move(*path), std::move(*terms)});
  } else {
    for (OrderTerm& term : *terms) same->terms.push_back(std::move(term));
  }
  return Ok();
}

}  // namespace

const char* FilterOpName(FilterOp op) {
  if (op == FilterOp::kIn) return "in";
  if (op == FilterOp::kIs) return "is";
  for (const OpInfo& info : kOps) {
    if (info.op == op) return info.name.data();  // literals: NUL-terminated
  }
  return "?";
}

const Order* ReadQuery::OrderFor(const EmbedPath& path) const {
  for (const Order& order : orders) {
    if (order.path == path) return &order;
  }
  return nullptr;
}

const Page* ReadQuery::PageFor(const EmbedPath& path) const {
  for (const Page& page : pages) {
    if (page.path == path) return &page;
  }
  return nullptr;
}

Result<ReadQuery> ParseQuery(std::span<const std::pair<std::string, std::string>> params,
                             std::string_view range_header) {
  ReadQuery query;
  PageCollector pages;
  bool seen_select = false;
  for (const auto& [key, value] : params) {
    const std::string_view last = LastSegment(key);
    if (key == "select") {
      if (seen_select) continue;  // the first one counts, as in PostgREST
      seen_select = true;
      auto select = ParseSelect(value);
      if (!select) return select.error();
      query.select = std::move(*select);
    } else if (key == "columns" || key == "on_conflict") {
      auto& slot = key == "columns" ? query.columns : query.on_conflict;
      if (slot) continue;
      auto names = ParseColumns(key, value);
      if (!names) return names.error();
      slot = std::move(*names);
    } else if (last == "order") {
      if (Status added = AddOrder(key, value, query.orders); !added) return added.error();
    } else if (last == "limit" || last == "offset") {
      if (Status added = pages.Add(key, value); !added) return added.error();
    } else if (last == "and" || last == "or") {
      auto logic = ParseLogic(key, value);
      if (!logic) return logic.error();
      query.logics.push_back(std::move(*logic));
    } else {
      auto filter = ParseFilter(key, value);
      if (!filter) return filter.error();
      query.filters.push_back(std::move(*filter));
    }
  }
  if (!seen_select) {
    SelectItem star;
    star.kind = SelectItem::Kind::kStar;
    query.select.push_back(std::move(star));
  }
  auto merged = std::move(pages).Finish(range_header);
  if (!merged) return merged.error();
  query.pages = std::move(*merged);
  return query;
}

}  // namespace tb::rest
