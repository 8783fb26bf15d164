#include "policy/sql/render_sqlite.h"

#include <gtest/gtest.h>

#include <string>

#include "policy/sql/parser.h"

namespace tb::policy::sql {
namespace {

// Relations and functions as the SQLite store names them.
RenderOptions Options(std::string policy_table = "public.notes", std::string row_alias = "") {
  RenderOptions o;
  o.table = [](std::string_view schema, std::string_view name) -> Result<std::string> {
    if (schema.empty() || schema == "public") return std::string(name);
    if (schema == "auth" || schema == "storage") return std::string(schema) + "_" + std::string(name);
    return Error::Make(ErrorCode::kNotFound, "relation \"" + std::string(schema) + "." + std::string(name) +
                                                 "\" does not exist");
  };
  o.function = [](std::string_view schema, std::string_view name, std::size_t arity) -> Result<std::string> {
    if (schema == "auth" && (name == "uid" || name == "jwt") && arity == 0) return "auth_" + std::string(name);
    if (schema == "storage" && name == "foldername" && arity == 1) return std::string("storage_foldername");
    if ((schema.empty() || schema == "public") &&
        (name == "has_role_on_account" || name == "has_permission" || name == "is_super_admin")) {
      return std::string(name);
    }
    if (schema.empty() && name == "now" && arity == 0) return std::string("now");
    if (name == "evil") return std::string("x); DROP TABLE t; --");
    return Error::Make(ErrorCode::kNotFound, "function " + std::string(name) + " does not exist");
  };
  o.policy_table = std::move(policy_table);
  o.row_alias = std::move(row_alias);
  o.is_enum_type = [](std::string_view schema, std::string_view type) {
    return (schema.empty() || schema == "public") && type == "app_permissions";
  };
  return o;
}

// The SQLite text for `text`, or "error: <message>".
std::string Rendered(std::string_view text, const RenderOptions& options = Options()) {
  auto e = ParseExpression(text);
  if (!e) return "parse error: " + e.error().message;
  auto sql = RenderSqlite(**e, options);
  if (!sql) return "error: " + sql.error().message;
  return *sql;
}

TEST(PolicySqlRender, SeedPolicies) {
  EXPECT_EQ(Rendered("public.has_role_on_account(account_id)"), R"(has_role_on_account("account_id"))");
  EXPECT_EQ(Rendered("public.has_permission(auth.uid(), account_id, 'feature.manage')"),
            R"(has_permission(auth_uid(), "account_id", 'feature.manage'))");
  EXPECT_EQ(Rendered("public.has_permission(auth.uid(), account_id, 'reports.financial')"),
            R"(has_permission(auth_uid(), "account_id", 'reports.financial'))");
  EXPECT_EQ(Rendered("account_id = (select auth.uid()) -- Personal account\n"
                     "OR public.has_role_on_account(account_id) -- Team member\n"),
            R"((("account_id" = (SELECT auth_uid())) OR has_role_on_account("account_id")))");
  EXPECT_EQ(Rendered("public.has_permission(auth.uid(), account_id, 'notes.manage'::app_permissions)"),
            R"(has_permission(auth_uid(), "account_id", 'notes.manage'))");
  EXPECT_EQ(Rendered("account_id = (select auth.uid()) OR\n"
                     "public.has_permission(auth.uid(), account_id, 'your_feature.create')"),
            R"((("account_id" = (SELECT auth_uid())) OR )"
            R"(has_permission(auth_uid(), "account_id", 'your_feature.create')))");
  EXPECT_EQ(Rendered("bucket_id = 'your_files' AND\n"
                     "public.has_role_on_account(\n  (storage.foldername(name))[1]::uuid\n)",
                     Options("storage.objects")),
            R"((("bucket_id" = 'your_files') AND )"
            R"(has_role_on_account(pg_array_get(storage_foldername("name"), 1))))");
}

TEST(PolicySqlRender, CorePolicies) {
  EXPECT_EQ(Rendered("(is_personal_account AND primary_owner_user_id = (SELECT auth.uid()))\n"
                     "OR (NOT is_personal_account AND public.has_permission(auth.uid(), id, "
                     "'settings.manage'::public.app_permissions))",
                     Options("public.accounts")),
            R"((("is_personal_account" AND ("primary_owner_user_id" = (SELECT auth_uid()))) OR )"
            R"(((NOT "is_personal_account") AND has_permission(auth_uid(), "id", 'settings.manage'))))");
  EXPECT_EQ(Rendered("NOT (SELECT a.is_personal_account FROM public.accounts a WHERE a.id = account_id)",
                     Options("public.invitations")),
            R"((NOT (SELECT "a"."is_personal_account" FROM "accounts" AS "a" WHERE ("a"."id" = "account_id"))))");
  EXPECT_EQ(Rendered("(account_id = (SELECT auth.uid()) OR public.has_role_on_account(account_id))\n"
                     "AND (expires_at IS NULL OR expires_at > now())"),
            R"(((("account_id" = (SELECT auth_uid())) OR has_role_on_account("account_id")) AND )"
            R"((("expires_at" IS NULL) OR ("expires_at" > now()))))");
}

TEST(PolicySqlRender, MembershipSubqueries) {
  EXPECT_EQ(Rendered("account_id IN (SELECT account_id FROM public.accounts_memberships "
                     "WHERE user_id = auth.uid())"),
            R"(("account_id" IN (SELECT "account_id" FROM "accounts_memberships" )"
            R"(WHERE ("user_id" = auth_uid()))))");
  EXPECT_EQ(Rendered("EXISTS (SELECT 1 FROM public.accounts a JOIN public.accounts_memberships m "
                     "ON m.account_id = a.id WHERE m.user_id = auth.uid() AND a.id = notes.account_id)",
                     Options("public.notes", "r")),
            R"((EXISTS (SELECT 1 FROM "accounts" AS "a" JOIN "accounts_memberships" AS "m" ON )"
            R"(("m"."account_id" = "a"."id") WHERE (("m"."user_id" = auth_uid()) AND )"
            R"(("a"."id" = "r"."account_id")))))");
}

TEST(PolicySqlRender, CompoundExpressionsAreFullyParenthesized) {
  EXPECT_EQ(Rendered("a OR b AND c"), R"(("a" OR ("b" AND "c")))");
  EXPECT_EQ(Rendered("(a OR b) AND c"), R"((("a" OR "b") AND "c"))");
  EXPECT_EQ(Rendered("NOT a = b"), R"((NOT ("a" = "b")))");
  EXPECT_EQ(Rendered("-x::int"), R"((- CAST("x" AS INTEGER)))");
  EXPECT_EQ(Rendered("a - -1"), R"(("a" - (- 1)))");
  EXPECT_EQ(Rendered("a || b = 'xy'"), R"((("a" || "b") = 'xy'))");
  EXPECT_EQ(Rendered("a != b"), R"(("a" <> "b"))");
  EXPECT_EQ(Rendered("data -> 'a' ->> 'b' = 'x'"), R"(((("data" -> 'a') ->> 'b') = 'x'))");
}

TEST(PolicySqlRender, StringsAndIdentifiersAreQuotedSafely) {
  EXPECT_EQ(Rendered("a = 'it''s; DROP TABLE x; --'"), R"(("a" = 'it''s; DROP TABLE x; --'))");
  EXPECT_EQ(Rendered(R"(a = E'\'; DELETE FROM t; /*')"), R"(("a" = '''; DELETE FROM t; /*'))");
  EXPECT_EQ(Rendered("a = $$x' OR 1=1 --$$"), R"(("a" = 'x'' OR 1=1 --'))");
  EXPECT_EQ(Rendered(R"("we""ird" = 1)"), R"(("we""ird" = 1))");
  EXPECT_EQ(Rendered("a = 'line\nbreak'"), "(\"a\" = 'line\nbreak')");
}

TEST(PolicySqlRender, LiteralsAndPredicates) {
  EXPECT_EQ(Rendered("true AND NOT false"), "(1 AND (NOT 0))");
  EXPECT_EQ(Rendered("a IS NULL OR b IS NOT NULL"), R"((("a" IS NULL) OR ("b" IS NOT NULL)))");
  EXPECT_EQ(Rendered("a IS TRUE AND b IS NOT FALSE"), R"((("a" IS TRUE) AND ("b" IS NOT FALSE)))");
  EXPECT_EQ(Rendered("a IS UNKNOWN"), R"(("a" IS NULL))");
  EXPECT_EQ(Rendered("a IS DISTINCT FROM b"), R"(("a" IS NOT "b"))");
  EXPECT_EQ(Rendered("a IS NOT DISTINCT FROM NULL"), R"(("a" IS NULL))");
  EXPECT_EQ(Rendered("status IN ('pending', 'accepted')"), R"(("status" IN ('pending', 'accepted')))");
  EXPECT_EQ(Rendered("status NOT IN ('x')"), R"(("status" NOT IN ('x')))");
  EXPECT_EQ(Rendered("n NOT BETWEEN 1 AND 10"), R"(("n" NOT BETWEEN 1 AND 10))");
  EXPECT_EQ(Rendered("CASE WHEN a THEN 'x' ELSE NULL END"), R"((CASE WHEN "a" THEN 'x' ELSE NULL END))");
  EXPECT_EQ(Rendered("CASE role WHEN 'owner' THEN 1 END"), R"((CASE "role" WHEN 'owner' THEN 1 END))");
  EXPECT_EQ(Rendered("1.5e3 + .5"), "(1.5e3 + .5)");
}

TEST(PolicySqlRender, LikeIsCaseSensitiveThroughPgLike) {
  EXPECT_EQ(Rendered("name LIKE 'a%'"), R"(pg_like("name", 'a%'))");
  EXPECT_EQ(Rendered("name NOT LIKE 'a%'"), R"((NOT pg_like("name", 'a%')))");
  EXPECT_EQ(Rendered("name ILIKE 'a%'"), R"(pg_like(lower("name"), lower('a%')))");
  EXPECT_EQ(Rendered("name NOT ILIKE 'a%'"), R"((NOT pg_like(lower("name"), lower('a%'))))");
  EXPECT_EQ(Rendered("name !~~ 'a%'"), R"((NOT pg_like("name", 'a%')))");
}

TEST(PolicySqlRender, Casts) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"x::uuid", R"("x")"},
      {"x::timestamptz", R"("x")"},
      {"x::timestamp", R"("x")"},
      {"x::timestamp(3) with time zone", R"("x")"},
      {"x::jsonb", R"("x")"},
      {"x::json", R"("x")"},
      {"'notes.manage'::public.app_permissions", "'notes.manage'"},
      {"CAST('notes.manage' AS app_permissions)", "'notes.manage'"},
      {"x::text", R"(CAST("x" AS TEXT))"},
      {"'a'::text", "'a'"},
      {"x::varchar(10)", R"(CAST("x" AS TEXT))"},
      {"x::character varying", R"(CAST("x" AS TEXT))"},
      {"x::citext", R"(CAST("x" AS TEXT))"},
      {"x::date", R"(date("x"))"},
      {"'2024-01-01'::date", "'2024-01-01'"},
      {"x::int", R"(CAST("x" AS INTEGER))"},
      {"x::integer", R"(CAST("x" AS INTEGER))"},
      {"x::bigint", R"(CAST("x" AS INTEGER))"},
      {"x::int8", R"(CAST("x" AS INTEGER))"},
      {"x::smallint", R"(CAST("x" AS INTEGER))"},
      {"x::numeric(10, 2)", R"(CAST("x" AS REAL))"},
      {"x::decimal", R"(CAST("x" AS REAL))"},
      {"x::real", R"(CAST("x" AS REAL))"},
      {"x::double precision", R"(CAST("x" AS REAL))"},
      {"x::float", R"(CAST("x" AS REAL))"},
      {"'TRUE'::boolean", "1"},
      {"' off '::bool", "0"},
      {"'ye'::boolean", "1"},
      {"'f'::boolean", "0"},
      {"0::boolean", "0"},
      {"5::boolean", "1"},
      {"NULL::boolean", "NULL"},
      {"ARRAY['a', 'b']::text[]", "json_array('a', 'b')"},
  };
  for (const auto& [input, expected] : cases) EXPECT_EQ(Rendered(input), expected) << input;
}

