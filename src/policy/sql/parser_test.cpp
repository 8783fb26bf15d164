#include "policy/sql/parser.h"

#include <gtest/gtest.h>

#include <string>

#include "policy/sql/lexer.h"

namespace tb::policy::sql {
namespace {

// ---- a compact, fully parenthesized dump of a tree, so tests read as the structure ----

std::string Dump(const Expr& e);
std::string Dump(const Select& s);

std::string Join(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

std::string DumpList(const std::vector<ExprPtr>& list) {
  std::vector<std::string> parts;
  for (const ExprPtr& e : list) parts.push_back(Dump(*e));
  return Join(parts, ", ");
}

struct Dumper {
  std::string operator()(const Literal& l) const {
    switch (l.kind) {
      case Literal::Kind::kString: return "'" + l.text + "'";
      case Literal::Kind::kNumber: return l.text;
      case Literal::Kind::kBoolean: return l.boolean ? "true" : "false";
      case Literal::Kind::kNull: return "NULL";
    }
    return "?";
  }
  std::string operator()(const ColumnRef& c) const {
    std::vector<std::string> parts = c.qualifier;
    parts.push_back(c.column);
    return Join(parts, ".");
  }
  std::string operator()(const FunctionCall& f) const {
    return Join(f.name, ".") + "(" + (f.star ? "*" : DumpList(f.args)) + ")";
  }
  std::string operator()(const Unary& u) const {
    const char* op = u.op == UnaryOp::kNot ? "(NOT " : u.op == UnaryOp::kMinus ? "(- " : "(+ ";
    return op + Dump(*u.operand) + ")";
  }
  std::string operator()(const Binary& b) const {
    return std::string("(") + BinaryOpName(b.op) + " " + Dump(*b.left) + " " + Dump(*b.right) + ")";
  }
  std::string operator()(const IsTest& t) const {
    const char* kinds[] = {"NULL", "TRUE", "FALSE", "UNKNOWN"};
    return std::string("(IS ") + (t.negated ? "NOT " : "") + kinds[static_cast<int>(t.kind)] + " " +
           Dump(*t.operand) + ")";
  }
  std::string operator()(const IsDistinctFrom& t) const {
    return std::string("(IS ") + (t.negated ? "NOT " : "") + "DISTINCT FROM " + Dump(*t.left) + " " +
           Dump(*t.right) + ")";
  }
  std::string operator()(const InList& in) const {
    return std::string(in.negated ? "(NOT IN " : "(IN ") + Dump(*in.operand) + " [" + DumpList(in.values) + "])";
  }
  std::string operator()(const InSubquery& in) const {
    return std::string(in.negated ? "(NOT IN " : "(IN ") + Dump(*in.operand) + " " + Dump(*in.subquery) + ")";
  }
  std::string operator()(const Exists& e) const { return "(EXISTS " + Dump(*e.subquery) + ")"; }
  std::string operator()(const ScalarSubquery& s) const { return Dump(*s.subquery); }
  std::string operator()(const Quantified& q) const {
    return std::string("(") + BinaryOpName(q.op) + (q.quantifier == Quantifier::kAny ? " ANY " : " ALL ") +
           Dump(*q.left) + " " + (q.array ? Dump(*q.array) : Dump(*q.subquery)) + ")";
  }
  std::string operator()(const ArrayConstructor& a) const { return "ARRAY[" + DumpList(a.elements) + "]"; }
  std::string operator()(const Subscript& s) const {
    return "(SUBSCRIPT " + Dump(*s.array) + " " + Dump(*s.index) + ")";
  }
  std::string operator()(const Cast& c) const {
    return "(CAST " + Dump(*c.operand) + " " + TypeNameText(c.type) + ")";
  }
  std::string operator()(const Case& c) const {
    std::string out = "(CASE";
    if (c.operand) out += " " + Dump(*c.operand);
    for (const CaseWhen& w : c.whens) out += " WHEN " + Dump(*w.condition) + " THEN " + Dump(*w.result);
    if (c.else_result) out += " ELSE " + Dump(*c.else_result);
    return out + ")";
  }
  std::string operator()(const Between& b) const {
    return std::string(b.negated ? "(NOT BETWEEN " : "(BETWEEN ") + Dump(*b.operand) + " " + Dump(*b.low) + " " +
           Dump(*b.high) + ")";
  }
};

std::string Dump(const Expr& e) { return std::visit(Dumper{}, e.node); }

std::string Dump(const Select& s) {
  std::vector<std::string> items;
  for (const SelectItem& item : s.items) {
    if (!item.expr) {
      items.push_back(item.star_qualifier.empty() ? "*" : Join(item.star_qualifier, ".") + ".*");
    } else {
      items.push_back(Dump(*item.expr) + (item.alias.empty() ? "" : " AS " + item.alias));
    }
  }
  std::string out = std::string("<SELECT ") + (s.distinct ? "DISTINCT " : "") + Join(items, ", ");
  for (const FromItem& f : s.from) {
    const char* joins[] = {", ", " JOIN ", " LEFT JOIN "};
    out += &f == &s.from.front() ? " FROM " : joins[static_cast<int>(f.join)];
    out += (f.table.schema.empty() ? "" : f.table.schema + ".") + f.table.name;
    if (!f.alias.empty()) out += " " + f.alias;
    if (f.on) out += " ON " + Dump(*f.on);
  }
  if (s.where) out += " WHERE " + Dump(*s.where);
  if (!s.group_by.empty()) out += " GROUP BY " + DumpList(s.group_by);
  if (s.having) out += " HAVING " + Dump(*s.having);
  for (const OrderItem& o : s.order_by) {
    out += " ORDER BY " + Dump(*o.expr) + (o.descending ? " DESC" : "");
    if (o.nulls != NullsOrder::kDefault) out += o.nulls == NullsOrder::kFirst ? " NULLS FIRST" : " NULLS LAST";
  }
  if (s.limit) out += " LIMIT " + Dump(*s.limit);
  if (s.offset) out += " OFFSET " + Dump(*s.offset);
  return out + ">";
}

// Parses `text` and returns its dump, or "error: <message>".
std::string Parsed(std::string_view text) {
  auto e = ParseExpression(text);
  if (!e) return "error: " + e.error().message;
  return Dump(**e);
}

std::string ErrorOf(std::string_view text) {
  auto e = ParseExpression(text);
  if (e) return "parsed: " + Dump(**e);
  EXPECT_EQ(e.error().code, ErrorCode::kInvalidArgument);
  return e.error().message;
}

std::string ScriptErrorOf(std::string_view script) {
  auto s = ParseStatements(script);
  if (s) return "parsed";
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  return s.error().message;
}

// ---- lexer ----

TEST(PolicySqlLexer, TokensCarryLineAndColumn) {
  const auto tokens = Tokenize("a =\n  \"B\"  -- comment\n /* x /* nested */ */ 'it''s'");
  ASSERT_EQ(tokens.size(), 5u);
  EXPECT_EQ(tokens[0].text, "a");
  EXPECT_EQ(tokens[1].kind, TokenKind::kOperator);
  EXPECT_EQ(tokens[2].kind, TokenKind::kQuotedIdentifier);
  EXPECT_EQ(tokens[2].text, "B");
  EXPECT_EQ(tokens[2].line, 2);
  EXPECT_EQ(tokens[2].column, 3);
  EXPECT_EQ(tokens[3].kind, TokenKind::kString);
  EXPECT_EQ(tokens[3].text, "it's");
  EXPECT_EQ(tokens[3].line, 3);
  EXPECT_EQ(tokens[3].column, 23);
  EXPECT_EQ(tokens[4].kind, TokenKind::kEnd);
}

TEST(PolicySqlLexer, UnquotedIdentifiersFoldToLowerCaseQuotedOnesDoNot) {
  const auto tokens = Tokenize(R"(Account_ID "Account_ID" "a""b")");
  EXPECT_EQ(tokens[0].text, "account_id");
  EXPECT_EQ(tokens[1].text, "Account_ID");
  EXPECT_EQ(tokens[2].text, "a\"b");
}

TEST(PolicySqlLexer, EscapeStringsDecodeBackslashes) {
  const auto tokens = Tokenize(R"(E'a\'b\n\t\\\x41\101\u00e9' e'it''s')");
  ASSERT_EQ(tokens[0].kind, TokenKind::kString);
  EXPECT_EQ(tokens[0].text, "a'b\n\t\\AA\xC3\xA9");
  EXPECT_EQ(tokens[1].text, "it's");
}

TEST(PolicySqlLexer, StandardStringsKeepBackslashes) {
  EXPECT_EQ(Tokenize(R"('a\b')")[0].text, "a\\b");
}

TEST(PolicySqlLexer, DollarQuotedStringsKeepTheirBodyVerbatim) {
  const auto tokens = Tokenize("$$it's $x$$ $fn$ a $$ b $fn$");
  EXPECT_EQ(tokens[0].text, "it's $x");
  EXPECT_EQ(tokens[1].text, " a $$ b ");
  EXPECT_EQ(tokens[2].kind, TokenKind::kEnd);
}

TEST(PolicySqlLexer, NumbersAndOperators) {
  const auto tokens = Tokenize("1 4.5 .5 1e3 2.5E-2 a->>'k' x::int b<>c d<=-1");
  std::vector<std::string> texts;
  for (const Token& t : tokens) texts.push_back(t.text);
  const std::vector<std::string> expected = {"1", "4.5", ".5", "1e3", "2.5E-2", "a", "->>", "k", "x", "::",
                                             "int", "b", "<>", "c", "d", "<=", "-", "1", ""};
  EXPECT_EQ(texts, expected);
}

TEST(PolicySqlLexer, ErrorsBecomeTheLastToken) {
  const auto tokens = Tokenize("a = 'open");
  ASSERT_EQ(tokens.size(), 3u);
  EXPECT_EQ(tokens[2].kind, TokenKind::kError);
  EXPECT_EQ(tokens[2].text, "unterminated quoted string at line 1, column 5");
}

// ---- expressions ----

TEST(PolicySqlParser, SeedExpressions) {
  EXPECT_EQ(Parsed("public.has_role_on_account(account_id)"), "public.has_role_on_account(account_id)");
  EXPECT_EQ(Parsed("public.has_permission(auth.uid(), account_id, 'feature.manage')"),
            "public.has_permission(auth.uid(), account_id, 'feature.manage')");
  EXPECT_EQ(Parsed("account_id = (select auth.uid()) -- Personal account\n"
                   "OR public.has_role_on_account(account_id) -- Team member\n"),
            "(OR (= account_id <SELECT auth.uid()>) public.has_role_on_account(account_id))");
  EXPECT_EQ(Parsed("public.has_permission(auth.uid(), account_id, 'notes.manage'::app_permissions)"),
            "public.has_permission(auth.uid(), account_id, (CAST 'notes.manage' app_permissions))");
  EXPECT_EQ(Parsed("bucket_id = 'your_files' AND public.has_role_on_account(\n"
                   "  (storage.foldername(name))[1]::uuid\n)"),
            "(AND (= bucket_id 'your_files') public.has_role_on_account((CAST (SUBSCRIPT "
            "storage.foldername(name) 1) uuid)))");
}

TEST(PolicySqlParser, MembershipSubqueries) {
  EXPECT_EQ(Parsed("account_id IN (SELECT account_id FROM public.accounts_memberships "
                   "WHERE user_id = auth.uid())"),
            "(IN account_id <SELECT account_id FROM public.accounts_memberships WHERE (= user_id auth.uid())>)");
  EXPECT_EQ(Parsed("EXISTS (SELECT 1 FROM public.accounts a JOIN public.accounts_memberships m "
                   "ON m.account_id = a.id WHERE m.user_id = auth.uid())"),
            "(EXISTS <SELECT 1 FROM public.accounts a JOIN public.accounts_memberships m ON (= m.account_id a.id) "
            "WHERE (= m.user_id auth.uid())>)");
  EXPECT_EQ(Parsed("NOT EXISTS (SELECT FROM t)"), "(NOT (EXISTS <SELECT  FROM t>))");
}

TEST(PolicySqlParser, SelectClauses) {
  EXPECT_EQ(Parsed("(SELECT DISTINCT t.*, x AS y, z w FROM a AS t, b LEFT OUTER JOIN c ON c.id = b.id "
                   "CROSS JOIN d WHERE p GROUP BY x, z HAVING count(*) > 1 ORDER BY x DESC NULLS LAST "
                   "LIMIT 5 OFFSET 2)"),
            "<SELECT DISTINCT t.*, x AS y, z AS w FROM a t, b LEFT JOIN c ON (= c.id b.id), d WHERE p "
            "GROUP BY x, z HAVING (> count(*) 1) ORDER BY x DESC NULLS LAST LIMIT 5 OFFSET 2>");
  EXPECT_EQ(Parsed("(SELECT * FROM only auth.users INNER JOIN x ON true)"),
            "<SELECT * FROM auth.users JOIN x ON true>");
}

TEST(PolicySqlParser, OrBindsLooserThanAnd) {
  EXPECT_EQ(Parsed("a OR b AND c"), "(OR a (AND b c))");
  EXPECT_EQ(Parsed("a AND b OR c"), "(OR (AND a b) c)");
  EXPECT_EQ(Parsed("(a OR b) AND c"), "(AND (OR a b) c)");
}

TEST(PolicySqlParser, NotBindsLooserThanComparison) {
  EXPECT_EQ(Parsed("NOT a = b"), "(NOT (= a b))");
  EXPECT_EQ(Parsed("NOT a AND b"), "(AND (NOT a) b)");
  EXPECT_EQ(Parsed("NOT a IS NULL"), "(NOT (IS NULL a))");
  EXPECT_EQ(Parsed("a = NOT b"), "(= a (NOT b))");
  EXPECT_EQ(Parsed("NOT NOT a"), "(NOT (NOT a))");
}

TEST(PolicySqlParser, CastsBindTighterThanOperators) {
  EXPECT_EQ(Parsed("a || b::text"), "(|| a (CAST b text))");
  EXPECT_EQ(Parsed("-x::int"), "(- (CAST x integer))");
  EXPECT_EQ(Parsed("a::text::varchar(10)"), "(CAST (CAST a text) character varying(10))");
  EXPECT_EQ(Parsed("x::public.app_permissions[]"), "(CAST x public.app_permissions[])");
  EXPECT_EQ(Parsed("x::double precision + y::timestamp with time zone"),
            "(+ (CAST x double precision) (CAST y timestamp with time zone))");
  EXPECT_EQ(Parsed("CAST(x AS int4)"), "(CAST x integer)");
  EXPECT_EQ(Parsed("date '2024-01-01'"), "(CAST '2024-01-01' date)");
}

TEST(PolicySqlParser, ArithmeticPrecedenceAndUnaryMinus) {
  EXPECT_EQ(Parsed("a + b * c - d"), "(- (+ a (* b c)) d)");
  EXPECT_EQ(Parsed("-a * b"), "(* (- a) b)");
  EXPECT_EQ(Parsed("a - -1"), "(- a (- 1))");
  EXPECT_EQ(Parsed("a % 2 = 0"), "(= (% a 2) 0)");
  EXPECT_EQ(Parsed("a || b = c"), "(= (|| a b) c)");
  EXPECT_EQ(Parsed("a + b || c"), "(|| (+ a b) c)");
}

TEST(PolicySqlParser, ComparisonIsLooserThanLikeAndIn) {
  EXPECT_EQ(Parsed("a LIKE b = c"), "(= (LIKE a b) c)");
  EXPECT_EQ(Parsed("x IN (1, 2) = true"), "(= (IN x [1, 2]) true)");
  EXPECT_EQ(Parsed("a = b IS TRUE"), "(IS TRUE (= a b))");
  EXPECT_EQ(Parsed("a NOT ILIKE 'x%' AND b NOT LIKE 'y'"), "(AND (NOT ILIKE a 'x%') (NOT LIKE b 'y'))");
  EXPECT_EQ(Parsed("a ~~ b"), "(LIKE a b)");
}

TEST(PolicySqlParser, IsForms) {
  EXPECT_EQ(Parsed("a IS NOT NULL"), "(IS NOT NULL a)");
  EXPECT_EQ(Parsed("a IS FALSE"), "(IS FALSE a)");
  EXPECT_EQ(Parsed("a IS NOT TRUE"), "(IS NOT TRUE a)");
  EXPECT_EQ(Parsed("a IS DISTINCT FROM b"), "(IS DISTINCT FROM a b)");
  EXPECT_EQ(Parsed("a IS NOT DISTINCT FROM b + 1"), "(IS NOT DISTINCT FROM a (+ b 1))");
  EXPECT_EQ(Parsed("a ISNULL OR b NOTNULL"), "(OR (IS NULL a) (IS NOT NULL b))");
}

TEST(PolicySqlParser, InBetweenAnyAll) {
  EXPECT_EQ(Parsed("a NOT IN ('x', 'y')"), "(NOT IN a ['x', 'y'])");
  EXPECT_EQ(Parsed("a BETWEEN 1 AND 2 + 3"), "(BETWEEN a 1 (+ 2 3))");
  EXPECT_EQ(Parsed("a NOT BETWEEN 1 AND 2 AND b"), "(AND (NOT BETWEEN a 1 2) b)");
  EXPECT_EQ(Parsed("a = ANY (ARRAY['x', 'y'])"), "(= ANY a ARRAY['x', 'y'])");
  EXPECT_EQ(Parsed("a <> ALL (SELECT b FROM t)"), "(<> ALL a <SELECT b FROM t>)");
  EXPECT_EQ(Parsed("a = SOME (x)"), "(= ANY a x)");
}

TEST(PolicySqlParser, CaseAndFunctions) {
  EXPECT_EQ(Parsed("CASE WHEN a THEN 1 WHEN b THEN 2 ELSE 3 END"), "(CASE WHEN a THEN 1 WHEN b THEN 2 ELSE 3)");
  EXPECT_EQ(Parsed("CASE x WHEN 1 THEN 'a' END"), "(CASE x WHEN 1 THEN 'a')");
  EXPECT_EQ(Parsed("coalesce(a, nullif(b, ''), greatest(1, 2))"), "coalesce(a, nullif(b, ''), greatest(1, 2))");
  EXPECT_EQ(Parsed("count(*)"), "count(*)");
  EXPECT_EQ(Parsed("left(a, 2)"), "left(a, 2)");
  EXPECT_EQ(Parsed("CURRENT_TIMESTAMP"), "now()");
  EXPECT_EQ(Parsed("auth.jwt() -> 'app_metadata' ->> 'role'"), "(->> (-> auth.jwt() 'app_metadata') 'role')");
  EXPECT_EQ(Parsed("\"Weird Col\" = E'x'"), "(= Weird Col 'x')");
  EXPECT_EQ(Parsed("public.notes.account_id"), "public.notes.account_id");
}

TEST(PolicySqlParser, ExpressionsRememberWhereTheyStart) {
  auto e = ParseExpression("\n  a = b");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)->line, 2);
  EXPECT_EQ((*e)->column, 3);
}

// ---- rejections ----

TEST(PolicySqlParser, RejectsEmptyInput) {
  EXPECT_EQ(ErrorOf(""), "empty expression at line 1, column 1");
  EXPECT_EQ(ErrorOf("  -- only a comment\n"), "empty expression at line 2, column 1");
}

TEST(PolicySqlParser, RejectsUnterminatedLiteralsAndComments) {
  EXPECT_EQ(ErrorOf("a = 'x"), "unterminated quoted string at line 1, column 5");
  EXPECT_EQ(ErrorOf("a = E'x\\'"), "unterminated quoted string at line 1, column 5");
  EXPECT_EQ(ErrorOf("a = \"x"), "unterminated quoted identifier at line 1, column 5");
  EXPECT_EQ(ErrorOf("a /* x /* y */"), "unterminated /* comment at line 1, column 3");
  EXPECT_EQ(ErrorOf("a = $tag$ x $$"), "unterminated dollar-quoted string at line 1, column 5");
  EXPECT_EQ(ErrorOf("a = $1"), "bind parameters ($1) are not allowed at line 1, column 5");
  EXPECT_EQ(ErrorOf("a = \"\""), "zero-length delimited identifier at line 1, column 5");
  EXPECT_EQ(ErrorOf("a = 12abc"), "trailing junk after numeric literal at line 1, column 5");
  EXPECT_EQ(ErrorOf("a = `b`"), "unexpected character \"`\" at line 1, column 5");
  EXPECT_EQ(ErrorOf(std::string_view("a = \0", 5)), "invalid null character at line 1, column 5");
  EXPECT_EQ(ErrorOf("a = E'\\x00'"), "invalid null character in string literal at line 1, column 7");
}

TEST(PolicySqlParser, RejectsUnbalancedParenthesesAndTrailingGarbage) {
  EXPECT_EQ(ErrorOf("(a = b"), "syntax error at end of input at line 1, column 7");
  EXPECT_EQ(ErrorOf("a = b)"), "syntax error at or near \")\" at line 1, column 6");
  EXPECT_EQ(ErrorOf("f(a,\n  b))"), "syntax error at or near \")\" at line 2, column 5");
  EXPECT_EQ(ErrorOf("a = b c"), "syntax error at or near \"c\" at line 1, column 7");
  EXPECT_EQ(ErrorOf("a = b;"), "syntax error at or near \";\" at line 1, column 6");
  EXPECT_EQ(ErrorOf("a = "), "syntax error at end of input at line 1, column 5");
  EXPECT_EQ(ErrorOf("a IN ()"), "syntax error at or near \")\" at line 1, column 7");
}

TEST(PolicySqlParser, ComparisonsDoNotChain) {
  EXPECT_EQ(ErrorOf("a = b = c"), "syntax error at or near \"=\" at line 1, column 7");
  EXPECT_EQ(ErrorOf("a LIKE b LIKE c"), "syntax error at or near \"LIKE\" at line 1, column 10");
}

TEST(PolicySqlParser, ReservedWordsAreNotColumns) {
  EXPECT_EQ(ErrorOf("select = 1"), "syntax error at or near \"select\" at line 1, column 1");
  EXPECT_EQ(ErrorOf("a = from"), "syntax error at or near \"from\" at line 1, column 5");
}

TEST(PolicySqlParser, RejectsUnsupportedConstructs) {
  EXPECT_EQ(ErrorOf("a IN (WITH x AS (SELECT 1) SELECT * FROM x)"),
            "unsupported construct WITH (common table expression) at line 1, column 7");
  EXPECT_EQ(ErrorOf("a IN (SELECT 1 UNION SELECT 2)"), "unsupported construct UNION at line 1, column 16");
  EXPECT_EQ(ErrorOf("EXISTS (SELECT 1 FROM t EXCEPT SELECT 2)"),
            "unsupported construct EXCEPT at line 1, column 25");
  EXPECT_EQ(ErrorOf("EXISTS (SELECT 1 FROM (SELECT 1) s)"),
            "unsupported construct subquery in FROM at line 1, column 23");
  EXPECT_EQ(ErrorOf("EXISTS (SELECT 1 FROM a RIGHT JOIN b ON true)"),
            "unsupported construct RIGHT JOIN at line 1, column 25");
  EXPECT_EQ(ErrorOf("EXISTS (SELECT 1 FROM a JOIN b USING (id))"),
            "unsupported construct JOIN ... USING at line 1, column 32");
  EXPECT_EQ(ErrorOf("(a, b) = (1, 2)"), "unsupported construct row constructor at line 1, column 3");
  EXPECT_EQ(ErrorOf("a SIMILAR TO 'x'"), "unsupported construct SIMILAR TO at line 1, column 3");
  EXPECT_EQ(ErrorOf("a ~ 'x'"), "unsupported construct operator ~ at line 1, column 3");
  EXPECT_EQ(ErrorOf("a ^ 2"), "unsupported construct operator ^ at line 1, column 3");
  EXPECT_EQ(ErrorOf("count(DISTINCT a)"),
            "unsupported construct DISTINCT in function arguments at line 1, column 7");
  EXPECT_EQ(ErrorOf("rank() OVER (ORDER BY a)"),
            "unsupported construct window function (OVER) at line 1, column 8");
  EXPECT_EQ(ErrorOf("CURRENT_USER = 'x'"), "unsupported construct CURRENT_USER at line 1, column 1");
  EXPECT_EQ(ErrorOf("a LIKE 'x' ESCAPE '!'"), "unsupported construct LIKE ... ESCAPE at line 1, column 12");
  EXPECT_EQ(ErrorOf("a COLLATE \"C\" = b"), "unsupported construct COLLATE at line 1, column 3");
}

// Chains of every kind, nested and flat, stop at the depth limit instead of the stack.
TEST(PolicySqlParser, RejectsNestingBeyondTheDepthLimit) {
  const std::string parens = std::string(300, '(') + "a" + std::string(300, ')');
  EXPECT_NE(ErrorOf(parens).find("expression nested too deeply (more than 200 levels) at line 1, column"),
            std::string::npos);
  std::string chain = "a";
  for (int i = 0; i < 300; ++i) chain += " + a";
  EXPECT_NE(ErrorOf(chain).find("nested too deeply"), std::string::npos);
  std::string nots;
  for (int i = 0; i < 300; ++i) nots += "NOT ";
  EXPECT_NE(ErrorOf(nots + "a").find("nested too deeply"), std::string::npos);
  std::string casts = "a";
  for (int i = 0; i < 300; ++i) casts += "::text";
  EXPECT_NE(ErrorOf(casts).find("nested too deeply"), std::string::npos);
  std::string subqueries = "a";
  for (int i = 0; i < 300; ++i) subqueries = "EXISTS (SELECT " + subqueries + ")";
  EXPECT_NE(ErrorOf(subqueries).find("nested too deeply"), std::string::npos);
  // Something deep but within the limit still parses.
  EXPECT_EQ(Parsed(std::string(50, '(') + "a" + std::string(50, ')')), "a");
}

// Hostile input of every shape: never a crash, always an answer.
TEST(PolicySqlParser, SurvivesArbitraryPrefixes) {
  const std::string text =
      "EXISTS (SELECT DISTINCT a.x AS y FROM public.t a LEFT JOIN u ON u.id = a.id WHERE a.x::int BETWEEN 1 AND 2 "
      "AND CASE WHEN b IS NOT DISTINCT FROM c THEN E'\\'' ELSE $$x$$ END LIKE 'z%' GROUP BY 1 HAVING count(*) > 0 "
      "ORDER BY 1 DESC LIMIT 1) OR (f(x))[1] = ANY (ARRAY[1, -2.5e3]) AND NOT d NOT IN (1)";
  ASSERT_TRUE(ParseExpression(text).ok()) << ParseExpression(text).error().message;
  for (std::size_t n = 0; n < text.size(); ++n) {
    auto e = ParseExpression(text.substr(0, n));
    if (!e) {
      EXPECT_NE(e.error().message.find(" at line "), std::string::npos) << e.error().message;
    }
  }
}

// ---- statements ----

// The seed's policy statements, with the line breaks real migrations have.
constexpr std::string_view kSeedScript = R"sql(-- Standard RLS policy
CREATE POLICY "feature_account_access" ON your_feature
  FOR ALL TO authenticated
  USING (public.has_role_on_account(account_id))
  WITH CHECK (public.has_permission(auth.uid(), account_id, 'feature.manage'));

ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;
-- Read policy: Owner or team member can read
CREATE POLICY "notes_read" ON public.notes
  FOR SELECT TO authenticated
  USING (
    account_id = (select auth.uid()) -- Personal account
    OR public.has_role_on_account(account_id) -- Team member
  );
CREATE POLICY "notes_manage" ON public.notes
  FOR ALL TO authenticated
  USING (
    public.has_permission(auth.uid(), account_id, 'notes.manage'::app_permissions)
  );
CREATE POLICY "your_table_insert" ON public.your_table
  FOR INSERT TO authenticated
  WITH CHECK (
    account_id = (select auth.uid()) OR
    public.has_permission(auth.uid(), account_id, 'your_feature.create')
  );
CREATE POLICY "your_files_policy" ON storage.objects
FOR ALL USING (
  bucket_id = 'your_files' AND
  public.has_role_on_account(
    (storage.foldername(name))[1]::uuid
  )
);
)sql";

