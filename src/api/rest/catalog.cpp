#include "api/rest/catalog.h"

#include <algorithm>
#include <map>

namespace tb::api::rest {

using store::Value;

const CatalogColumn* Relation::Column(std::string_view name) const {
  for (const CatalogColumn& c : columns) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

bool IsInternalTable(std::string_view name) {
  return name.starts_with("auth_") || name.starts_with("kit_") || name.starts_with("storage_") || name.starts_with("sqlite_") ||
         name == "schema_migrations";
}

namespace {

// The key columns in key order, from each column's position in it.
void SetPrimaryKey(Relation& relation) {
  std::vector<std::pair<int, std::string>> key;
  for (const CatalogColumn& c : relation.columns) {
    if (c.primary_key_position > 0) key.emplace_back(c.primary_key_position, c.name);
  }
  std::sort(key.begin(), key.end());
  for (auto& [position, column] : key) relation.primary_key.push_back(std::move(column));
}

// PostgreSQL: the public schema's tables and views from pg_catalog, in the same shape.
Status LoadPostgres(store::Transaction& txn, std::vector<Relation>& relations, std::vector<ForeignKey>& foreign_keys) {
  auto listed = txn.Query(
      "SELECT c.oid::bigint, c.relname::text, c.relkind::text FROM pg_catalog.pg_class c "
      "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v') ORDER BY c.relname");
  if (!listed) return std::move(listed).error();
  for (const auto& row : listed->rows) {
    const std::string& name = row[1].as_text();
    if (IsInternalTable(name)) continue;
    Relation relation;
    relation.name = name;
    relation.is_view = row[2].as_text() == "v";
    const Value params[] = {row[0]};
    auto columns = txn.Query(
        "SELECT a.attname::text, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull, "
        "a.atthasdef OR a.attidentity <> '', pg_catalog.pg_get_expr(d.adbin, d.adrelid), "
        "coalesce(array_position(pk.conkey, a.attnum), 0), t.typtype = 'e' "
        "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
        "LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
        "LEFT JOIN pg_catalog.pg_constraint pk ON pk.conrelid = a.attrelid AND pk.contype = 'p' "
        "WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        params);
    if (!columns) return std::move(columns).error();
    for (const auto& c : columns->rows) {
      CatalogColumn column;
      column.name = c[0].as_text();
      column.declared_type = c[1].as_text();
      column.type = c[6].as_bool() ? store::ColumnType::kEnum : store::ColumnTypeFromDeclared(column.declared_type);
      column.not_null = c[2].as_bool();
      column.has_default = c[3].as_bool();
      if (!c[4].is_null()) column.default_sql = c[4].as_text();
      column.primary_key_position = static_cast<int>(c[5].as_int());
      relation.columns.push_back(std::move(column));
    }
    SetPrimaryKey(relation);
    if (!relation.is_view) {
      // Keys to other schemas (auth.users) are not embeddable and are left out, as on SQLite
      // where their targets are internal tables.
      auto keys = txn.Query(
          "SELECT con.conname::text, tc.relname::text, a.attname::text, ta.attname::text "
          "FROM pg_catalog.pg_constraint con "
          "CROSS JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(col, tcol, ord) "
          "JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.col "
          "JOIN pg_catalog.pg_attribute ta ON ta.attrelid = con.confrelid AND ta.attnum = k.tcol "
          "JOIN pg_catalog.pg_class tc ON tc.oid = con.confrelid "
          "JOIN pg_catalog.pg_namespace tn ON tn.oid = tc.relnamespace "
          "WHERE con.contype = 'f' AND con.conrelid = $1::oid AND tn.nspname = 'public' "
          "ORDER BY con.conname, k.ord",
          params);
      if (!keys) return std::move(keys).error();
      std::string current;
      for (const auto& k : keys->rows) {
        if (k[0].as_text() != current) {
          current = k[0].as_text();
          foreign_keys.push_back(ForeignKey{current, name, {}, k[1].as_text(), {}});
        }
        foreign_keys.back().columns.push_back(k[2].as_text());
        foreign_keys.back().target_columns.push_back(k[3].as_text());
      }
    }
    relations.push_back(std::move(relation));
  }
  return Ok();
}

}  // namespace

Result<std::shared_ptr<const Catalog>> Catalog::Load(store::Transaction& txn, std::string_view dialect) {
  if (dialect == "postgres") {
    auto catalog = std::make_shared<Catalog>();
    if (Status s = LoadPostgres(txn, catalog->relations_, catalog->foreign_keys_); !s) return std::move(s).error();
    return std::shared_ptr<const Catalog>(std::move(catalog));
  }
  auto enums = txn.Query("SELECT type_name, value FROM kit_enum_values ORDER BY type_name, sort_order");
  if (!enums) return std::move(enums).error();
  std::map<std::string, std::vector<std::string>, std::less<>> enum_types;
  for (const auto& row : enums->rows) enum_types[row[0].as_text()].push_back(row[1].as_text());

  auto relations = txn.Query(
      "SELECT name, type FROM sqlite_schema WHERE type IN ('table', 'view') ORDER BY name");
  if (!relations) return std::move(relations).error();
  auto catalog = std::make_shared<Catalog>();
  for (const auto& row : relations->rows) {
    const std::string& name = row[0].as_text();
    if (IsInternalTable(name)) continue;
    Relation relation;
    relation.name = name;
    relation.is_view = row[1].as_text() == "view";
    const Value params[] = {Value::Text(name)};
    auto columns = txn.Query(
        "SELECT name, type, \"notnull\", dflt_value IS NOT NULL, pk, dflt_value FROM pragma_table_info($1) ORDER BY cid",
        params);
    if (!columns) return std::move(columns).error();
    for (const auto& c : columns->rows) {
      CatalogColumn column;
      column.name = c[0].as_text();
      column.declared_type = c[1].as_text();
      const auto labels = enum_types.find(column.declared_type);
      column.type = labels != enum_types.end() ? store::ColumnType::kEnum : store::ColumnTypeFromDeclared(column.declared_type);
      if (labels != enum_types.end()) column.enum_values = labels->second;
      column.not_null = c[2].as_int() != 0;
      column.has_default = c[3].as_int() != 0;
      if (column.has_default) column.default_sql = c[5].as_text();
      column.primary_key_position = static_cast<int>(c[4].as_int());
      relation.columns.push_back(std::move(column));
    }
    SetPrimaryKey(relation);
    if (!relation.is_view) {
      auto keys = txn.Query(
          "SELECT id, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list($1) ORDER BY id, seq", params);
      if (!keys) return std::move(keys).error();
      int current = -1;
      for (const auto& k : keys->rows) {
        if (static_cast<int>(k[0].as_int()) != current) {
          current = static_cast<int>(k[0].as_int());
          catalog->foreign_keys_.push_back(ForeignKey{"", name, {}, k[1].as_text(), {}});
        }
        ForeignKey& fk = catalog->foreign_keys_.back();
        fk.columns.push_back(k[2].as_text());
        // A reference without a column list names the target's primary key (SQLite: NULL).
        fk.target_columns.push_back(k[3].is_null() ? "" : k[3].as_text());
      }
    }
    catalog->relations_.push_back(std::move(relation));
  }
  for (ForeignKey& fk : catalog->foreign_keys_) {
    fk.name = fk.table;  // PostgreSQL's default constraint name
    for (const std::string& c : fk.columns) fk.name += "_" + c;
    fk.name += "_fkey";
    const Relation* target = catalog->Find(fk.target_table);
    for (size_t i = 0; i < fk.target_columns.size(); ++i) {
      if (fk.target_columns[i].empty() && target && i < target->primary_key.size()) {
        fk.target_columns[i] = target->primary_key[i];
      }
    }
  }
  return std::shared_ptr<const Catalog>(std::move(catalog));
}

const Relation* Catalog::Find(std::string_view name) const {
  for (const Relation& r : relations_) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

std::vector<const ForeignKey*> Catalog::KeysBetween(std::string_view from, std::string_view to) const {
  std::vector<const ForeignKey*> keys;
  for (const ForeignKey& fk : foreign_keys_) {
    if ((fk.table == from && fk.target_table == to) || (fk.table == to && fk.target_table == from)) {
      keys.push_back(&fk);
    }
  }
  // A key that only widens another one between the same tables in the same direction
  // (subscription_items (subscription_id, account_id) beside (subscription_id)) links
  // the same rows: the narrower one stands for both.
  auto covers = [](const ForeignKey* wide, const ForeignKey* narrow) {
    if (wide == narrow || wide->table != narrow->table || wide->target_table != narrow->target_table ||
        wide->columns.size() <= narrow->columns.size()) {
      return false;
    }
    for (size_t i = 0; i < narrow->columns.size(); ++i) {
      bool found = false;
      for (size_t j = 0; j < wide->columns.size(); ++j) {
        found = found || (wide->columns[j] == narrow->columns[i] && wide->target_columns[j] == narrow->target_columns[i]);
      }
      if (!found) return false;
    }
    return true;
  };
  std::vector<const ForeignKey*> narrowest;
  for (const ForeignKey* k : keys) {
    const bool redundant = std::any_of(keys.begin(), keys.end(), [&](const ForeignKey* other) { return covers(k, other); });
    if (!redundant) narrowest.push_back(k);
  }
  return narrowest;
}

}  // namespace tb::api::rest