TEST(PolicySqlRender, BooleanCastReadsTextAsPostgreSqlDoes) {
  const std::string sql = Rendered("x::boolean");
  EXPECT_EQ(sql.rfind(R"((CASE WHEN typeof("x") = 'integer' THEN ("x" <> 0) ELSE (CASE lower(trim("x", )", 0), 0u)
      << sql;
  EXPECT_NE(sql.find("WHEN 'true' THEN 1"), std::string::npos);
  EXPECT_NE(sql.find("WHEN 'on' THEN 1"), std::string::npos);
  EXPECT_NE(sql.find("WHEN 'off' THEN 0"), std::string::npos);
  EXPECT_EQ(sql.find("WHEN 'o' "), std::string::npos);  // ambiguous in PostgreSQL too
}

TEST(PolicySqlRender, RefusesCastsItCannotExpress) {
  EXPECT_EQ(Rendered("x::interval"), "error: unsupported cast to interval at line 1, column 1");
  EXPECT_EQ(Rendered("a = now() - interval '1 day'"), "error: unsupported cast to interval at line 1, column 13");
  EXPECT_EQ(Rendered("x::other_enum"), "error: unsupported cast to other_enum at line 1, column 1");
  EXPECT_EQ(Rendered("x::bytea"), "error: unsupported cast to bytea at line 1, column 1");
  EXPECT_EQ(Rendered("'maybe'::boolean"),
            "error: invalid input syntax for type boolean: 'maybe' at line 1, column 1");
  EXPECT_EQ(Rendered("x::text[]"),
            "error: unsupported cast to text[] (only ARRAY[...] of a type that stays unchanged) "
            "at line 1, column 1");
}

