// store/sqlite/sqlite_functions.h
//
// The PostgreSQL functions our schema text uses that SQLite lacks, registered on every
// connection so the same defaults read the same on both backends:
//   gen_random_uuid()  a v4 UUID from the CSPRNG
//   now()              the current time as ISO 8601 UTC text with microseconds
//   pg_like(s, p)      PostgreSQL's LIKE: case-sensitive, % and _, backslash escapes
//                      (SQLite's own LIKE ignores ASCII case)
//   pg_array_get(a, i) element i (1-based) of an array kept as JSON text, else NULL
//   jsonb_contains(a, b)  PostgreSQL's a @> b over JSON text
// Supabase Storage's helpers (storage.foldername, storage.filename, storage.extension) and
// Makerkit's kit.get_storage_filename_as_uuid, with their PostgreSQL definitions' answers:
//   storage_foldername(name)  the folder segments as a JSON array: 'a/b/c.png' → ["a","b"],
//                             'c.png' → []
//   storage_filename(name)    the last segment: 'a/b/c.png' → 'c.png', 'a/' → ''
//   storage_extension(name)   what follows the filename's last '.': 'x.tar.gz' → 'gz';
//                             the whole filename when it has no '.' ('README' → 'README')
//   kit_get_storage_filename_as_uuid(name)
//                             the filename without '.' || extension, as a canonical uuid;
//                             fails with 22P02 when that is not a uuid (PostgreSQL's cast)
//   All four give NULL for a NULL or empty name (string_to_array('', '/') is empty).
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
