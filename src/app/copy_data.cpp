#include "app/copy_data.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>
#include <span>

#include "api/json.h"
#include "base/clock.h"
#include "crypto/hash.h"
#include "policy/sql/ddl_sqlite.h"

namespace tb::app {

namespace {

using policy::sql::QuoteName;
using store::Rows;
using store::Transaction;
using store::Value;

// How a column's values are written, read back and put in canonical form; PostgreSQL's
// type decides, since SQLite keeps only the declared name.
enum class Kind {
  kPlain,      // text, enums, bytea: as they are
  kBool,       // boolean (SQLite: 0/1)
  kNumber,     // integers, numeric, floating point
  kTimestamp,  // timestamptz, timestamp
  kUuid,
  kJson,       // json, jsonb
  kArray,      // PostgreSQL arrays, JSON arrays on SQLite
};

struct ColumnShape {
  std::string name;
  Kind kind = Kind::kPlain;
  std::string pg_type;  // format_type(), e.g. "text[]"
};

struct TableShape {
  std::string schema;  // PostgreSQL's
  std::string name;
  std::vector<ColumnShape> columns;
  std::vector<std::string> primary_key;
  std::vector<std::string> parents;  // the tables its foreign keys reference, "schema.name"

  std::string Qualified() const { return schema + "." + name; }
  // SQLite's name: the schema becomes a prefix, public. is dropped (store/sqlite/sqlite_dialect.h).
  std::string SqliteName() const { return schema == "public" ? name : schema + "_" + name; }
};

std::string Relation(const TableShape& table, bool postgres) {
  return postgres ? QuoteName(table.schema) + "." + QuoteName(table.name) : QuoteName(table.SqliteName());
}

Error InTable(const TableShape& table, Error error) {
  error.message = table.Qualified() + ": " + error.message;
  return error;
}

Kind KindOf(std::string_view base_type, bool is_array) {
  if (is_array) return Kind::kArray;
  if (base_type == "bool") return Kind::kBool;
  if (base_type == "int2" || base_type == "int4" || base_type == "int8" || base_type == "numeric" ||
      base_type == "float4" || base_type == "float8") {
    return Kind::kNumber;
  }
  if (base_type == "timestamptz" || base_type == "timestamp") return Kind::kTimestamp;
  if (base_type == "uuid") return Kind::kUuid;
  if (base_type == "json" || base_type == "jsonb") return Kind::kJson;
  return Kind::kPlain;
}

// The tables both schemas share, read from PostgreSQL's catalog, in an order where every
// table comes after the tables it references.
Result<std::vector<TableShape>> LoadTables(Transaction& pg) {
  auto names = pg.Query(
      "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c "
      "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition "
      "AND n.nspname IN ('public', 'auth', 'kit', 'storage') "
      "AND c.relname NOT IN ('schema_migrations', 'app_migrations') "
      "AND NOT (n.nspname = 'kit' AND c.relname = 'realtime_changes') "
      "ORDER BY 1, 2");
  if (!names) return std::move(names).error();
  std::map<std::string, TableShape> by_name;
  for (const auto& row : names->rows) {
    TableShape table;
    table.schema = row[0].as_text();
    table.name = row[1].as_text();
    const Value relation = Value::Text(Relation(table, true));
    // A catalog query about this table ($1 names it); its error names the table.
    const auto about = [&](std::string_view sql) -> Result<Rows> {
      auto rows = pg.Query(sql, std::span(&relation, 1));
      if (!rows) return InTable(table, std::move(rows).error());
      return rows;
    };
    auto columns = about(
        "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), t.typcategory = 'A', "
        "coalesce(e.typname, t.typname) "
        "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
        "LEFT JOIN pg_catalog.pg_type e ON e.oid = t.typelem AND t.typcategory = 'A' "
        "WHERE a.attrelid = CAST($1 AS regclass) AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' "
        "ORDER BY a.attnum");
    if (!columns) return std::move(columns).error();
    for (const auto& c : columns->rows) {
      table.columns.push_back({c[0].as_text(), KindOf(c[3].as_text(), c[2].as_bool()), c[1].as_text()});
    }
    auto key = about(
        "SELECT a.attname FROM pg_catalog.pg_index i "
        "JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) "
        "WHERE i.indrelid = CAST($1 AS regclass) AND i.indisprimary "
        "ORDER BY array_position(CAST(i.indkey AS int2[]), a.attnum)");
    if (!key) return std::move(key).error();
    for (const auto& k : key->rows) table.primary_key.push_back(k[0].as_text());
    auto parents = about(
        "SELECT DISTINCT n.nspname || '.' || c.relname FROM pg_catalog.pg_constraint k "
        "JOIN pg_catalog.pg_class c ON c.oid = k.confrelid "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE k.conrelid = CAST($1 AS regclass) AND k.contype = 'f'");
    if (!parents) return std::move(parents).error();
    for (const auto& p : parents->rows) {
      if (p[0].as_text() != table.Qualified()) table.parents.push_back(p[0].as_text());
    }
    by_name.emplace(table.Qualified(), std::move(table));
  }

  // Parents first (Kahn's algorithm; ties in name order, so the order is stable).
  std::vector<TableShape> ordered;
  std::set<std::string> placed;
  while (!by_name.empty()) {
    auto ready = std::find_if(by_name.begin(), by_name.end(), [&](const auto& entry) {
      return std::all_of(entry.second.parents.begin(), entry.second.parents.end(), [&](const std::string& p) {
        return placed.contains(p) || (!by_name.contains(p) && p != entry.first);
      });
    });
    if (ready == by_name.end()) {
      std::string cycle;
      for (const auto& [name, _] : by_name) cycle += (cycle.empty() ? "" : ", ") + name;
      return Error::Make(ErrorCode::kInvalidArgument,
                         "copy-data cannot order tables whose foreign keys form a cycle: " + cycle);
    }
    placed.insert(ready->first);
    ordered.push_back(std::move(ready->second));
    by_name.erase(ready);
  }
  return ordered;
}

// Fails unless SQLite has every table with exactly PostgreSQL's (stored) columns.
Status CheckSqliteMatches(Transaction& sqlite, const std::vector<TableShape>& tables) {
  for (const TableShape& table : tables) {
    const Value name = Value::Text(table.SqliteName());
    auto columns = sqlite.Query("SELECT name FROM pragma_table_xinfo($1) WHERE hidden NOT IN (2, 3)",
                                std::span(&name, 1));
    if (!columns) return InTable(table, std::move(columns).error());
    if (columns->rows.empty()) {
      return Error::Make(ErrorCode::kInvalidArgument,
                         "SQLite has no table " + table.SqliteName() + " for PostgreSQL's " + table.Qualified() +
                             " (are both migrated with the same app migrations?)");
    }
    std::set<std::string> on_sqlite;
    for (const auto& row : columns->rows) on_sqlite.insert(row[0].as_text());
    std::set<std::string> on_postgres;
    for (const ColumnShape& c : table.columns) on_postgres.insert(c.name);
    if (on_sqlite != on_postgres) {
      std::string differ;
      for (const auto& c : on_postgres) {
        if (!on_sqlite.contains(c)) differ += " " + c + " (PostgreSQL only)";
      }
      for (const auto& c : on_sqlite) {
        if (!on_postgres.contains(c)) differ += " " + c + " (SQLite only)";
      }
      return Error::Make(ErrorCode::kInvalidArgument, table.Qualified() + " has different columns:" + differ);
    }
  }
  return Ok();
}

// ---- canonical form and checksum ----

std::string NumberText(const Value& v) {
  if (v.kind() == Value::Kind::kInt || v.kind() == Value::Kind::kBool) return std::to_string(v.as_int());
  if (v.kind() == Value::Kind::kReal) {
    const double d = v.as_real();
    if (d == static_cast<double>(static_cast<int64_t>(d)) && d > -9.0e18 && d < 9.0e18) {
      return std::to_string(static_cast<int64_t>(d));
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", d);
    return buf;
  }
  return v.as_text();
}

// JSON with object members sorted by name: jsonb reorders them, SQLite keeps the text.
void WriteSorted(const rapidjson::Value& value, api::JsonWriter& out) {
  if (value.IsObject()) {
    std::vector<const rapidjson::Value::Member*> members;
    for (const auto& m : value.GetObject()) members.push_back(&m);
    std::sort(members.begin(), members.end(), [](const auto* a, const auto* b) {
      return std::string_view(a->name.GetString(), a->name.GetStringLength()) <
             std::string_view(b->name.GetString(), b->name.GetStringLength());
    });
    out.StartObject();
    for (const auto* m : members) {
      out.Key(m->name.GetString(), m->name.GetStringLength());
      WriteSorted(m->value, out);
    }
    out.EndObject();
  } else if (value.IsArray()) {
    out.StartArray();
    for (const auto& element : value.GetArray()) WriteSorted(element, out);
    out.EndArray();
  } else {
    value.Accept(out);
  }
}

std::string CanonicalJson(const std::string& text) {
  rapidjson::Document parsed;
  parsed.Parse(text.data(), text.size());
  if (parsed.HasParseError()) return text;
  rapidjson::StringBuffer buffer;
  api::JsonWriter out(buffer);
  WriteSorted(parsed, out);
  return std::string(buffer.GetString(), buffer.GetSize());
}

// One value as both backends agree to spell it.
std::string CanonicalValue(const Value& v, Kind kind) {
  if (v.is_null()) return "N";
  switch (kind) {
    case Kind::kBool: return v.kind() == Value::Kind::kText ? v.as_text() : (v.as_bool() ? "1" : "0");
    case Kind::kNumber: return NumberText(v);
    case Kind::kTimestamp: {
      if (v.kind() != Value::Kind::kText) break;
      if (auto t = ParseTimestamp(v.as_text())) return FormatTimestamp(*t);
      return v.as_text();
    }
    case Kind::kUuid: {
      if (v.kind() != Value::Kind::kText) break;
      std::string s = v.as_text();
      std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
      return s;
    }
    case Kind::kJson:
    case Kind::kArray: {
      if (v.kind() != Value::Kind::kText) break;
      return CanonicalJson(v.as_text());
    }
    case Kind::kPlain: break;
  }
  switch (v.kind()) {
    case Value::Kind::kText:
    case Value::Kind::kBlob: return v.as_text();
    case Value::Kind::kReal: return NumberText(v);
    default: return std::to_string(v.as_int());
  }
}

// The order-free sum of the rows' digests: 128 bits as two words.
struct Checksum {
  uint64_t high = 0;
  uint64_t low = 0;

  void Add(const TableShape& table, const std::vector<Value>& row) {
    std::string canonical;
    for (size_t i = 0; i < row.size(); ++i) {
      const std::string value = CanonicalValue(row[i], table.columns[i].kind);
      canonical += std::to_string(value.size()) + ":" + value;
    }
    const std::string digest = crypto::Sha256Hex(canonical);
    const uint64_t add_high = std::strtoull(digest.substr(0, 16).c_str(), nullptr, 16);
    const uint64_t add_low = std::strtoull(digest.substr(16, 16).c_str(), nullptr, 16);
    low += add_low;
    high += add_high + (low < add_low ? 1 : 0);
  }
  std::string Hex() const {
    char buf[33];
    std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(high),
                  static_cast<unsigned long long>(low));
    return buf;
  }
};

// ---- reading and writing rows ----

int RowsPerBatch(const TableShape& table, int batch_rows) {
  // Both databases take tens of thousands of parameters in one statement; stay well below.
  const int by_parameters = 30000 / static_cast<int>(std::max<size_t>(1, table.columns.size()));
  return std::max(1, std::min(batch_rows, by_parameters));
}

// Calls `each` with every batch of `table`'s rows, columns in `table.columns` order: in
// primary-key order, a batch at a time; a table without a primary key in one read.
Status ReadTable(Transaction& txn, const TableShape& table, bool postgres, int batch_rows,
                 const std::function<Status(std::vector<std::vector<Value>>&)>& each) {
  std::string select;
  for (const ColumnShape& c : table.columns) {
    if (!select.empty()) select += ", ";
    // An array comes out as JSON, which is how SQLite keeps it.
    select += postgres && c.kind == Kind::kArray ? "CAST(to_jsonb(" + QuoteName(c.name) + ") AS text)" : QuoteName(c.name);
  }
  const std::string from = "SELECT " + select + " FROM " + Relation(table, postgres);
  if (table.primary_key.empty()) {
    auto rows = txn.Query(from);
    if (!rows) return InTable(table, std::move(rows).error());
    return each(rows->rows);
  }
  std::string key;
  std::string after;
  std::vector<size_t> key_at;
  for (size_t i = 0; i < table.primary_key.size(); ++i) {
    key += (i ? ", " : "") + QuoteName(table.primary_key[i]);
    after += (i ? ", $" : "$") + std::to_string(i + 1);
    for (size_t c = 0; c < table.columns.size(); ++c) {
      if (table.columns[c].name == table.primary_key[i]) key_at.push_back(c);
    }
  }
  const std::string limit = " LIMIT " + std::to_string(RowsPerBatch(table, batch_rows));
  const std::string first = from + " ORDER BY " + key + limit;
  const std::string next = from + " WHERE (" + key + ") > (" + after + ") ORDER BY " + key + limit;
  std::vector<Value> last;
  while (true) {
    auto rows = last.empty() ? txn.Query(first) : txn.Query(next, last);
    if (!rows) return InTable(table, std::move(rows).error());
    if (rows->rows.empty()) return Ok();
    last.clear();
    for (size_t at : key_at) last.push_back(rows->rows.back()[at]);
    if (Status s = each(rows->rows); !s) return s;
  }
}

Status InsertRows(Transaction& txn, const TableShape& table, bool postgres, std::vector<std::vector<Value>>& rows) {
  std::string columns;
  for (const ColumnShape& c : table.columns) columns += (columns.empty() ? "" : ", ") + QuoteName(c.name);
  std::string sql = "INSERT INTO " + Relation(table, postgres) + " (" + columns + ")" +
                    (postgres ? " OVERRIDING SYSTEM VALUE" : "") + " VALUES ";
  std::vector<Value> params;
  params.reserve(rows.size() * table.columns.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    sql += r ? ", (" : "(";
    for (size_t c = 0; c < table.columns.size(); ++c) {
      const ColumnShape& column = table.columns[c];
      Value& v = rows[r][c];
      const std::string p = "$" + std::to_string(params.size() + 1);
      if (c) sql += ", ";
      if (postgres && column.kind == Kind::kArray) {
        // SQLite's JSON array becomes PostgreSQL's array of the column's type.
        sql += "CASE WHEN CAST(" + p + " AS jsonb) IS NULL THEN NULL ELSE CAST(ARRAY(SELECT jsonb_array_elements_text(CAST(" +
               p + " AS jsonb))) AS " + column.pg_type + ") END";
      } else {
        sql += p;
      }
      if (column.kind == Kind::kBool && !v.is_null() && v.kind() != Value::Kind::kBool) v = Value::Bool(v.as_bool());
      params.push_back(std::move(v));
    }
    sql += ")";
  }
  auto inserted = txn.Execute(sql, params);
  if (!inserted) return InTable(table, std::move(inserted).error());
  return Ok();
}

// ---- the target's triggers ----

// Keeps the target's triggers from firing while rows go in (see copy_data.h), and turns
// them back on. On PostgreSQL it also switches between the tables' owner (for ALTER TABLE
// and the sequences) and service_role (BYPASSRLS, for the rows: the owner is subject to
// its FORCE'd policies).
class HeldTriggers {
 public:
  static Result<HeldTriggers> Hold(Transaction& txn, const std::vector<TableShape>& tables, bool postgres) {
    HeldTriggers held(txn, tables, postgres);
    if (postgres) {
      for (const TableShape& table : tables) {
        if (Status s = txn.ExecuteScript("ALTER TABLE " + Relation(table, true) + " DISABLE TRIGGER USER"); !s) {
          return InTable(table, std::move(s).error());
        }
      }
      if (auto r = txn.Query("SELECT set_config('role', 'service_role', true)"); !r) return std::move(r).error();
      return held;
    }
    // Foreign keys are checked at commit, when every table is in.
    if (auto r = txn.Execute("PRAGMA defer_foreign_keys = ON"); !r) return std::move(r).error();
    auto triggers = txn.Query("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND sql IS NOT NULL");
    if (!triggers) return std::move(triggers).error();
    for (const auto& row : triggers->rows) {
      if (auto r = txn.Execute("DROP TRIGGER " + QuoteName(row[0].as_text())); !r) return std::move(r).error();
      held.sqlite_triggers_.push_back(row[1].as_text());
    }
    return held;
  }

  // Turns the triggers back on and moves PostgreSQL's sequences past the copied ids.
  Status Release() {
    if (!postgres_) {
      for (const std::string& sql : sqlite_triggers_) {
        if (auto r = txn_.Execute(sql); !r) return std::move(r).error();
      }
      return Ok();
    }
    // The highest ids are read as service_role (the owner sees no rows under FORCE'd
    // policies); the sequences are moved, and the triggers switched back on, by the owner.
    std::vector<std::pair<Value, Value>> sequences;  // (sequence, highest id or NULL)
    for (const TableShape& table : tables_) {
      if (Status s = HighestIds(table, sequences); !s) return InTable(table, std::move(s).error());
    }
    if (auto r = txn_.Query("SELECT set_config('role', 'none', true)"); !r) return std::move(r).error();
    for (const TableShape& table : tables_) {
      if (Status s = txn_.ExecuteScript("ALTER TABLE " + Relation(table, true) + " ENABLE TRIGGER USER"); !s) {
        return InTable(table, std::move(s).error());
      }
    }
    for (const auto& [sequence, highest] : sequences) {
      // setval(seq, 1, false): the next id is 1, as in a fresh table.
      const Value params[] = {sequence, highest.is_null() ? Value::Int(1) : highest, Value::Bool(!highest.is_null())};
      if (auto r = txn_.Query("SELECT setval(CAST($1 AS regclass), $2, $3)", params); !r) return std::move(r).error();
    }
    return Ok();
  }

 private:
  HeldTriggers(Transaction& txn, const std::vector<TableShape>& tables, bool postgres)
      : txn_(txn), tables_(tables), postgres_(postgres) {}

  // Appends each sequence that fills a column of `table` (serial, identity) with the
  // column's highest value.
  Status HighestIds(const TableShape& table, std::vector<std::pair<Value, Value>>& out) {
    const Value relation = Value::Text(Relation(table, true));
    auto owned = txn_.Query(
        "SELECT a.attname, pg_get_serial_sequence($1, a.attname) FROM pg_catalog.pg_attribute a "
        "WHERE a.attrelid = CAST($1 AS regclass) AND a.attnum > 0 AND NOT a.attisdropped "
        "AND pg_get_serial_sequence($1, a.attname) IS NOT NULL",
        std::span(&relation, 1));
    if (!owned) return std::move(owned).error();
    for (const auto& row : owned->rows) {
      auto highest = txn_.Query("SELECT max(" + QuoteName(row[0].as_text()) + ") FROM " + Relation(table, true));
      if (!highest) return std::move(highest).error();
      out.emplace_back(row[1], highest->rows[0][0]);
    }
    return Ok();
  }

  Transaction& txn_;
  const std::vector<TableShape>& tables_;
  bool postgres_;
  std::vector<std::string> sqlite_triggers_;
};

}  // namespace

Result<std::vector<CopiedTable>> CopyData(store::Store& from, store::Store& to, const CopyDataOptions& options) {
  const bool from_postgres = from.dialect() == "postgres";
  const bool to_postgres = to.dialect() == "postgres";
  if (from_postgres == to_postgres) {
    return Error::Make(ErrorCode::kInvalidArgument,
                       "copy-data copies between SQLite and PostgreSQL; both sides are " + std::string(from.dialect()));
  }
  auto source = from.Begin(store::Access::kRead);
  if (!source) return std::move(source).error();
  auto target = to.Begin(store::Access::kSchema);
  if (!target) return std::move(target).error();
  Transaction& postgres = from_postgres ? **source : **target;
  Transaction& sqlite = from_postgres ? **target : **source;

  auto tables = LoadTables(postgres);
  if (!tables) return std::move(tables).error();
  if (Status s = CheckSqliteMatches(sqlite, *tables); !s) return std::move(s).error();

  auto held = HeldTriggers::Hold(**target, *tables, to_postgres);
  if (!held) return std::move(held).error();

  for (const TableShape& table : *tables) {
    if (table.Qualified() != "auth.users") continue;
    auto users = (*target)->Query("SELECT count(*) FROM " + Relation(table, to_postgres));
    if (!users) return InTable(table, std::move(users).error());
    if (users->rows[0][0].as_int() > 0 && !options.overwrite) {
      return Error::Make(ErrorCode::kFailedPrecondition,
                         "the target already has " + std::to_string(users->rows[0][0].as_int()) +
                             " user(s); copy-data replaces everything there only with --overwrite");
    }
  }
  // Emptied children first; the rows the target's migrations seeded give way to the source's.
  for (auto table = tables->rbegin(); table != tables->rend(); ++table) {
    if (auto r = (*target)->Execute("DELETE FROM " + Relation(*table, to_postgres)); !r) {
      return InTable(*table, std::move(r).error());
    }
  }

  std::vector<CopiedTable> copied;
  for (const TableShape& table : *tables) {
    Checksum sum;
    int64_t count = 0;
    Status s = ReadTable(**source, table, from_postgres, options.batch_rows, [&](std::vector<std::vector<Value>>& rows) {
      for (const auto& row : rows) sum.Add(table, row);
      count += static_cast<int64_t>(rows.size());
      return InsertRows(**target, table, to_postgres, rows);
    });
    if (!s) return std::move(s).error();
    copied.push_back({table.Qualified(), count, sum.Hex()});
  }

  // What the target now holds, read back as a client of it would.
  for (size_t i = 0; i < tables->size(); ++i) {
    const TableShape& table = (*tables)[i];
    Checksum sum;
    int64_t count = 0;
    Status s = ReadTable(**target, table, to_postgres, options.batch_rows, [&](std::vector<std::vector<Value>>& rows) {
      for (const auto& row : rows) sum.Add(table, row);
      count += static_cast<int64_t>(rows.size());
      return Ok();
    });
    if (!s) return std::move(s).error();
    if (count != copied[i].rows || sum.Hex() != copied[i].checksum) {
      return Error::Make(ErrorCode::kInternal,
                         table.Qualified() + " differs after the copy: " + std::to_string(copied[i].rows) +
                             " rows, checksum " + copied[i].checksum + " in the source; " + std::to_string(count) +
                             " rows, checksum " + sum.Hex() + " in the target. Nothing was committed.");
    }
  }

  if (Status s = held->Release(); !s) return std::move(s).error();
  if (Status s = (*target)->Commit(); !s) return std::move(s).error();
  return copied;
}

}  // namespace tb::app