TEST(PolicySqlRender, ArraysAnyAndAll) {
  EXPECT_EQ(Rendered("role = ANY (ARRAY['owner', 'admin'])"), R"(("role" IN ('owner', 'admin')))");
  EXPECT_EQ(Rendered("id = ANY (ARRAY['a']::uuid[])"), R"(("id" IN ('a')))");
  EXPECT_EQ(Rendered("n <> ALL (ARRAY[1, 2])"), R"(("n" NOT IN (1, 2)))");
  EXPECT_EQ(Rendered("id = SOME (SELECT account_id FROM accounts_memberships)"),
            R"(("id" IN (SELECT "account_id" FROM "accounts_memberships")))");
  EXPECT_EQ(Rendered("ARRAY[1, 2]"), "json_array(1, 2)");
  EXPECT_EQ(Rendered("(storage.foldername(name))[2]"), R"(pg_array_get(storage_foldername("name"), 2))");
  EXPECT_EQ(Rendered("id = ANY (ids)"),
            "error: unsupported construct = ANY over an array value on SQLite (use ARRAY[...] or a subquery) "
            "at line 1, column 1");
  EXPECT_EQ(Rendered("n > ANY (ARRAY[1])"),
            "error: unsupported construct > ANY on SQLite (only = ANY and <> ALL) at line 1, column 1");
  EXPECT_EQ(Rendered("tags @> ARRAY['x']"), "error: unsupported operator @> on SQLite at line 1, column 1");
}

