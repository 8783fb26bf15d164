// policy/app_migrations.h
//
// An app's own migrations (`tenantbase --migrations DIR`), written in PostgreSQL's SQL the
// way the seed writes them, run unchanged on SQLite. Each statement is read with the
// PostgreSQL lexer and either translated to SQLite, kept by the policy layer, accepted
// without effect, or refused with a message naming the construct and `file:line`:
//
//   CREATE TABLE / CREATE [UNIQUE] INDEX    translated (sql/ddl_sqlite.h)
//   ALTER TABLE … ROW LEVEL SECURITY, CREATE POLICY, DROP POLICY
//                                           kept by HandleMigrationStatement (policy_set.h)
//   CREATE TYPE … AS ENUM, ALTER TYPE … ADD VALUE
//                                           rows of kit_enum_values
//   INSERT INTO … VALUES …                  names and literals translated (storage.buckets
//                                           → storage_buckets, true → 1)
//   CREATE TRIGGER … EXECUTE FUNCTION kit.update_updated_at() | kit.track_user_changes()
//                                           SQLite triggers doing what those functions do
//   CREATE VIEW … WITH (security_invoker = true) AS SELECT …
//                                           a SQLite view over the same SELECT, rendered for
//                                           SQLite; the data API reads it with the caller's
//                                           rights (PolicySet::ViewSql). Views without
//                                           security_invoker are refused (the seed: "Always
//                                           use security invoker")
//   COMMENT ON                              recorded in kit_comments (tables, views, columns)
//   GRANT, REVOKE                           accepted, no effect: on SQLite only row-level
//                                           security decides what a client reaches
//   CREATE FUNCTION (plpgsql, sql), DO, CREATE EXTENSION, anything else
//                                           refused
//
// After the script, every table it created must have row-level security enabled, unless
// its CREATE TABLE carries the comment `-- tenantbase: no-rls` (before the statement, inside
// it, or after its ';' on the same line): the seed's "Enable RLS (NEVER SKIP THIS!)".
//
// Thread-safety: runs inside the caller's write transaction; no state of its own.
#pragma once

#include <string_view>

#include "base/result.h"
#include "store/store.h"

namespace tb::policy {

// Written as a comment on a CREATE TABLE whose table deliberately has no row-level security
// (clients then reach nothing of it; service_role and the server still do).
inline constexpr std::string_view kNoRlsMarker = "tenantbase: no-rls";

// Runs `script`, the text of migration file `file_name`, in `txn` on SQLite. Fails on the
// first statement it cannot run, with kInvalidArgument for what is refused or malformed and
// the store's error (and SQLSTATE) for what SQLite refuses; every message ends with
// "(file_name:line)". The caller rolls the transaction back on failure.
Status RunPostgresMigration(store::Transaction& txn, std::string_view script, std::string_view file_name);

// The same file on PostgreSQL: `script` runs natively (the owner's tables unforced for its
// length, so its INSERTs into core tables work as in the seed), then every table it created must
// have row-level security (the same rule and message as above) and gets FORCE ROW LEVEL
// SECURITY as well, so the owning connection role is bound by the policies too. Runs in a
// schema transaction (store::Access::kSchema). Errors end with "(file_name:line)".
Status RunNativeMigration(store::Transaction& txn, std::string_view script, std::string_view file_name);

}  // namespace tb::policy