TEST(PolicySqlStatements, ParsesTheSeedPolicies) {
  auto parsed = ParseStatements(kSeedScript);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  ASSERT_EQ(parsed->size(), 6u);

  const auto& feature = std::get<CreatePolicy>((*parsed)[0]);
  EXPECT_EQ(feature.name, "feature_account_access");
  EXPECT_EQ(feature.table.schema, "");
  EXPECT_EQ(feature.table.name, "your_feature");
  EXPECT_TRUE(feature.permissive);
  EXPECT_EQ(feature.command, PolicyCommand::kAll);
  EXPECT_EQ(feature.roles, std::vector<std::string>{"authenticated"});
  EXPECT_EQ(feature.using_text, "public.has_role_on_account(account_id)");
  EXPECT_EQ(feature.with_check_text, "public.has_permission(auth.uid(), account_id, 'feature.manage')");
  EXPECT_EQ(feature.line, 2);

  const auto& alter = std::get<AlterTableRls>((*parsed)[1]);
  EXPECT_EQ(alter.table.schema, "public");
  EXPECT_EQ(alter.table.name, "notes");
  EXPECT_EQ(alter.kind, RlsChange::kEnable);
  EXPECT_EQ(alter.line, 7);

  const auto& read = std::get<CreatePolicy>((*parsed)[2]);
  EXPECT_EQ(read.command, PolicyCommand::kSelect);
  EXPECT_EQ(read.using_text,
            "account_id = (select auth.uid()) -- Personal account\n"
            "    OR public.has_role_on_account(account_id)");
  EXPECT_FALSE(read.with_check);
  // The stored text parses on its own to the same tree.
  EXPECT_EQ(Parsed(read.using_text), Dump(*read.using_expr));

  const auto& insert = std::get<CreatePolicy>((*parsed)[4]);
  EXPECT_EQ(insert.command, PolicyCommand::kInsert);
  EXPECT_FALSE(insert.using_expr);
  ASSERT_TRUE(insert.with_check);

  const auto& files = std::get<CreatePolicy>((*parsed)[5]);
  EXPECT_EQ(files.table.schema, "storage");
  EXPECT_EQ(files.table.name, "objects");
  EXPECT_EQ(files.roles, std::vector<std::string>{"public"});
  EXPECT_EQ(files.line, 26);
}