TEST(PolicySqlRender, BuiltinFunctions) {
  EXPECT_EQ(Rendered("coalesce(a)"), R"("a")");
  EXPECT_EQ(Rendered("coalesce(a, b, 'x')"), R"(coalesce("a", "b", 'x'))");
  EXPECT_EQ(Rendered("nullif(a, '')"), R"(nullif("a", ''))");
  EXPECT_EQ(Rendered("lower(a) = upper(b)"), R"((lower("a") = upper("b")))");
  EXPECT_EQ(Rendered("char_length(a) + length(b) + abs(c)"), R"(((length("a") + length("b")) + abs("c")))");
  EXPECT_EQ(Rendered("btrim(a) || trim(b, 'x') || ltrim(c)"), R"(((trim("a") || trim("b", 'x')) || ltrim("c")))");
  EXPECT_EQ(Rendered("greatest(a, b)"), R"(max(coalesce("a", "b"), coalesce("b", "a")))");
  EXPECT_EQ(Rendered("least(a, b, c)"),
            R"(min(coalesce("a", "b", "c"), coalesce("b", "a", "c"), coalesce("c", "a", "b")))");
  EXPECT_EQ(Rendered("pg_catalog.lower(a)"), R"(lower("a"))");
  EXPECT_EQ(Rendered("now() > CURRENT_TIMESTAMP"), "(now() > now())");
  EXPECT_EQ(Rendered("(SELECT count(*) FROM t) > (SELECT max(n) FROM t)"),
            R"(((SELECT count(*) FROM "t") > (SELECT max("n") FROM "t")))");
}

