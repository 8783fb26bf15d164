// store/sqlite/sqlite_dialect.h
//
// The server writes its SQL with PostgreSQL's names — `auth.users`, `kit.billing_jobs`,
// `storage.objects`, `auth.uid()`, `public.accounts` — so the same text runs on both
// backends. SQLite has no schemas: the schema becomes a prefix (`auth_users`,
// `kit_billing_jobs`, `storage_objects`, `auth_uid()`) and `public.` is dropped, exactly as
// the migrations name things there (migrations/sqlite/0001_kit.sql).
//
// Only names outside string literals, quoted identifiers and comments change, so values
// and JSON paths are never touched; unqualified names pass through as they are.
//
// Thread-safety: a pure function.
#pragma once

#include <string>
#include <string_view>

namespace tb::store::sqlite {

// `sql` with auth./kit./storage. names prefixed and public. dropped (see above).
std::string TranslateSchemaNames(std::string_view sql);

}  // namespace tb::store::sqlite
