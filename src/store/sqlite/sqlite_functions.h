// store/sqlite/sqlite_functions.h
//
// The PostgreSQL functions our schema text uses that SQLite lacks, registered on every
// connection so the same defaults read the same on both backends:
//   gen_random_uuid()  a v4 UUID from the CSPRNG
//   now()              the current time as ISO 8601 UTC text with microseconds
#pragma once

struct sqlite3;

namespace tb::store::sqlite {

// Returns SQLITE_OK or the first registration error code.
int RegisterBuiltinFunctions(sqlite3* db);

}  // namespace tb::store::sqlite