TEST(PolicySqlRender, OtherFunctionsGoThroughTheCallback) {
  EXPECT_EQ(Rendered("public.is_super_admin()"), "is_super_admin()");
  EXPECT_EQ(Rendered("public.lower(a)"), "error: function lower does not exist");
  EXPECT_EQ(Rendered("unknown_fn(1)"), "error: function unknown_fn does not exist");
  EXPECT_EQ(Rendered("evil()"),
            "error: the SQLite name given for function evil is not a plain identifier at line 1, column 1");
  EXPECT_EQ(Rendered("sum(*)"), "error: * is only allowed in count(*) at line 1, column 1");
  EXPECT_EQ(Rendered("f(1)", RenderOptions{}), "error: no SQLite function is known for f at line 1, column 1");
  // A callback's own error comes back unchanged, code included.
  auto e = ParseExpression("nope()");
  ASSERT_TRUE(e.ok());
  auto sql = RenderSqlite(**e, Options());
  ASSERT_FALSE(sql.ok());
  EXPECT_EQ(sql.error().code, ErrorCode::kNotFound);
}

TEST(PolicySqlRender, PolicyTableQualifierBecomesTheRowAlias) {
  EXPECT_EQ(Rendered("notes.account_id = account_id", Options("public.notes", "r")),
            R"(("r"."account_id" = "account_id"))");
  EXPECT_EQ(Rendered("public.notes.account_id = 1", Options("public.notes", "r")), R"(("r"."account_id" = 1))");
  EXPECT_EQ(Rendered("notes.account_id = 1", Options("notes", "r")), R"(("r"."account_id" = 1))");
  EXPECT_EQ(Rendered("notes.account_id = 1", Options("public.notes", "")), R"(("notes"."account_id" = 1))");
  EXPECT_EQ(Rendered("objects.name = 'x'", Options("storage.objects", "")), R"(("storage_objects"."name" = 'x'))");
  // The SQLite name as policy_table: a schema-qualified reference maps to it.
  EXPECT_EQ(Rendered("storage.objects.name = 'x'", Options("storage_objects", "r")), R"(("r"."name" = 'x'))");
  EXPECT_EQ(Rendered("auth.notes.id = 1", Options("public.notes", "r")),
            R"(error: missing FROM-clause entry for table "notes" at line 1, column 1)");
  EXPECT_EQ(Rendered("other.id = 1", Options("public.notes", "r")),
            R"(error: missing FROM-clause entry for table "other" at line 1, column 1)");
}