TEST(PolicySqlStatements, PolicyOptions) {
  auto parsed = ParseStatements(
      "create policy p on t as restrictive for update to anon, \"Service_Role\", public "
      "using (true) with check (false)");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const auto& p = std::get<CreatePolicy>((*parsed)[0]);
  EXPECT_FALSE(p.permissive);
  EXPECT_EQ(p.command, PolicyCommand::kUpdate);
  EXPECT_EQ(p.roles, (std::vector<std::string>{"anon", "Service_Role", "public"}));
  EXPECT_EQ(p.using_text, "true");
  EXPECT_EQ(p.with_check_text, "false");
}

TEST(PolicySqlStatements, DropPolicyAndEveryRlsChange) {
  auto parsed = ParseStatements(
      "DROP POLICY IF EXISTS \"notes_read\" ON public.notes;\n"
      "DROP POLICY p ON t CASCADE;;\n"
      "ALTER TABLE t DISABLE ROW LEVEL SECURITY;\n"
      "ALTER TABLE IF EXISTS ONLY s.t FORCE ROW LEVEL SECURITY;\n"
      "alter table t no force row level security");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  ASSERT_EQ(parsed->size(), 5u);
  const auto& drop = std::get<DropPolicy>((*parsed)[0]);
  EXPECT_TRUE(drop.if_exists);
  EXPECT_EQ(drop.name, "notes_read");
  EXPECT_EQ(drop.table.schema, "public");
  EXPECT_FALSE(std::get<DropPolicy>((*parsed)[1]).if_exists);
  EXPECT_EQ(std::get<AlterTableRls>((*parsed)[2]).kind, RlsChange::kDisable);
  const auto& force = std::get<AlterTableRls>((*parsed)[3]);
  EXPECT_EQ(force.kind, RlsChange::kForce);
  EXPECT_TRUE(force.if_exists);
  EXPECT_EQ(force.table.schema, "s");
  EXPECT_EQ(std::get<AlterTableRls>((*parsed)[4]).kind, RlsChange::kNoForce);
}

