// app/copy_data.h
//
// `tenantbase copy-data`: moves a project between its embedded SQLite file and PostgreSQL
// (either way), every row of every table both schemas share, so that the server started
// on the target serves the same users, sessions, accounts and app rows.
//
//   Store& from, Store& to   both migrated to the same versions (main.cpp checks)
//   auto copied = CopyData(from, to, {.overwrite = false});
//
// What it does, all in ONE transaction on the target (a copy that fails leaves the target
// as it was; there is no half-copied database to clean up):
//   - reads the tables from PostgreSQL's catalog (schemas public, auth, kit, storage; not
//     the migration histories nor kit.realtime_changes, a transient delivery log) and
//     checks SQLite has each with the same columns;
//   - holds the target's triggers off while rows go in, since the rows are already what the
//     triggers made (PostgreSQL: ALTER TABLE … DISABLE TRIGGER USER as the tables' owner;
//     SQLite, which cannot switch triggers off: drops them and creates them again from
//     their own text before commit);
//   - refuses a target that already holds users unless `overwrite`; in both cases it first
//     empties every copied table of the target, so rows its migrations seeded (roles,
//     config) are replaced by the source's;
//   - copies table by table in foreign-key order, reading the source in primary-key batches
//     from one read transaction, writing multi-row INSERTs;
//   - moves PostgreSQL's sequences past the copied ids;
//   - reads every table back from the target and compares its row count and checksum with
//     the source's before committing.
//
// The checksum is order-free: the sum (mod 2^128) of each row's SHA-256 over a canonical
// form of its values (JSON re-serialised with sorted keys, timestamps re-formatted,
// booleans as 0/1, whole numbers as integers), so both backends compute the same value
// for the same rows whatever they store or sort.
//
// Thread-safety: run it with no server writing to either database.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "store/store.h"

namespace tb::app {

struct CopyDataOptions {
  bool overwrite = false;   // replace a target that already has users
  int batch_rows = 1000;    // rows per read and per INSERT (fewer for wide tables)
};

struct CopiedTable {
  std::string name;      // PostgreSQL's name, e.g. "auth.users", "public.notes"
  int64_t rows = 0;
  std::string checksum;  // 32 hex digits, the same on source and target
};

// Copies every row of `from` into `to`; one store is SQLite and the other PostgreSQL.
// Fails with kInvalidArgument when both are the same kind or their tables or columns
// differ; kFailedPrecondition when the target has users and !overwrite; kInternal when a
// table read back differs from the source (nothing is committed then); a store's own
// error otherwise (the table it was copying named in the message).
Result<std::vector<CopiedTable>> CopyData(store::Store& from, store::Store& to, const CopyDataOptions& options);

}  // namespace tb::app
