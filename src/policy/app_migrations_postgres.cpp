// An app's migration on PostgreSQL: the script runs natively (plpgsql, ltree, DO blocks and
// all; its INSERTs into core tables too, see below), then the same rule as on SQLite holds — every table it created has row-level
// security, unless its CREATE TABLE is marked `-- tenantbase: no-rls` — and every such table
// is also FORCE'd, so the server's connecting role, which owns it, is no exception.
#include <map>
#include <set>
#include <string>

#include "policy/app_migrations.h"
#include "policy/sql/script.h"
#include "store/value.h"

namespace tb::policy {

namespace {

using store::Value;

constexpr std::string_view kTables =
    "SELECT c.oid::bigint, n.nspname::text, c.relname::text, c.relrowsecurity "
    "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
    "AND n.nspname NOT LIKE 'pg_toast%'";

std::string Quoted(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    out += c;
    if (c == '"') out += '"';
  }
  return out + "\"";
}

// Tables whose CREATE TABLE carries the no-rls marker (before the statement, inside it, or
// after its ';' on the same line), by unqualified name; and each CREATE TABLE's line.
struct CreatedTables {
  std::set<std::string> unmarked_ok;  // marked: no row-level security wanted
  std::map<std::string, int> line;
};

CreatedTables ReadCreateTables(std::string_view script) {
  CreatedTables out;
  auto statements = sql::SplitScript(script);
  if (!statements) return out;  // PostgreSQL already ran it; the marker is then unknown
  for (size_t i = 0; i < statements->size(); ++i) {
    const auto& st = (*statements)[i];
    sql::TokenCursor cursor(script, st.tokens);
    if (!cursor.AcceptWords({"create"})) continue;
    (void)(cursor.AcceptWords({"unlogged"}) || cursor.AcceptWords({"temporary"}) || cursor.AcceptWords({"temp"}));
    if (!cursor.AcceptWords({"table"})) continue;
    (void)cursor.AcceptWords({"if", "not", "exists"});
    auto name = cursor.QualifiedName();
    if (!name) continue;
    out.line[name->second] = st.line;
    std::string_view after;
    if (i + 1 < statements->size()) {
      const std::string_view next = (*statements)[i + 1].preamble;
      after = next.substr(0, next.find('\n'));
    }
    if (st.preamble.find(kNoRlsMarker) != std::string_view::npos ||
        st.text.find(kNoRlsMarker) != std::string_view::npos ||
        after.find(kNoRlsMarker) != std::string_view::npos) {
      out.unmarked_ok.insert(name->second);
    }
  }
  return out;
}

// "… (at line 3)" from the store → "… (0003_x.sql:3)"; otherwise the file name appended.
// PostgreSQL's error for the script, with its hint (what to do about it) and file:line.
Error InFile(Error e, std::string_view file_name) {
  std::string where = std::string(file_name);
  const size_t at = e.message.rfind(" (at line ");
  if (at != std::string::npos && e.message.back() == ')') {
    where += ":" + e.message.substr(at + 10, e.message.size() - at - 11);
    e.message.resize(at);
  }
  if (!e.hint.empty() && e.message.find(e.hint) == std::string::npos) e.message += " (" + e.hint + ")";
  e.message += " (" + where + ")";
  return e;
}

// `ALTER PUBLICATION supabase_realtime ADD TABLE x` (or DROP TABLE) in an app's migration:
// the realtime worker reads the changes of the tables kit.realtime_tables names, which the
// capture trigger (migrations/postgres/0017_realtime.sql) records, so both follow the
// publication. A published table needs a primary key, the changes' identity.
Status SyncRealtimeTables(store::Transaction& txn) {
  auto added = txn.Query(
      "SELECT p.tablename::text, (SELECT string_agg(quote_literal(a.attname), ', ' ORDER BY k.n) "
      "  FROM pg_catalog.pg_index i CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) "
      "  JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
      "  WHERE i.indrelid = format('%I.%I', p.schemaname, p.tablename)::regclass AND i.indisprimary) "
      "FROM pg_catalog.pg_publication_tables p WHERE p.pubname = 'supabase_realtime' AND p.schemaname = 'public' "
      "AND p.tablename NOT IN (SELECT name FROM kit.realtime_tables)");
  if (!added) return std::move(added).error();
  std::string sql;
  for (const auto& row : added->rows) {
    const std::string& table = row[0].as_text();
    if (row[1].is_null()) {
      return Error::Make(ErrorCode::kInvalidArgument,
                         "table \"" + table + "\" is published to supabase_realtime without a primary key");
    }
    const Value name[] = {Value::Text(table)};
    if (auto done = txn.Execute("INSERT INTO kit.realtime_tables (name) VALUES ($1)", name); !done) return std::move(done).error();
    sql += "CREATE TRIGGER " + Quoted(table + "_realtime") + " AFTER INSERT OR UPDATE OR DELETE ON public." + Quoted(table) +
           " FOR EACH ROW EXECUTE FUNCTION kit.capture_realtime_change(" + row[1].as_text() + ");";
  }
  auto dropped = txn.Query(
      "SELECT name FROM kit.realtime_tables WHERE name NOT IN (SELECT tablename::text FROM pg_catalog.pg_publication_tables "
      "WHERE pubname = 'supabase_realtime' AND schemaname = 'public')");
  if (!dropped) return std::move(dropped).error();
  for (const auto& row : dropped->rows) {
    const Value name[] = {row[0]};
    if (auto done = txn.Execute("DELETE FROM kit.realtime_tables WHERE name = $1", name); !done) return std::move(done).error();
    sql += "DROP TRIGGER IF EXISTS " + Quoted(row[0].as_text() + "_realtime") + " ON public." + Quoted(row[0].as_text()) + ";";
  }
  return sql.empty() ? Ok() : txn.ExecuteScript(sql);
}

}  // namespace