TEST(PolicySqlRender, SubqueryAliasesAndNamesShadowThePolicyTable) {
  const RenderOptions o = Options("public.notes", "r");
  EXPECT_EQ(Rendered("EXISTS (SELECT 1 FROM notes WHERE notes.id = 1)", o),
            R"((EXISTS (SELECT 1 FROM "notes" WHERE ("notes"."id" = 1))))");
  EXPECT_EQ(Rendered("EXISTS (SELECT 1 FROM notes n WHERE n.id = notes.parent_id)", o),
            R"((EXISTS (SELECT 1 FROM "notes" AS "n" WHERE ("n"."id" = "r"."parent_id"))))");
  EXPECT_EQ(Rendered("EXISTS (SELECT 1 FROM auth.users WHERE users.id = auth.uid())", o),
            R"((EXISTS (SELECT 1 FROM "auth_users" AS "users" WHERE ("users"."id" = auth_uid()))))");
  EXPECT_EQ(Rendered("EXISTS (SELECT 1 FROM public.accounts a WHERE accounts.id = 1)", o),
            R"(error: missing FROM-clause entry for table "accounts" at line 1, column 47)");
  EXPECT_EQ(Rendered("EXISTS (SELECT 1 FROM a x, (b))", o),
            "parse error: unsupported construct subquery in FROM at line 1, column 28");
  // Nested subqueries see their enclosing ones' relations.
  EXPECT_EQ(Rendered("EXISTS (SELECT 1 FROM a WHERE EXISTS (SELECT 1 FROM b WHERE b.x = a.x))", o),
            R"((EXISTS (SELECT 1 FROM "a" WHERE (EXISTS (SELECT 1 FROM "b" WHERE ("b"."x" = "a"."x"))))))");
}

TEST(PolicySqlRender, SubqueryClauses) {
  EXPECT_EQ(Rendered("(SELECT a, b FROM t) IS NULL"),
            "error: subquery must return only one column at line 1, column 1");
  EXPECT_EQ(Rendered("EXISTS (SELECT DISTINCT t.*, x AS \"Y\" FROM t LEFT JOIN u ON u.id = t.id, v "
                     "WHERE t.a GROUP BY x HAVING count(*) > 1 ORDER BY x, y DESC NULLS LAST LIMIT 1 OFFSET 2)"),
            R"((EXISTS (SELECT DISTINCT "t".*, "x" AS "Y" FROM "t" LEFT JOIN "u" ON ("u"."id" = "t"."id"), "v" )"
            R"(WHERE "t"."a" GROUP BY "x" HAVING (count(*) > 1) ORDER BY "x" ASC NULLS LAST, "y" DESC NULLS LAST )"
            R"(LIMIT 1 OFFSET 2)))");
  EXPECT_EQ(Rendered("(SELECT x FROM t ORDER BY y DESC OFFSET 3) = 1"),
            R"(((SELECT "x" FROM "t" ORDER BY "y" DESC NULLS FIRST LIMIT -1 OFFSET 3) = 1))");
  EXPECT_EQ(Rendered("NOT EXISTS (SELECT FROM t)"), R"((NOT (EXISTS (SELECT 1 FROM "t"))))");
  EXPECT_EQ(Rendered("(SELECT FROM t) IS NULL"), "error: subquery has no columns at line 1, column 1");
  EXPECT_EQ(Rendered("EXISTS (SELECT 1 FROM a, a)"),
            R"(error: table name "a" specified more than once at line 1, column 26)");
  EXPECT_EQ(Rendered("EXISTS (SELECT 1 FROM secret.t)"), R"(error: relation "secret.t" does not exist)");
  EXPECT_EQ(Rendered("EXISTS (SELECT 1 FROM t)", RenderOptions{}),
            "error: no SQLite table is known for subqueries at line 1, column 1");
}

// A hand-built tree deeper than any the parser makes is refused, not recursed into.
TEST(PolicySqlRender, RefusesTreesBeyondItsDepthLimit) {
  ExprPtr e = std::make_unique<Expr>();
  e->node = ColumnRef{{}, "a"};
  for (int i = 0; i < 1500; ++i) {
    auto parent = std::make_unique<Expr>();
    parent->node = Unary{UnaryOp::kNot, std::move(e)};
    parent->line = 1;
    parent->column = 1;
    e = std::move(parent);
  }
  auto sql = RenderSqlite(*e, Options());
  ASSERT_FALSE(sql.ok());
  EXPECT_EQ(sql.error().message, "expression nested too deeply at line 1, column 1");
}

}  // namespace
}  // namespace tb::policy::sql
