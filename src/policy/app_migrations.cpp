#include "policy/app_migrations.h"

#include <cctype>
#include <map>
#include <set>

#include "policy/app_statements.h"
#include "policy/migration_schema.h"
#include "policy/policy_set.h"
#include "policy/sql/ddl_sqlite.h"
#include "policy/sql/script.h"

namespace tb::policy {

namespace {

using app::Invalid;
using app::Upper;
using app::WithState;
using sql::TokenCursor;
using sql::TokenKind;
using store::Value;

// The statement's first words, through the object kind: "CREATE OR REPLACE FUNCTION".
std::string FirstWords(const TokenCursor& c) {
  static const std::set<std::string_view, std::less<>> kModifiers = {
      "or", "replace", "unique", "temporary", "temp", "unlogged", "materialized", "global", "local",
      "recursive", "trusted", "procedural", "constraint", "default", "event", "foreign"};
  std::string words;
  for (std::size_t i = 0; i < 6 && c.Peek(i).kind == TokenKind::kIdentifier; ++i) {
    words += (words.empty() ? "" : " ") + Upper(c.Peek(i).text);
    if (i > 0 && kModifiers.count(c.Peek(i).text) == 0) break;
    if (i == 0 && c.Peek(0).text != "create" && c.Peek(0).text != "alter" && c.Peek(0).text != "drop") break;
  }
  return words.empty() ? "\"" + c.Peek().text + "\"" : words;
}

// One migration file being run.
class MigrationRun {
 public:
  MigrationRun(store::Transaction& txn, std::string_view file) : txn_(txn), file_(file), ddl_(DdlOptionsFor(txn)) {}

  Status Run(std::string_view script);

 private:
  Status Statement(const sql::ScriptStatement& statement);
  Status CreateTable(TokenCursor& c, const sql::ScriptStatement& statement);
  Status CreateIndex(TokenCursor& c);
  Status Enum(TokenCursor& c, int line);
  Status RefuseFunction(TokenCursor& c);
  Status CheckRowLevelSecurity();

