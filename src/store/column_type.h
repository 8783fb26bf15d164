// store/column_type.h
//
// What a column's values mean, independent of how a backend stores them. The store reads
// it from the schema (SQLite keeps each column's declared type, e.g. `uuid`, `timestamptz`,
// `jsonb`, `subscription_status`) so the API can answer with PostgREST's JSON types:
// booleans as true/false, jsonb as JSON, numbers as numbers, timestamps as ISO 8601 text.
#pragma once

#include <string_view>

namespace tb::store {

enum class ColumnType {
  kText,         // text, varchar(n), character varying, inet, citext; also unknown names
  kUuid,         // uuid (canonical lower-case text)
  kBool,         // boolean (SQLite: 0/1)
  kInteger,      // smallint, integer, bigint, serial, bigserial
  kNumeric,      // numeric, decimal, real, double precision
  kTimestamptz,  // timestamptz / timestamp with time zone (ISO 8601 text, see base/clock.h)
  kDate,         // date (YYYY-MM-DD)
  kJson,         // json, jsonb (JSON text)
  kBytea,        // bytea
  kEnum,         // a name registered with CREATE TYPE … AS ENUM (stored as text)
};

// Maps a declared type name (case-insensitive, modifiers like "(255)" ignored) to its
// ColumnType. Names that are not built-in types give kText; callers that know the
// enum names (the catalog) turn those into kEnum.
ColumnType ColumnTypeFromDeclared(std::string_view declared);

const char* ColumnTypeName(ColumnType type);

}  // namespace tb::store