TEST(PolicySqlStatements, EmptyScriptHasNoStatements) {
  auto parsed = ParseStatements("  ;; -- nothing\n");
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->empty());
}

TEST(PolicySqlStatements, RejectsOtherStatementsByTheirFirstWords) {
  EXPECT_EQ(ScriptErrorOf("ALTER TABLE t ENABLE ROW LEVEL SECURITY;\n\n\n"
                          "CREATE TRIGGER x BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f();"),
            "unsupported statement CREATE TRIGGER at line 4, column 1");
  EXPECT_EQ(ScriptErrorOf("create or replace function f() returns int as $$ select $1 $$ language sql"),
            "unsupported statement CREATE OR REPLACE FUNCTION at line 1, column 1");
  EXPECT_EQ(ScriptErrorOf("GRANT SELECT ON t TO anon"), "unsupported statement GRANT at line 1, column 1");
  EXPECT_EQ(ScriptErrorOf("ALTER TABLE t ADD COLUMN c int"),
            "unsupported statement ALTER TABLE ... ADD COLUMN at line 1, column 15");
  EXPECT_EQ(ScriptErrorOf("ALTER TABLE t NO ROW LEVEL SECURITY"),
            "unsupported statement ALTER TABLE ... NO ROW at line 1, column 15");
  EXPECT_EQ(ScriptErrorOf("ALTER TABLE t ENABLE TRIGGER x"),
            "unsupported statement ALTER TABLE ... ENABLE TRIGGER at line 1, column 15");
  EXPECT_EQ(ScriptErrorOf("ALTER POLICY p ON t RENAME TO q"),
            "unsupported statement ALTER POLICY at line 1, column 1");
}

