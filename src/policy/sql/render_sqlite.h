// policy/sql/render_sqlite.h
//
// Renders a parsed policy expression (ast.h) as a SQLite expression with the same meaning,
// for the SQLite store to add to its queries. Every compound expression is parenthesized,
// so PostgreSQL's precedence survives SQLite's different one; identifiers are always
// "quoted"; strings become '…' literals with '' doubled (policy text is trusted migration
// text, and nothing in it can end a literal or identifier early).
//
// Translations that need SQLite functions the store registers (store/sqlite/
// sqlite_functions.h):
//   a LIKE b          pg_like(a, b)                 (SQLite's LIKE ignores ASCII case)
//   a ILIKE b         pg_like(lower(a), lower(b))   (ASCII case folding, as lower())
//   NOT LIKE/ILIKE    (NOT pg_like(…))
//   arr[i]            pg_array_get(arr, i)          (arrays are JSON text on SQLite)
// and to SQLite's own:
//   ARRAY[a, b]                 json_array(a, b)
//   x = ANY (ARRAY[…] | SELECT) (x IN (…));  x <> ALL (…) → (x NOT IN (…)); others refused
//   IS [NOT] DISTINCT FROM      IS NOT / IS
//   TRUE / FALSE                1 / 0
//   ->, ->>, ||                 unchanged (SQLite ≥ 3.38)
//   ORDER BY without NULLS      PostgreSQL's default made explicit (ASC NULLS LAST,
//                               DESC NULLS FIRST)
// Casts:
//   ::uuid, ::timestamptz, ::timestamp, ::json, ::jsonb, enum types → the value unchanged
//   ::text, ::varchar(n), ::character varying, ::citext → CAST(x AS TEXT), so 42::text
//       compares equal to '42' (a string literal stays as it is; lengths are not enforced)
//   ::date → date(x) (a string literal stays as it is)
//   ::int, ::integer, ::bigint, ::smallint → CAST(x AS INTEGER): fractions truncate
//       (PostgreSQL rounds) and non-numeric text gives 0 (PostgreSQL raises an error)
//   ::numeric, ::decimal, ::real, ::double precision, ::float → CAST(x AS REAL)
//   ::boolean → PostgreSQL's reading of text: 't', 'true', 'yes', 'on', '1' and their
//       prefixes are 1, 'f', 'false', 'no', 'off', '0' are 0 (any case, blanks trimmed),
//       integers are (x <> 0); anything else is NULL where PostgreSQL raises an error.
//       A literal is folded now (an invalid one is refused); otherwise a CASE that
//       evaluates x three times. Not CAST(x AS INTEGER), which would read 'true' as 0.
//   ARRAY[…]::T[] for T unchanged or text above → json_array(…), elements as written
//   anything else → "unsupported cast to <type>"
// Functions translated here, unqualified or pg_catalog-qualified (never through
// RenderOptions::function): coalesce, nullif, lower, upper, length, char_length and
// character_length (→ length), abs, btrim and trim (→ trim), ltrim, rtrim, and the
// aggregates count (also count(*)), sum, avg, min, max with one argument.
// greatest/least → max/min over coalesce()d arguments, since PostgreSQL's ignore NULLs
// and SQLite's do not (arguments are evaluated more than once).
// Every other function goes through RenderOptions::function.
//
// Refused: @> and <@, other ANY/ALL forms, casts not listed, functions the callback
// refuses, and relations the table callback refuses (its error is returned unchanged).
//
// Thread-safety: pure function; safe from any thread if the callbacks are.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "policy/sql/ast.h"

namespace tb::policy::sql {

struct RenderOptions {
  // Maps a relation as written (schema "" when unqualified) to its SQLite table name;
  // returns an error for unknown ones. REQUIRES: set when the expression has a subquery.
  std::function<Result<std::string>(std::string_view schema, std::string_view name)> table;
  // Maps a function as written (schema "" when unqualified) and its argument count to the
  // SQLite function to call, e.g. ("auth", "uid", 0) → "auth_uid". The answer must be a
  // plain identifier ([A-Za-z_][A-Za-z0-9_]*). REQUIRES: set when the expression calls a
  // function not translated here.
  std::function<Result<std::string>(std::string_view schema, std::string_view name, std::size_t arity)> function;
  // The table the policy is on, "notes" or "public.notes". A column qualified with it
  // ("notes.x", "public.notes.x", or any qualifier `table` maps to the same SQLite table)
  // outside a subquery that declares that name is the policy's row: rendered
  // "row_alias"."x", or, when row_alias is empty, qualified with policy_table's SQLite
  // name (through `table`; its bare name when `table` is not set). Other qualifiers that
  // no subquery declares are refused ("missing FROM-clause entry"). Unqualified columns
  // stay unqualified, so SQLite resolves them as PostgreSQL does: the nearest FROM
  // first, then the policy's row.
  std::string policy_table;
  std::string row_alias;
  // True when schema.type is an enum (a cast to it is then a no-op). May be empty.
  std::function<bool(std::string_view schema, std::string_view type)> is_enum_type;
};

// Renders `expr`. Fails with kInvalidArgument for what SQLite cannot express (message ends
// "at line L, column C" of the offending part), or with the callbacks' own errors.
Result<std::string> RenderSqlite(const Expr& expr, const RenderOptions& options);

}  // namespace tb::policy::sql