  store::Transaction& txn_;
  const std::string file_;
  std::string_view script_;
  const sql::DdlOptions ddl_;
  std::set<std::string, std::less<>> created_types_;
  // Labels ALTER TYPE … ADD VALUE added to an existing type here: label → type and line.
  std::map<std::string, std::pair<std::string, int>, std::less<>> new_labels_;
  std::vector<std::pair<std::string, int>> created_tables_;  // need row-level security; with their line
};

Status MigrationRun::Run(std::string_view script) {
  script_ = script;
  auto statements = sql::SplitScript(script);
  if (!statements) return Located(std::move(statements).error(), file_, 1);
  for (const sql::ScriptStatement& statement : *statements) {
    if (Status s = Statement(statement); !s) return Located(std::move(s).error(), file_, statement.line);
  }
  return CheckRowLevelSecurity();
}

Status MigrationRun::Statement(const sql::ScriptStatement& statement) {
  TokenCursor c(script_, statement.tokens);
  // PostgreSQL: "unsafe use of new value": an enum value added to an existing type cannot be
  // used before the transaction that adds it commits. Refused here too, so a migration that
  // runs on SQLite runs on PostgreSQL.
  if (!new_labels_.empty() && !c.AtWords({"alter", "type"})) {
    for (const sql::Token& t : statement.tokens) {
      const auto it = t.kind == TokenKind::kString ? new_labels_.find(t.text) : new_labels_.end();
      if (it == new_labels_.end()) continue;
      return Invalid("unsafe use of new value \"" + t.text + "\" of enum type " + it->second.first +
                     " (added at line " + std::to_string(it->second.second) +
                     "): PostgreSQL cannot use a value before the migration that adds it commits; add it in an "
                     "earlier migration file " + sql::AtLine(t));
    }
  }
  if (c.AtWords({"create", "table"}) || c.AtWords({"create", "unlogged", "table"}) ||
      c.AtWords({"create", "temporary", "table"}) || c.AtWords({"create", "temp", "table"})) {
    return CreateTable(c, statement);
  }
  if (c.AtWords({"create", "index"}) || c.AtWords({"create", "unique", "index"})) return CreateIndex(c);
  const bool policy = c.AtWords({"create", "policy"}) || c.AtWords({"drop", "policy"});
  if (policy || c.AtWords({"alter", "table"})) {
    // Positioned, so the policy layer's messages name the file's lines.
    auto handled = HandleMigrationStatement(txn_, sql::AtPosition(statement.text, statement.line, statement.column));
    if (!handled) return std::move(handled).error();
    if (*handled) return Ok();
    c.Seek(2);
    c.AcceptWords({"if", "exists"});
    c.AcceptWords({"only"});
    if (auto name = c.QualifiedName(); !name) return std::move(name).error();
    std::string action = Upper(c.Peek().text);
    if (c.Peek(1).kind == TokenKind::kIdentifier) action += " " + Upper(c.Peek(1).text);
    return Invalid("unsupported statement ALTER TABLE ... " + action +
                   " on SQLite (app migrations may only change a table's row-level security)");
  }
  const app::StatementContext context{txn_, ddl_};
  if (c.AtWords({"create", "type"}) || c.AtWords({"alter", "type"})) return Enum(c, statement.line);
  if (c.AtWords({"insert", "into"})) return app::InsertValues(context, c);
  if (c.AtWords({"create", "trigger"}) || c.AtWords({"create", "or", "replace", "trigger"})) {
    return app::CreateKitTrigger(context, c);
  }
  if (c.AtWords({"create", "view"}) || c.AtWords({"create", "or", "replace", "view"})) {
    return app::CreateInvokerView(context, c);
  }
  if (c.AtWords({"comment", "on"})) return app::CommentOn(context, c);
  if (c.AtWords({"alter", "publication"})) return app::AlterPublication(context, c);
  if (c.AtWord("grant") || c.AtWord("revoke")) return Ok();  // see the header
  if (c.AtWords({"create", "function"}) || c.AtWords({"create", "or", "replace", "function"}) ||
      c.AtWords({"create", "procedure"}) || c.AtWords({"create", "or", "replace", "procedure"})) {
    return RefuseFunction(c);
  }
  if (c.AtWord("do")) return Invalid("DO blocks (plpgsql) are not supported on SQLite");
  if (c.AtWords({"create", "extension"})) {
    c.Seek(2);
    c.AcceptWords({"if", "not", "exists"});
    return Invalid("extensions are not available on SQLite: " + c.Peek().text);
  }
  return Invalid("unsupported statement " + FirstWords(c) + " on SQLite");
}

Status MigrationRun::CreateTable(TokenCursor& c, const sql::ScriptStatement& statement) {
  auto table = sql::TranslateCreateTable(c, ddl_);
  if (!table) return std::move(table).error();
  const std::string existing = SchemaObjectType(txn_, table->table);
  if (!existing.empty()) {
    if (table->if_not_exists) return Ok();  // PostgreSQL: a notice, and nothing changes
    return WithState(ErrorCode::kAlreadyExists, "42P07", "relation \"" + table->table + "\" already exists");
  }
  if (Status s = app::Execute(txn_, table->create); !s) return s;
  for (const std::string& trigger : table->triggers) {
    if (Status s = app::Execute(txn_, trigger); !s) return s;
  }
  // The marker is a comment before the statement, inside it, or after it on its last line;
  // a comment trailing the previous statement's line belongs to that one.
  std::string_view before = statement.preamble;
  if (before.data() != script_.data()) {
    const std::size_t newline = before.find('\n');
    before = newline == std::string_view::npos ? std::string_view() : before.substr(newline);
  }
  const std::size_t end = static_cast<std::size_t>(statement.text.data() - script_.data()) + statement.text.size();
  const std::string_view after = script_.substr(end, script_.find('\n', end) - end);
  const bool marked = before.find(kNoRlsMarker) != std::string_view::npos ||
                      statement.text.find(kNoRlsMarker) != std::string_view::npos ||
                      after.find(kNoRlsMarker) != std::string_view::npos;
  if (!marked) created_tables_.emplace_back(table->table, statement.line);
  return Ok();
}

Status MigrationRun::Enum(TokenCursor& c, int line) {
  const app::StatementContext context{txn_, ddl_};
  if (c.AtWord("create")) {
    auto type = app::CreateEnumType(context, c);
    if (!type) return std::move(type).error();
    created_types_.insert(*type);
    return Ok();
  }
  auto added = app::AddEnumValue(context, c);
  if (!added) return std::move(added).error();
  if (!added->label.empty() && created_types_.count(added->type) == 0) {
    new_labels_[added->label] = {added->type, line};
  }
  return Ok();
}

Status MigrationRun::CreateIndex(TokenCursor& c) {
  auto index = sql::TranslateCreateIndex(c, ddl_);
  if (!index) return std::move(index).error();
  if (!index->if_not_exists && !SchemaObjectType(txn_, index->name).empty()) {
    return WithState(ErrorCode::kAlreadyExists, "42P07", "relation \"" + index->name + "\" already exists");
  }
  return app::Execute(txn_, index->create);
}

Status MigrationRun::CheckRowLevelSecurity() {
  for (const auto& [table, line] : created_tables_) {
    const Value params[] = {Value::Text(table)};
    auto rows = txn_.Query("SELECT 1 FROM kit_rls_tables WHERE table_name = $1 AND enabled", params);
    if (!rows) return Located(std::move(rows).error(), file_, line);
    if (rows->rows.empty()) {
      return Located(Invalid("table \"" + table + "\" was created without row-level security: add ALTER TABLE public." +
                             table + " ENABLE ROW LEVEL SECURITY (the seed: \"Enable RLS (NEVER SKIP THIS!)\"), or mark "
                             "the CREATE TABLE with the comment -- " + std::string(kNoRlsMarker)),
                     file_, line);
    }
  }
  return Ok();
}

// CREATE FUNCTION / PROCEDURE: refused, naming the function and its language.
Status MigrationRun::RefuseFunction(TokenCursor& c) {
  while (!c.AtEnd() && !c.AtWord("function") && !c.AtWord("procedure")) c.Take();
  const std::string kind = c.Take().text;
  auto name = c.QualifiedName();
  const std::string function = !name ? "?" : name->first.empty() ? name->second : name->first + "." + name->second;
  std::string language;
  for (std::size_t i = c.position(); c.At(i).kind != TokenKind::kEnd; ++i) {
    if (IsKeyword(c.At(i), "language") && c.At(i + 1).kind != TokenKind::kEnd) {
      language = c.At(i + 1).text;
      for (char& ch : language) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
  }
  if (language == "plpgsql") return Invalid("plpgsql functions are not supported on SQLite: " + function);
  if (language == "sql") return Invalid("SQL functions are not supported on SQLite: " + function);
  return Invalid(kind + "s are not supported on SQLite: " + function + (language.empty() ? "" : " (LANGUAGE " + language + ")"));
}

}  // namespace

Status RunPostgresMigration(store::Transaction& txn, std::string_view script, std::string_view file_name) {
  return MigrationRun(txn, file_name).Run(script);
}

}  // namespace tb::policy
