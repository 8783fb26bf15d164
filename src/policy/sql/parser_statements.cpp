// The parser: CREATE POLICY, DROP POLICY, ALTER TABLE … ROW LEVEL SECURITY, and scripts of them.

#include "policy/sql/parser_impl.h"

namespace tb::policy::sql::internal {

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

}  // namespace tb::policy::sql::internal
