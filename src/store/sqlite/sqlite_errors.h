// store/sqlite/sqlite_errors.h
//
// Turns SQLite result codes into tb::Error with the SQLSTATE PostgreSQL would have
// given, so callers (and clients) see one error vocabulary on both backends.
// A trigger may raise a specific SQLSTATE by starting its message with it:
//   SELECT RAISE(ABORT, '22P02: invalid input value for enum subscription_status');
#pragma once

#include <string_view>

#include "base/error.h"

struct sqlite3;

namespace tb::store::sqlite {

// Builds the Error for result code `rc` (an extended code) with SQLite's `message`.
// `sql` (may be empty) goes into the detail for the log.
Error ErrorFromSqlite(int extended_rc, std::string_view message, std::string_view sql);

// Convenience: reads the extended code and message from `db`.
Error LastError(sqlite3* db, std::string_view sql);

}  // namespace tb::store::sqlite
