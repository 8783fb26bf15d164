// api/rest/catalog.h
//
// What /rest/v1 may name: the tables and views of the public schema with their columns,
// primary keys and foreign keys, read from the database once after migrations. A name a
// client sends is looked up here before it reaches SQL; one not found is an error, never
// SQL text.
//
// Thread-safety: immutable once loaded; shared by all requests.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "store/store.h"

namespace tb::api::rest {

struct CatalogColumn {
  std::string name;
  std::string declared_type;  // as the schema wrote it, e.g. "uuid", "varchar(255)"
  store::ColumnType type = store::ColumnType::kText;
  bool not_null = false;
  bool has_default = false;
  std::string default_sql;  // the DEFAULT expression as the schema wrote it; "" when none
  int primary_key_position = 0;  // 1-based position in the primary key, 0 when not part of it
  // An enum column's labels on SQLite, which the API checks as PostgreSQL's input does;
  // empty on PostgreSQL, which checks them itself.
  std::vector<std::string> enum_values;
};

// A foreign key of `table` (columns) referencing `target_table` (target_columns).
struct ForeignKey {
  std::string name;  // "<table>_<columns joined by _>_fkey", PostgreSQL's default name
  std::string table;
  std::vector<std::string> columns;
  std::string target_table;
  std::vector<std::string> target_columns;
};

struct Relation {
  std::string name;  // as clients name it (public schema); also the SQLite name
  bool is_view = false;
  std::vector<CatalogColumn> columns;
  std::vector<std::string> primary_key;  // in key order; empty for views

  const CatalogColumn* Column(std::string_view name) const;
};

class Catalog {
 public:
  // Reads every public table and view: internal tables (auth_*, kit_*, storage_*, sqlite_*,
  // schema_migrations) are never exposed. `dialect` is the store's: SQLite's schema tables
  // or PostgreSQL's pg_catalog (the public schema; real constraint names).
  static Result<std::shared_ptr<const Catalog>> Load(store::Transaction& txn, std::string_view dialect = "sqlite");

  const Relation* Find(std::string_view name) const;
  // Foreign keys from `from` to `to` and from `to` to `from`, for embedding; a key that
  // only adds columns to another one between the same tables is left out (it links the
  // same rows).
  std::vector<const ForeignKey*> KeysBetween(std::string_view from, std::string_view to) const;

  const std::vector<Relation>& relations() const { return relations_; }

 private:
  std::vector<Relation> relations_;
  std::vector<ForeignKey> foreign_keys_;
};

// Whether SQLite keeps `name` to itself or to Tenantbase (never exposed).
bool IsInternalTable(std::string_view name);

}  // namespace tb::api::rest