Status RunNativeMigration(store::Transaction& txn, std::string_view script, std::string_view file_name) {
  auto before = txn.Query(kTables);
  if (!before) return std::move(before).error();
  std::set<int64_t> existing;
  for (const auto& row : before->rows) existing.insert(row[0].as_int());

  // The seed's migrations write rows too (role_permissions, storage.buckets, …), as the
  // owner. FORCE ROW LEVEL SECURITY would hold the owner to the policies, so for the
  // script's length — inside its transaction, tables locked — the owner's tables are not
  // forced; they are forced again before it commits (and a failure rolls it all back).
  auto forced = txn.Query(
      "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_catalog.pg_class c "
      "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "WHERE c.relkind IN ('r', 'p') AND c.relforcerowsecurity "
      "AND c.relowner = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user)");
  if (!forced) return std::move(forced).error();
  auto force_all = [&](const char* how) -> Status {
    std::string sql;
    for (const auto& row : forced->rows) {
      sql += "ALTER TABLE IF EXISTS " + row[0].as_text() + " " + how + " ROW LEVEL SECURITY;";
    }
    return sql.empty() ? Ok() : txn.ExecuteScript(sql);
  };
  if (Status s = force_all("NO FORCE"); !s) return s;
  if (Status s = txn.ExecuteScript(script); !s) return InFile(std::move(s).error(), file_name);
  if (Status s = SyncRealtimeTables(txn); !s) return InFile(std::move(s).error(), file_name);
  if (Status s = force_all("FORCE"); !s) return s;

  auto after = txn.Query(kTables);
  if (!after) return std::move(after).error();
  const CreatedTables created = ReadCreateTables(script);
  for (const auto& row : after->rows) {
    if (existing.count(row[0].as_int())) continue;
    const std::string& schema = row[1].as_text();
    const std::string& table = row[2].as_text();
    const bool has_rls = row[3].as_bool();
    if (!has_rls && !created.unmarked_ok.count(table)) {
      const auto line = created.line.find(table);
      return Error::Make(
          ErrorCode::kInvalidArgument,
          "table \"" + table + "\" was created without row-level security: add ALTER TABLE " +
              schema + "." + table + " ENABLE ROW LEVEL SECURITY (the seed: \"Enable RLS (NEVER SKIP THIS!)\"), "
              "or mark the CREATE TABLE with the comment -- " + std::string(kNoRlsMarker) + " (" +
              std::string(file_name) +
              (line != created.line.end() ? ":" + std::to_string(line->second) : std::string()) + ")");
    }
    // A marked table is still closed to clients (no policy, deny by default); FORCE keeps
    // the owner out too, so only service_role reaches what no policy opens.
    const std::string target = Quoted(schema) + "." + Quoted(table);
    if (Status s = txn.ExecuteScript("ALTER TABLE " + target + " ENABLE ROW LEVEL SECURITY; ALTER TABLE " +
                                     target + " FORCE ROW LEVEL SECURITY");
        !s) {
      return InFile(std::move(s).error(), file_name);
    }
  }
  return Ok();
}

}  // namespace tb::policy
