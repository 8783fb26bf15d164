// policy/policy_set.h
//
// Row-level security on SQLite (DESIGN §2.3). Migrations write policies in PostgreSQL's
// own SQL; HandleMigrationStatement keeps them (checked) in kit_rls_tables/kit_policies,
// and PolicySet compiles them into SQLite predicates the data API adds to every query:
//
//   reads, updates, deletes:  WHERE <filters> AND <Using(table, role, command)>
//   inserts, updates:         every written row must satisfy <Check(table, role, command)>
//
// Combination as PostgreSQL's: the permissive policies that apply to the command and role
// are OR-ed, restrictive ones AND-ed onto them; WITH CHECK falls back to USING per policy.
// Deny by default: a table with row-level security and no policy for a command gives
// "0" (nothing). service_role and the server itself bypass policies (nullopt).
//
// Thread-safety: a loaded PolicySet is immutable; share it freely.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "store/store.h"

namespace tb::policy {

enum class Command { kSelect, kInsert, kUpdate, kDelete };

// The SQLite name of a relation as SQL text names it: public.x and x → x; auth.x → auth_x;
// kit.x → kit_x; storage.x → storage_x. Fails (42P01) for another schema.
Result<std::string> SqliteRelationName(std::string_view schema, std::string_view name);

// The SQLite function (store/sqlite/sqlite_functions.h) for Supabase Storage's path helpers
// and Makerkit's kit.get_storage_filename_as_uuid, each of one argument:
// storage.foldername → storage_foldername, storage.filename → storage_filename,
// storage.extension → storage_extension, kit.get_storage_filename_as_uuid →
// kit_get_storage_filename_as_uuid; their SQLite names unqualified (SQLite-dialect text such
// as stored views) map to themselves. nullopt for every other function.
std::optional<std::string> StorageFunctionName(std::string_view schema, std::string_view name, std::size_t arity);

// The migration runner's hook (migrate::StatementHook): takes CREATE POLICY, DROP POLICY
// and ALTER TABLE … {ENABLE|DISABLE|FORCE|NO FORCE} ROW LEVEL SECURITY, checks them (the
// table exists, the expressions parse and name known columns' tables and functions) and
// records them; returns false for every other statement, which SQLite then runs.
Result<bool> HandleMigrationStatement(store::Transaction& txn, std::string_view statement);

class PolicySet {
 public:
  // Reads and compiles every recorded policy.
  static Result<std::shared_ptr<const PolicySet>> Load(store::Transaction& txn);
  // For PostgreSQL, where the database enforces its own policies on the caller's role:
  // Using and Check give nullopt and ViewSql nothing, so no SQL adds a clause of its own.
  // The policies' text is read from pg_policies for RowImageUsing alone.
  static Result<std::shared_ptr<const PolicySet>> Native(store::Transaction& txn);
  bool native() const { return native_; }

  // The policies as SQL, for code that applies them itself: over a row that is not in its
  // table (a realtime change's image, a proposed storage object), or around a statement the
  // server runs as itself after checking. Using()/Check() on SQLite; on PostgreSQL the
  // policies' own text from pg_policies ("false" when none applies), since the database
  // applies row-level security only to the caller's own statements on the table.
  std::optional<std::string> PredicateUsing(std::string_view table, std::string_view role, Command command) const;
  std::optional<std::string> PredicateCheck(std::string_view table, std::string_view role, Command command) const;

  // The predicate rows of `table` must satisfy to be seen (kSelect) or changed
  // (kUpdate, kDelete) by `role`; nullopt when nothing restricts the role.
  std::optional<std::string> Using(std::string_view table, std::string_view role, Command command) const;
  // The same for rows the SQL names `alias` rather than the table's own name (a table
  // embedded inside itself): the policies' table-qualified columns then name the alias.
  std::optional<std::string> Using(std::string_view table, std::string_view role, Command command,
                                   std::string_view alias) const;
  // The predicate every row written by `role` must satisfy (kInsert, kUpdate).
  std::optional<std::string> Check(std::string_view table, std::string_view role, Command command) const;

  bool RlsEnabled(std::string_view table) const;

  // Views run with the caller's rights (PostgreSQL's security_invoker = true): for `role`,
  // a `WITH …` clause (ending in a space) that redefines `view` over the caller's view of
  // every table it reads, to put before a query that reads `view`. nullopt when `role`
  // bypasses policies (read the view as stored); an error when the view's SQL cannot be
  // rendered for SQLite (the error names why).
  Result<std::optional<std::string>> ViewSql(std::string_view view, std::string_view role) const;

 private:
  struct Compiled {
    std::string name;
    bool permissive = true;
    std::string command;  // ALL, SELECT, INSERT, UPDATE, DELETE
    std::vector<std::string> roles;
    std::string using_sql;  // "" when the policy has no USING
    std::string check_sql;  // "" when the policy has no WITH CHECK
    std::string using_text;  // the PostgreSQL text using_sql was rendered from
  };
  struct Table {
    bool enabled = false;
    std::vector<Compiled> policies;
  };
  std::vector<const Compiled*> Applicable(const Table& table, std::string_view role, Command command) const;
  // Using() and Check() whatever the mode.
  std::optional<std::string> CompiledUsing(std::string_view table, std::string_view role, Command command) const;
  std::optional<std::string> CompiledCheck(std::string_view table, std::string_view role, Command command) const;

  Status LoadViews(store::Transaction& txn);

  bool native_ = false;
  std::map<std::string, Table, std::less<>> tables_;
  std::vector<std::string> enum_types_;
  // view → role → its WITH clause, or the reason it cannot be read.
  std::map<std::string, std::map<std::string, Result<std::string>, std::less<>>, std::less<>> views_;
};

// Service role and the server itself are not subject to policies.
inline bool BypassesPolicies(std::string_view role) { return role.empty() || role == "service_role"; }

}  // namespace tb::policy
