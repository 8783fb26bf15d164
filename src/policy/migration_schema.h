// policy/migration_schema.h
//
// What the app-migration translators ask about the database while a migration runs: which
// relations and enum types exist, a table's columns, and the functions table definitions
// may call. Reads go through the migration's own transaction, so a statement sees what
// the statements before it created.
//
// Thread-safety: the lookups use `txn`; use them on its thread only.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "policy/sql/ddl_sqlite.h"
#include "store/store.h"

namespace tb::policy {

// The callbacks sql::DdlOptions needs, answering from `txn`. REQUIRES: `txn` outlives them.
sql::DdlOptions DdlOptionsFor(store::Transaction& txn);

// The columns of table or view `name` (a SQLite name); empty when there is none.
std::vector<std::string> RelationColumns(store::Transaction& txn, std::string_view name);

// "table", "view", "index", "trigger" when `name` exists as one, "" otherwise.
std::string SchemaObjectType(store::Transaction& txn, std::string_view name);

// The functions defaults, checks and inserted values may call on SQLite: now(),
// gen_random_uuid(), auth.uid(), auth.role(), auth.jwt(), and the storage path helpers
// (StorageFunctionName in policy_set.h). Fails with 42883 otherwise.
Result<std::string> DdlFunctionName(std::string_view schema, std::string_view name, std::size_t arity);

// A store error located in a migration: " (file:line)" appended, where line is the one
// named by a trailing "at line L, column C" (which is then removed) or `line`.
Error Located(Error error, std::string_view file, int line);

}  // namespace tb::policy
