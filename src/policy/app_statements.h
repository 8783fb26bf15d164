// policy/app_statements.h
//
// The statements of an app migration besides tables, indexes and policies, one function
// each; app_migrations.h says what each becomes on SQLite. A function takes the
// statement's cursor at its first word and works in the migration's transaction. Errors
// name the line ("at line L") where they can; the runner adds the file.
//
// Internal to app migrations (app_migrations.cpp is the only caller).
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "policy/sql/ddl_sqlite.h"
#include "policy/sql/script.h"
#include "store/store.h"

namespace tb::policy::app {

// What a statement works with: the migration's transaction and its schema lookups.
struct StatementContext {
  store::Transaction& txn;
  const sql::DdlOptions& ddl;
};

// CREATE TYPE name AS ENUM ('a', …): rows of kit_enum_values. Returns the type's name.
Result<std::string> CreateEnumType(const StatementContext& ctx, sql::TokenCursor& c);

struct AddedEnumValue {
  std::string type;
  std::string label;  // "" when IF NOT EXISTS found it there already
};
// ALTER TYPE name ADD VALUE [IF NOT EXISTS] 'v' [BEFORE | AFTER 'w'].
Result<AddedEnumValue> AddEnumValue(const StatementContext& ctx, sql::TokenCursor& c);

// INSERT INTO t [(columns)] VALUES (…), … [ON CONFLICT [(columns)] DO NOTHING].
Status InsertValues(const StatementContext& ctx, sql::TokenCursor& c);

// COMMENT ON {TABLE | VIEW | COLUMN} … IS 'text' | NULL, kept in kit_comments; comments on
// other objects are accepted and not kept.
Status CommentOn(const StatementContext& ctx, sql::TokenCursor& c);

// CREATE [OR REPLACE] TRIGGER … BEFORE {INSERT | UPDATE} [OR …] ON t FOR EACH ROW EXECUTE
// FUNCTION kit.update_updated_at() | kit.track_user_changes().
Status CreateKitTrigger(const StatementContext& ctx, sql::TokenCursor& c);

// CREATE [OR REPLACE] VIEW v WITH (security_invoker = true) AS SELECT ….
Status CreateInvokerView(const StatementContext& ctx, sql::TokenCursor& c);

// ALTER PUBLICATION supabase_realtime {ADD | DROP} TABLE [ONLY] t [, …]: the table
// publishes its changes to realtime subscribers (triggers into kit_realtime_changes) or
// stops.
Status AlterPublication(const StatementContext& ctx, sql::TokenCursor& c);

// Shared by the statements.
Error Invalid(std::string message);  // kInvalidArgument
Error WithState(ErrorCode code, std::string sqlstate, std::string message);
std::string Upper(std::string text);
Status Execute(store::Transaction& txn, const std::string& sql);

}  // namespace tb::policy::app
