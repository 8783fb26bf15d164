// store/sqlite/sqlite_functions.h
//
// The PostgreSQL functions our schema text uses that SQLite lacks, registered on every
// connection so the same defaults read the same on both backends:
//   gen_random_uuid()  a v4 UUID from the CSPRNG
//   now()              the current time as ISO 8601 UTC text with microseconds
//   pg_like(s, p)      PostgreSQL's LIKE: case-sensitive, % and _, backslash escapes
//                      (SQLite's own LIKE ignores ASCII case)
//   pg_array_get(a, i) element i (1-based) of an array kept as JSON text, else NULL
// and, reading the transaction's RequestContext (store/store.h), PostgREST's
//   auth_uid()   the caller's user id or NULL       (auth.uid())
//   auth_role()  anon / authenticated / service_role, NULL for the server (auth.role())
//   auth_jwt()   the caller's claims as JSON text, '{}' without a token (auth.jwt())
#pragma once

struct sqlite3;

namespace tb::store {
class CallContext;
}

namespace tb::store::sqlite {

// Returns SQLITE_OK or the first registration error code. `context` must outlive `db`.
int RegisterBuiltinFunctions(sqlite3* db, CallContext* context);

}  // namespace tb::store::sqlite
