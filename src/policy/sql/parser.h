// policy/sql/parser.h
//
// Parses the PostgreSQL SQL that policies are written in: one value expression (a
// policy's USING or WITH CHECK text), or a script of CREATE POLICY, DROP POLICY and
// ALTER TABLE … ROW LEVEL SECURITY statements. Precedence is PostgreSQL's.
//
// Every failure is kInvalidArgument with a message that ends "at line L, column C", e.g.
//   syntax error at or near ")" at line 3, column 17
//   unsupported construct WITH (common table expression) at line 1, column 2
//   unsupported statement CREATE TRIGGER at line 12, column 1
// Nesting deeper than kMaxDepth is refused, so hostile text cannot exhaust the stack.
//
// Not supported (refused with "unsupported construct …"): CTEs, UNION/INTERSECT/EXCEPT,
// subqueries in FROM, RIGHT/FULL/NATURAL joins and JOIN … USING, window functions,
// aggregate FILTER/ORDER BY/DISTINCT arguments, row constructors, COLLATE, AT TIME ZONE,
// SIMILAR TO, LIKE … ESCAPE, BETWEEN SYMMETRIC, regular-expression and other operators
// not in ast.h, and the keyword-only functions other than CURRENT_TIMESTAMP (which reads
// as now()). Array slices (a[1:2]) fail in the lexer (":" is not a token).
//
// Thread-safety: pure functions; safe from any thread.
#pragma once

#include <string_view>
#include <vector>

#include "base/result.h"
#include "policy/sql/ast.h"

namespace tb::policy::sql {

// How deep expressions and subqueries may nest (parentheses, operators, calls). At the
// limit, parsing and rendering take about 0.5 MB of stack in a release build and up to
// 4 MB under AddressSanitizer: fine on 8 MB threads, not on small-stack ones.
inline constexpr int kMaxDepth = 200;

// Parses `text` as exactly one expression; anything after it is a syntax error.
// Fails on empty input ("empty expression").
Result<ExprPtr> ParseExpression(std::string_view text);

// Parses `script`: statements separated by semicolons (empty ones are skipped). Fails on
// the first statement that is not CREATE POLICY, DROP POLICY or ALTER TABLE … {ENABLE |
// DISABLE | FORCE | NO FORCE} ROW LEVEL SECURITY, naming its first words; and, as
// PostgreSQL does, on USING for INSERT and on WITH CHECK for SELECT or DELETE.
Result<std::vector<Statement>> ParseStatements(std::string_view script);

}  // namespace tb::policy::sql
