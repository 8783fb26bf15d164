#include "policy/sql/ddl_sqlite.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <optional>
#include <set>

#include "policy/sql/check_trigger.h"
#include "policy/sql/parser.h"
#include "policy/sql/render_sqlite.h"

namespace tb::policy::sql {

namespace {

Error Invalid(std::string message) { return Error::Make(ErrorCode::kInvalidArgument, std::move(message)); }

bool Contains(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

std::string Join(const std::vector<std::string>& names, bool quoted) {
  std::string out;
  for (const std::string& name : names) {
    if (!out.empty()) out += ", ";
    out += quoted ? QuoteName(name) : name;
  }
  return out;
}

// Words that end a column's type or its DEFAULT expression.
bool IsColumnConstraintWord(const Token& t) {
  static const std::set<std::string_view, std::less<>> kWords = {
      "constraint", "not", "null", "default", "primary", "unique", "check", "references", "generated", "collate"};
  return t.kind == TokenKind::kIdentifier && kWords.count(t.text) > 0;
}

struct ColumnType {
  std::string declared;   // the SQLite declared type
  bool boolean = false;
  bool json = false;
  bool array = false;     // stored as a JSON array (declared jsonb)
  bool serial = false;    // serial, bigserial, GENERATED … AS IDENTITY
  std::string enum_type;  // the enum (or the element type of an enum array); "" otherwise
  int max_length = 0;     // varchar(n), char(n)
};

struct ForeignKey {
  std::vector<std::string> columns;
  std::string target;  // SQLite name
  std::vector<std::string> target_columns;
  std::string tail;  // " ON DELETE CASCADE …"
};

struct Column {
  std::string name;
  ColumnType type;
  bool not_null = false;
  bool primary_key = false;
  bool unique = false;
  std::string default_sql;
  std::optional<ForeignKey> references;
};

struct Check {
  std::string name;
  std::string text;  // positioned for the parser
  Token start;       // CHECK
};

// Maps a built-in type name (words joined by one space) to its declared SQLite type.
std::optional<ColumnType> BuiltinType(const std::string& name, const std::vector<std::string>& modifiers) {
  static const std::pair<std::string_view, std::string_view> kPlain[] = {
      {"int", "integer"}, {"int4", "integer"}, {"integer", "integer"}, {"int8", "bigint"}, {"bigint", "bigint"},
      {"int2", "smallint"}, {"smallint", "smallint"}, {"float8", "double precision"}, {"float", "double precision"},
      {"double precision", "double precision"}, {"float4", "real"}, {"real", "real"}, {"text", "text"},
      {"citext", "citext"}, {"uuid", "uuid"}, {"date", "date"}, {"bytea", "bytea"}, {"inet", "inet"},
      {"timestamptz", "timestamptz"}, {"timestamp with time zone", "timestamptz"}, {"timestamp", "timestamp"},
      {"timestamp without time zone", "timestamp"}, {"time", "time"}, {"time without time zone", "time"}};
  ColumnType type;
  for (const auto& [written, declared] : kPlain) {
    if (name == written) {
      type.declared = std::string(declared);
      return type;
    }
  }
  std::string args;
  for (const std::string& m : modifiers) args += (args.empty() ? "" : ",") + m;
  if (name == "bool" || name == "boolean") {
    type.declared = "boolean", type.boolean = true;
  } else if (name == "json" || name == "jsonb") {
    type.declared = name, type.json = true;
  } else if (name == "numeric" || name == "decimal") {
    type.declared = args.empty() ? "numeric" : "numeric(" + args + ")";
  } else if (name == "varchar" || name == "character varying" || name == "char" || name == "character" ||
             name == "bpchar") {
    const bool varying = name == "varchar" || name == "character varying";
    std::string n = modifiers.empty() ? (varying ? "" : "1") : modifiers[0];
    type.declared = std::string(varying ? "varchar" : "char") + (n.empty() ? "" : "(" + n + ")");
    type.max_length = n.empty() ? 0 : std::atoi(n.c_str());
  } else if (name == "serial" || name == "serial4" || name == "bigserial" || name == "serial8" ||
             name == "smallserial" || name == "serial2") {
    type.declared = "integer", type.serial = true;
  } else {
    return std::nullopt;
  }
  return type;
}

// Reads CREATE TABLE; see the header for what each part becomes.
class TableReader {
 public:
  TableReader(TokenCursor& cursor, const DdlOptions& options) : cursor_(cursor), options_(options) {}

  Result<TableDdl> Read();

 private:
  Status Element(TokenCursor& c);
  Status ColumnDefinition(TokenCursor& c);
  Status TableConstraint(TokenCursor& c, std::string name);
  Result<ColumnType> Type(TokenCursor& c);
  Result<ForeignKey> References(TokenCursor& c, std::vector<std::string> columns);
  Result<std::vector<std::string>> ColumnList(TokenCursor& c);
  Result<std::string> Default(TokenCursor& c, const Column& column);
  Status CheckClause(TokenCursor& c, std::string name, const std::string& column);
  Status Finish();
  Status Assemble();
  Status AddCheck(const Check& check);
  void AddEnumTriggers(const Column& column);
  Column* Find(std::string_view name);

  TokenCursor& cursor_;
  const DdlOptions& options_;
  TableDdl out_;
  std::vector<std::vector<Token>> elements_;  // outlive their cursors
  std::vector<Column> columns_;
  std::vector<std::string> primary_key_;
  std::vector<std::vector<std::string>> uniques_;
  std::vector<ForeignKey> foreign_keys_;
  std::vector<Check> checks_;
  std::vector<std::string> constraints_sql_;  // rendered table constraints, in order
  std::set<std::string, std::less<>> constraint_names_;
};

Column* TableReader::Find(std::string_view name) {
  for (Column& c : columns_) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

Result<TableDdl> TableReader::Read() {
  TokenCursor& c = cursor_;
  c.Take();  // CREATE
  if (!c.AcceptWords({"table"})) {
    std::string kind = c.Peek().text;
    for (char& ch : kind) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return c.ErrorHere("unsupported construct CREATE " + kind + " TABLE on SQLite");
  }
  out_.if_not_exists = c.AcceptWords({"if", "not", "exists"});
  const Token& name_token = c.Peek();
  auto name = c.QualifiedName();
  if (!name) return std::move(name).error();
  if (!name->first.empty() && name->first != "public") {
    return Invalid("app migrations create tables in schema public only, not " + name->first + " " + AtLine(name_token));
  }
  for (std::string_view reserved : {"kit_", "auth_", "storage_", "sqlite_"}) {
    if (name->second.starts_with(reserved) || name->second == "schema_migrations" ||
        name->second == "app_schema_migrations") {
      return Invalid("table name \"" + name->second + "\" is reserved on SQLite (" + std::string(reserved) +
                     "… names stand for another schema) " + AtLine(name_token));
    }
  }
  out_.table = name->second;
  if (!c.AtPunct('(')) {
    if (c.AtWords({"of"}) || c.AtWords({"partition", "of"})) return c.ErrorHere("unsupported construct typed or partition table");
    return c.SyntaxErrorHere();
  }
  const std::size_t open = c.position();
  const std::size_t close = c.MatchingClose(open);
  if (c.At(close).kind == TokenKind::kEnd) return Invalid("syntax error at end of input " + AtLine(c.At(close)));
  // One token vector (ending in kEnd) per element between the parentheses.
  for (std::size_t begin = open + 1; begin < close;) {
    std::size_t end = c.FindTopLevel(begin, [&](const Token& t) {
      return t.offset == c.At(close).offset || (t.kind == TokenKind::kPunctuation && t.text == ",");
    });
    end = std::min(end, close);
    std::vector<Token> tokens;
    for (std::size_t i = begin; i < end; ++i) tokens.push_back(c.At(i));
    Token stop = c.At(end);
    stop.kind = TokenKind::kEnd;
    tokens.push_back(stop);
    elements_.push_back(std::move(tokens));
    begin = end + 1;
  }
  for (const std::vector<Token>& tokens : elements_) {
    if (tokens.size() == 1) return Invalid("syntax error at or near \",\" " + AtLine(tokens.back()));
    TokenCursor element = cursor_.Sub(tokens);
    if (Status s = Element(element); !s) return std::move(s).error();
  }
  c.Seek(close + 1);
  if (!c.AtEnd()) {
    const std::string word = c.Peek().text;
    if (word == "inherits" || word == "partition" || word == "with" || word == "tablespace" || word == "using" ||
        word == "without" || word == "on") {
      return c.ErrorHere("unsupported construct " + word + " (table options) on SQLite");
    }
    return c.SyntaxErrorHere();
  }
  if (Status s = Finish(); !s) return std::move(s).error();
  return std::move(out_);
}


Status TableReader::Element(TokenCursor& c) {
  if (c.AcceptWords({"constraint"})) {
    auto name = c.Name();
    if (!name) return std::move(name).error();
    return TableConstraint(c, std::move(*name));
  }
  for (std::string_view word : {"primary", "unique", "check", "foreign", "exclude"}) {
    if (c.AtWord(word)) return TableConstraint(c, "");
  }
  if (c.AtWord("like")) return c.ErrorHere("unsupported construct LIKE in CREATE TABLE");
  return ColumnDefinition(c);
}

Status TableReader::ColumnDefinition(TokenCursor& c) {
  const Token& name_token = c.Peek();
  auto name = c.Name();
  if (!name) return std::move(name).error();
  if (Find(*name) != nullptr) return Invalid("column \"" + *name + "\" specified more than once " + AtLine(name_token));
  Column column;
  column.name = std::move(*name);
  auto type = Type(c);
  if (!type) return std::move(type).error();
  column.type = std::move(*type);
  std::string pending;  // CONSTRAINT name, for the constraint that follows
  while (!c.AtEnd()) {
    if (c.AcceptWords({"constraint"})) {
      auto constraint = c.Name();
      if (!constraint) return std::move(constraint).error();
      pending = std::move(*constraint);
      continue;
    }
    if (c.AcceptWords({"not", "null"})) {
      column.not_null = true;
    } else if (c.AcceptWords({"null"})) {
    } else if (c.AcceptWords({"default"})) {
      auto value = Default(c, column);
      if (!value) return std::move(value).error();
      column.default_sql = std::move(*value);
    } else if (c.AcceptWords({"primary", "key"})) {
      column.primary_key = true;
    } else if (c.AcceptWords({"unique"})) {
      if (c.AtWords({"nulls", "not"})) return c.ErrorHere("unsupported construct UNIQUE NULLS NOT DISTINCT on SQLite");
      c.AcceptWords({"nulls", "distinct"});
      column.unique = true;
    } else if (c.AtWord("check")) {
      if (Status s = CheckClause(c, pending, column.name); !s) return s;
    } else if (c.AtWord("references")) {
      auto fk = References(c, {column.name});
      if (!fk) return std::move(fk).error();
      column.references = std::move(*fk);
    } else if (c.AtWord("generated")) {
      c.Take();
      const bool identity = (c.AcceptWords({"always"}) || c.AcceptWords({"by", "default"})) &&
                            c.AcceptWords({"as", "identity"});
      if (!identity) return c.ErrorHere("unsupported construct GENERATED column on SQLite");
      if (c.AtPunct('(')) c.Seek(c.MatchingClose(c.position()) + 1);
      column.type.serial = true;
      column.type.declared = "integer";
    } else if (c.AtWord("collate")) {
      return c.ErrorHere("unsupported construct COLLATE on SQLite");
    } else {
      return c.SyntaxErrorHere();
    }
    pending.clear();
  }
  columns_.push_back(std::move(column));
  return Ok();
}

Status TableReader::TableConstraint(TokenCursor& c, std::string name) {
  if (c.AcceptWords({"primary", "key"})) {
    if (!primary_key_.empty()) return c.ErrorHere("multiple primary keys for table \"" + out_.table + "\" are not allowed");
    auto key = ColumnList(c);
    if (!key) return std::move(key).error();
    primary_key_ = std::move(*key);
  } else if (c.AcceptWords({"unique"})) {
    if (c.AtWords({"nulls", "not"})) return c.ErrorHere("unsupported construct UNIQUE NULLS NOT DISTINCT on SQLite");
    c.AcceptWords({"nulls", "distinct"});
    auto key = ColumnList(c);
    if (!key) return std::move(key).error();
    uniques_.push_back(std::move(*key));
  } else if (c.AtWord("check")) {
    if (Status s = CheckClause(c, std::move(name), ""); !s) return s;
  } else if (c.AcceptWords({"foreign", "key"})) {
    auto columns = ColumnList(c);
    if (!columns) return std::move(columns).error();
    auto fk = References(c, std::move(*columns));
    if (!fk) return std::move(fk).error();
    foreign_keys_.push_back(std::move(*fk));
  } else if (c.AtWord("exclude")) {
    return c.ErrorHere("unsupported construct EXCLUDE constraint on SQLite");
  } else {
    return c.SyntaxErrorHere();
  }
  if (!c.AtEnd()) return c.SyntaxErrorHere();
  return Ok();
}

Result<ColumnType> TableReader::Type(TokenCursor& c) {
  const Token& start = c.Peek();
  std::string schema;
  std::vector<std::string> words, modifiers;
  int dimensions = 0;
  bool quoted = false;
  while (!c.AtEnd() && !IsColumnConstraintWord(c.Peek())) {
    const Token& t = c.Peek();
    const bool word = t.kind == TokenKind::kIdentifier || t.kind == TokenKind::kQuotedIdentifier;
    if (word && words.empty() && schema.empty() && c.AtPunct('.', 1)) {
      schema = c.Take().text;
      c.Take();
    } else if (IsKeyword(t, "array") && !words.empty()) {
      c.Take();
      ++dimensions;
    } else if (word) {
      quoted = quoted || t.kind == TokenKind::kQuotedIdentifier;
      words.push_back(c.Take().text);
    } else if (c.AcceptPunct('(')) {
      do {
        if (c.Peek().kind != TokenKind::kNumber && c.Peek().kind != TokenKind::kIdentifier) return c.SyntaxErrorHere();
        modifiers.push_back(c.Take().text);
      } while (c.AcceptPunct(','));
      if (Status s = c.ExpectPunct(')'); !s) return std::move(s).error();
    } else if (c.AcceptPunct('[')) {
      if (c.Peek().kind == TokenKind::kNumber) c.Take();
      if (Status s = c.ExpectPunct(']'); !s) return std::move(s).error();
      ++dimensions;
    } else {
      return c.SyntaxErrorHere();
    }
  }
  if (words.empty()) return c.SyntaxErrorHere();
  std::string name;
  for (const std::string& w : words) name += (name.empty() ? "" : " ") + w;
  std::optional<ColumnType> type;
  if ((schema.empty() || schema == "pg_catalog") && !quoted) type = BuiltinType(name, modifiers);
  if (!type && words.size() == 1 && options_.is_enum && options_.is_enum(schema, name)) {
    type = ColumnType{name, false, false, false, false, name, 0};
  }
  if (!type) {
    const std::string written = schema.empty() ? name : schema + "." + name;
    if (name == "ltree") return Invalid("ltree is not available on SQLite " + AtLine(start));
    return Invalid("type \"" + written + "\" is not available on SQLite (enum types must be created first) " +
                   AtLine(start));
  }
  if (dimensions > 0) {
    if (type->serial) return Invalid("arrays of serial are not allowed " + AtLine(start));
    type->declared = "jsonb";
    type->array = true;
    type->boolean = type->json = false;
    type->max_length = 0;
  }
  return *type;
}

Result<std::vector<std::string>> TableReader::ColumnList(TokenCursor& c) {
  if (Status s = c.ExpectPunct('('); !s) return std::move(s).error();
  std::vector<std::string> names;
  do {
    auto name = c.Name();
    if (!name) return std::move(name).error();
    names.push_back(std::move(*name));
  } while (c.AcceptPunct(','));
  if (Status s = c.ExpectPunct(')'); !s) return std::move(s).error();
  return names;
}

Result<ForeignKey> TableReader::References(TokenCursor& c, std::vector<std::string> columns) {
  c.Take();  // REFERENCES
  const Token& target_token = c.Peek();
  auto name = c.QualifiedName();
  if (!name) return std::move(name).error();
  auto target = options_.relation(name->first, name->second);
  if (!target) return std::move(target).error();
  ForeignKey fk{std::move(columns), *target, {}, ""};
  if (c.AtPunct('(')) {
    auto target_columns = ColumnList(c);
    if (!target_columns) return std::move(target_columns).error();
    fk.target_columns = std::move(*target_columns);
    if (fk.target_columns.size() != fk.columns.size()) {
      return Invalid("number of referencing and referenced columns for foreign key disagree " + AtLine(target_token));
    }
  }
  if (fk.target != out_.table) {
    const std::vector<std::string> available = options_.columns(fk.target);
    const std::string written = name->first.empty() ? name->second : name->first + "." + name->second;
    if (available.empty()) return Invalid("relation \"" + written + "\" does not exist " + AtLine(target_token));
    for (const std::string& column : fk.target_columns) {
      if (!Contains(available, column)) {
        return Invalid("column \"" + column + "\" referenced in foreign key constraint does not exist " +
                       AtLine(target_token));
      }
    }
  }
  bool deferrable = false, not_deferrable = false, deferred = false;
  for (;;) {
    if (c.AcceptWords({"match"})) {
      if (!c.AcceptWords({"simple"}) && !c.AcceptWords({"full"})) return c.ErrorHere("unsupported construct MATCH");
    } else if (c.AtWords({"on", "delete"}) || c.AtWords({"on", "update"})) {
      const std::string event = c.Peek(1).text == "delete" ? " ON DELETE " : " ON UPDATE ";
      c.Take(), c.Take();
      std::string action;
      if (c.AcceptWords({"cascade"})) action = "CASCADE";
      else if (c.AcceptWords({"restrict"})) action = "RESTRICT";
      else if (c.AcceptWords({"no", "action"})) action = "NO ACTION";
      else if (c.AcceptWords({"set", "null"})) action = "SET NULL";
      else if (c.AcceptWords({"set", "default"})) action = "SET DEFAULT";
      else return c.SyntaxErrorHere();
      if (c.AtPunct('(')) return c.ErrorHere("unsupported construct " + action + " (column list) on SQLite");
      fk.tail += event + action;
    } else if (c.AcceptWords({"deferrable"})) {
      deferrable = true;
    } else if (c.AcceptWords({"not", "deferrable"})) {
      not_deferrable = true;
    } else if (c.AcceptWords({"initially", "deferred"})) {
      deferred = true;
    } else if (!c.AcceptWords({"initially", "immediate"})) {
      break;
    }
  }
  if (deferrable || deferred) fk.tail += deferred ? " DEFERRABLE INITIALLY DEFERRED" : " DEFERRABLE";
  if (not_deferrable && !deferrable && !deferred) fk.tail += " NOT DEFERRABLE";
  return fk;
}

// PostgreSQL's reading of a boolean literal, for 'true'-style defaults of boolean columns.
std::optional<bool> BooleanText(std::string text) {
  for (char& ch : text) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  for (std::string_view t : {"t", "true", "y", "yes", "on", "1"}) if (text == t) return true;
  for (std::string_view f : {"f", "false", "n", "no", "off", "0"}) if (text == f) return false;
  return std::nullopt;
}

Result<std::string> TableReader::Default(TokenCursor& c, const Column& column) {
  const std::size_t begin = c.position();
  if (c.AtEnd()) return c.SyntaxErrorHere();
  const std::size_t end = c.FindTopLevel(begin + 1, IsColumnConstraintWord);
  auto expr = ParseExpression(c.Text(begin, end));
  if (!expr) return std::move(expr).error();
  c.Seek(end);
  // The string under a literal default, looking through one cast ('{}'::text[]).
  const Expr* value = expr->get();
  if (const auto* cast = std::get_if<Cast>(&value->node); cast != nullptr && cast->operand) value = cast->operand.get();
  const auto* literal = std::get_if<Literal>(&value->node);
  if (literal != nullptr && literal->kind == Literal::Kind::kString) {
    if (column.type.array) {
      if (literal->text != "{}") {
        return Invalid("array literal defaults other than '{}' are not supported on SQLite; write ARRAY[...] " +
                       AtLine(c.At(begin)));
      }
      return std::string("('[]')");
    }
    if (column.type.boolean) {
      const auto b = BooleanText(literal->text);
      if (!b) return Invalid("invalid input syntax for type boolean: " + QuoteText(literal->text) + " " + AtLine(c.At(begin)));
      return std::string(*b ? "(1)" : "(0)");
    }
  }
  RenderOptions render;
  render.table = options_.relation;
  render.function = options_.function;
  render.is_enum_type = options_.is_enum;
  render.policy_table = out_.table;
  auto sql = RenderSqlite(**expr, render);
  if (!sql) return Positioned(std::move(sql).error(), c.At(begin));
  return "(" + *sql + ")";
}

Status TableReader::CheckClause(TokenCursor& c, std::string name, const std::string& column) {
  c.Take();  // CHECK
  const std::size_t open = c.position();
  if (!c.AtPunct('(')) return c.SyntaxErrorHere();
  const std::size_t close = c.MatchingClose(open);
  if (c.At(close).kind == TokenKind::kEnd) return Invalid("syntax error at end of input " + AtLine(c.At(close)));
  std::string text = c.Text(open + 1, close);
  c.Seek(close + 1);
  c.AcceptWords({"no", "inherit"});
  if (name.empty()) {
    // PostgreSQL's names: t_col_check, t_check, then t_check1, t_check2 ….
    const std::string base = out_.table + (column.empty() ? "" : "_" + column) + "_check";
    name = base;
    for (int n = 1; constraint_names_.count(name) > 0; ++n) name = base + std::to_string(n);
  }
  if (constraint_names_.count(name) > 0) {
    return Invalid("constraint \"" + name + "\" for relation \"" + out_.table + "\" already exists " + AtLine(c.At(open)));
  }
  constraint_names_.insert(name);
  checks_.push_back(Check{std::move(name), std::move(text), c.At(open - 1)});
  return Ok();
}


Status TableReader::AddCheck(const Check& check) {
  auto expr = ParseExpression(check.text);
  if (!expr) return std::move(expr).error();
  if (!HasSubquery(**expr)) {
    RenderOptions render;
    render.table = options_.relation;
    render.function = options_.function;
    render.is_enum_type = options_.is_enum;
    render.policy_table = out_.table;
    auto sql = RenderSqlite(**expr, render);
    if (!sql) return Positioned(std::move(sql).error(), check.start);
    constraints_sql_.push_back("CONSTRAINT " + QuoteName(check.name) + " CHECK (" + *sql + ")");
    return Ok();
  }
  CheckedTable table{out_.table, {}, {}};
  for (const Column& column : columns_) {
    table.columns.push_back(column.name);
    if (column.references) table.foreign_keys.emplace_back(column.name, column.references->target);
  }
  for (const ForeignKey& fk : foreign_keys_) {
    if (fk.columns.size() == 1) table.foreign_keys.emplace_back(fk.columns[0], fk.target);
  }
  auto condition = RenderCheckOverNew(**expr, table, options_);
  if (!condition) return Positioned(std::move(condition).error(), check.start);
  const std::string raise = "SELECT RAISE(ABORT, " +
                            QuoteText("23514: new row for relation \"" + out_.table + "\" violates check constraint \"" +
                                      check.name + "\"") +
                            ");";
  for (const char* event : {"INSERT", "UPDATE"}) {
    const std::string suffix = std::string(event) == "INSERT" ? "_insert" : "_update";
    out_.triggers.push_back("CREATE TRIGGER " + QuoteName(out_.table + "_" + check.name + suffix) + " BEFORE " + event +
                            " ON " + QuoteName(out_.table) + " FOR EACH ROW WHEN NOT coalesce((" + *condition +
                            "), 1) BEGIN " + raise + " END");
  }
  return Ok();
}

// As the core schema's enum columns (migrations/sqlite/0003_accounts.sql): values not in
// kit_enum_values are refused with PostgreSQL's 22P02.
void TableReader::AddEnumTriggers(const Column& column) {
  const std::string type = QuoteText(column.type.enum_type);
  const std::string value = "NEW." + QuoteName(column.name);
  const std::string invalid =
      column.type.array
          ? value + " IS NOT NULL AND json_valid(" + value + ") AND EXISTS (SELECT 1 FROM json_each(" + value +
                ") WHERE value NOT IN (SELECT value FROM kit_enum_values WHERE type_name = " + type + "))"
          : value + " IS NOT NULL AND NOT EXISTS (SELECT 1 FROM kit_enum_values WHERE type_name = " + type +
                " AND value = " + value + ")";
  const std::string raise =
      "SELECT RAISE(ABORT, " + QuoteText("22P02: invalid input value for enum " + column.type.enum_type) + ");";
  const std::string base = out_.table + "_" + column.name + "_enum";
  out_.triggers.push_back("CREATE TRIGGER " + QuoteName(base + "_insert") + " BEFORE INSERT ON " + QuoteName(out_.table) +
                          " FOR EACH ROW WHEN " + invalid + " BEGIN " + raise + " END");
  out_.triggers.push_back("CREATE TRIGGER " + QuoteName(base + "_update") + " BEFORE UPDATE OF " +
                          QuoteName(column.name) + " ON " + QuoteName(out_.table) + " FOR EACH ROW WHEN " + invalid +
                          " BEGIN " + raise + " END");
}

// Checks keys and references against the columns, as PostgreSQL does, then assembles.
Status TableReader::Finish() {
  const Token& start = cursor_.At(0);
  auto missing = [&](const std::string& column, const char* what) {
    return Invalid("column \"" + column + "\" " + what + " does not exist " + AtLine(start));
  };
  if (!primary_key_.empty()) {
    for (const std::string& name : primary_key_) {
      Column* column = Find(name);
      if (column == nullptr) return missing(name, "named in key");
      if (column->primary_key) return Invalid("multiple primary keys for table \"" + out_.table + "\" are not allowed " + AtLine(start));
      column->not_null = true;
    }
    // A serial key is SQLite's INTEGER PRIMARY KEY, which only a column constraint makes.
    if (primary_key_.size() == 1 && Find(primary_key_[0])->type.serial) {
      Find(primary_key_[0])->primary_key = true;
      primary_key_.clear();
    }
  }
  int column_keys = 0;
  for (Column& column : columns_) {
    if (column.primary_key) column.not_null = true, ++column_keys;
    if (column.type.serial && !column.primary_key) {
      return Invalid("serial and identity columns are supported on SQLite only as the table's single-column "
                     "PRIMARY KEY (column \"" + column.name + "\") " + AtLine(start));
    }
  }
  if (column_keys > 1) return Invalid("multiple primary keys for table \"" + out_.table + "\" are not allowed " + AtLine(start));
  for (const auto& key : uniques_) {
    for (const std::string& name : key) if (Find(name) == nullptr) return missing(name, "named in key");
  }
  std::vector<const ForeignKey*> all_fks;
  for (const Column& column : columns_) if (column.references) all_fks.push_back(&*column.references);
  for (const ForeignKey& fk : foreign_keys_) all_fks.push_back(&fk);
  for (const ForeignKey* fk : all_fks) {
    for (const std::string& name : fk->columns) if (Find(name) == nullptr) return missing(name, "referenced in foreign key constraint");
    if (fk->target != out_.table) continue;
    for (const std::string& name : fk->target_columns) if (Find(name) == nullptr) return missing(name, "referenced in foreign key constraint");
  }
  return Assemble();
}

// Renders the checks and writes out_.create.
Status TableReader::Assemble() {
  for (const Check& check : checks_) {
    if (Status s = AddCheck(check); !s) return s;
  }
  auto references = [](const ForeignKey& fk) {
    std::string sql = "REFERENCES " + QuoteName(fk.target);
    if (!fk.target_columns.empty()) sql += " (" + Join(fk.target_columns, true) + ")";
    return sql + fk.tail;
  };
  std::vector<std::string> parts;
  for (const Column& column : columns_) {
    std::string sql = QuoteName(column.name) + " " + column.type.declared;
    if (column.primary_key) sql += column.type.serial ? " PRIMARY KEY AUTOINCREMENT" : " PRIMARY KEY";
    if (column.not_null) sql += " NOT NULL";
    if (column.unique) sql += " UNIQUE";
    if (!column.default_sql.empty()) sql += " DEFAULT " + column.default_sql;
    if (column.references) sql += " " + references(*column.references);
    parts.push_back(std::move(sql));
  }
  if (!primary_key_.empty()) parts.push_back("PRIMARY KEY (" + Join(primary_key_, true) + ")");
  for (const auto& key : uniques_) parts.push_back("UNIQUE (" + Join(key, true) + ")");
  for (const ForeignKey& fk : foreign_keys_) parts.push_back("FOREIGN KEY (" + Join(fk.columns, true) + ") " + references(fk));
  for (std::string& sql : constraints_sql_) parts.push_back(std::move(sql));
  for (const Column& column : columns_) {
    const std::string q = QuoteName(column.name);
    const std::string base = out_.table + "_" + column.name;
    if (column.type.boolean) parts.push_back("CONSTRAINT " + QuoteName(base + "_bool") + " CHECK (" + q + " IN (0, 1))");
    // json_valid(NULL) is 0, not NULL: a NULL must pass explicitly.
    if (column.type.json) {
      parts.push_back("CONSTRAINT " + QuoteName(base + "_json") + " CHECK (" + q + " IS NULL OR json_valid(" + q + "))");
    }
    if (column.type.array) {
      parts.push_back("CONSTRAINT " + QuoteName(base + "_array") + " CHECK (" + q + " IS NULL OR (json_valid(" + q +
                      ") AND json_type(" + q + ") = 'array'))");
    }
    if (column.type.max_length > 0) {
      // Named so that its failure reads as PostgreSQL's 22001 (store/sqlite/sqlite_errors.cpp).
      parts.push_back("CONSTRAINT " + QuoteName(base + "_varchar_" + std::to_string(column.type.max_length)) +
                      " CHECK (length(" + q + ") <= " + std::to_string(column.type.max_length) + ")");
    }
    if (!column.type.enum_type.empty()) AddEnumTriggers(column);
  }
  out_.create = "CREATE TABLE " + QuoteName(out_.table) + " (" + Join(parts, false) + ")";
  return Ok();
}

}  // namespace

Result<TableDdl> TranslateCreateTable(TokenCursor& cursor, const DdlOptions& options) {
  return TableReader(cursor, options).Read();
}

}  // namespace tb::policy::sql