TEST(PolicySqlStatements, RejectsMalformedPolicies) {
  EXPECT_EQ(ScriptErrorOf("CREATE POLICY p ON t FOR SELECT USING (a = )"),
            "syntax error at or near \")\" at line 1, column 44");
  EXPECT_EQ(ScriptErrorOf("CREATE POLICY p ON t USING (a) garbage"),
            "syntax error at or near \"garbage\" at line 1, column 32");
  EXPECT_EQ(ScriptErrorOf("CREATE POLICY p ON t FOR INSERT USING (true)"),
            "only WITH CHECK expression allowed for INSERT at line 1, column 33");
  EXPECT_EQ(ScriptErrorOf("CREATE POLICY p ON t FOR SELECT USING (true) WITH CHECK (true)"),
            "WITH CHECK cannot be applied to SELECT or DELETE at line 1, column 46");
  EXPECT_EQ(ScriptErrorOf("CREATE POLICY p ON t FOR EVERYTHING"),
            "syntax error at or near \"EVERYTHING\" at line 1, column 26");
  EXPECT_EQ(ScriptErrorOf("CREATE POLICY p ON t TO current_user USING (true)"),
            "unsupported construct role CURRENT_USER at line 1, column 25");
  EXPECT_EQ(ScriptErrorOf("CREATE POLICY p ON t USING (a IN (WITH c AS (SELECT 1) SELECT * FROM c))"),
            "unsupported construct WITH (common table expression) at line 1, column 35");
  EXPECT_EQ(ScriptErrorOf("CREATE POLICY p ON t USING ('unterminated)"),
            "unterminated quoted string at line 1, column 29");
}

}  // namespace
}  // namespace tb::policy::sql
