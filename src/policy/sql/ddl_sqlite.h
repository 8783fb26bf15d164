// policy/sql/ddl_sqlite.h
//
// CREATE TABLE and CREATE INDEX as an app's PostgreSQL migrations write them (the seed's
// "Creating New Tables" template, Patterns 1-3), turned into SQLite statements that keep
// what the data API and the policies can observe:
//
//   types        kept as declared, so the catalog types columns: uuid, text, varchar(n),
//                char(n), citext, inet, timestamptz, timestamp, date, time, jsonb, json,
//                boolean, smallint, integer, bigint, numeric(p,s), real, double precision,
//                bytea, and enum types (kit_enum_values). Multi-word and alias spellings are
//                normalized (int4 → integer, timestamp with time zone → timestamptz,
//                character varying(n) → varchar(n)). Arrays (text[], uuid[]) become jsonb
//                holding a JSON array, which is how the data API reads and writes them.
//                serial / bigserial / GENERATED … AS IDENTITY: only as the table's single
//                PRIMARY KEY (SQLite's INTEGER PRIMARY KEY AUTOINCREMENT).
//   constraints  NOT NULL, PRIMARY KEY (column and table, key columns made NOT NULL as in
//                PostgreSQL), UNIQUE, REFERENCES / FOREIGN KEY with ON DELETE/UPDATE actions,
//                DEFAULT (rendered, in parentheses), CHECK (rendered by render_sqlite.h),
//                constraint names kept; unnamed checks get PostgreSQL's names (t_col_check).
//   added        boolean → CHECK (x IN (0, 1)); jsonb/json → CHECK (json_valid(x)); arrays →
//                a JSON-array check; varchar(n)/char(n) → CHECK (length(x) <= n); enum
//                columns → BEFORE INSERT/UPDATE triggers raising 22P02 (as the core schema).
//   CHECK with a subquery (which PostgreSQL itself refuses): BEFORE INSERT/UPDATE triggers
//                raising '23514: new row for relation "t" violates check constraint "c"'.
//                Names outside the subquery are the new row. Inside it, a column of the new
//                row that is a foreign key to the table the subquery reads means the new
//                row's value (Pattern 2: `(SELECT account_id FROM project_categories WHERE
//                id = parent_id)` looks up the parent); other names resolve as SQL does,
//                innermost FROM first, then the new row.
//
// Refused, with "… at line L, column C": ltree and other types SQLite cannot hold,
// COLLATE, GENERATED columns, EXCLUDE, LIKE, INHERITS, PARTITION BY, table options,
// UNIQUE NULLS NOT DISTINCT, index methods other than btree/hash, INCLUDE.
//
// Thread-safety: pure functions if the callbacks are.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "policy/sql/script.h"

namespace tb::policy::sql {

struct DdlOptions {
  // Maps a relation as written (schema "" when unqualified) to its SQLite name; fails for
  // schemas SQLite does not have.
  std::function<Result<std::string>(std::string_view schema, std::string_view name)> relation;
  // The columns of an existing SQLite table; empty when there is no such table.
  std::function<std::vector<std::string>(std::string_view table)> columns;
  // True when [schema.]name is an enum type (CREATE TYPE … AS ENUM).
  std::function<bool(std::string_view schema, std::string_view name)> is_enum;
  // Functions defaults and checks may call, as RenderOptions::function.
  std::function<Result<std::string>(std::string_view schema, std::string_view name, std::size_t arity)> function;
};

struct TableDdl {
  std::string table;  // the SQLite name
  bool if_not_exists = false;
  std::string create;                 // CREATE TABLE …
  std::vector<std::string> triggers;  // to run after `create`
};

// Translates the CREATE TABLE statement under `cursor` (REQUIRES: at CREATE). Only tables
// in schema public may be created. Fails as the header says.
Result<TableDdl> TranslateCreateTable(TokenCursor& cursor, const DdlOptions& options);

struct IndexDdl {
  std::string name;
  bool if_not_exists = false;
  std::string create;  // CREATE [UNIQUE] INDEX …
};

// Translates the CREATE [UNIQUE] INDEX statement under `cursor` (REQUIRES: at CREATE).
// An unnamed index gets PostgreSQL's name, table_col_idx.
Result<IndexDdl> TranslateCreateIndex(TokenCursor& cursor, const DdlOptions& options);

// "name" with embedded quotes doubled.
std::string QuoteName(std::string_view name);
// 'text' with embedded quotes doubled.
std::string QuoteText(std::string_view text);

}  // namespace tb::policy::sql
