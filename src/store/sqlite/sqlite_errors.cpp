#include "store/sqlite/sqlite_errors.h"

#include <sqlite3.h>

#include <string>

namespace tb::store::sqlite {

namespace {

bool IsSqlState(std::string_view s) {
  if (s.size() != 5) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'))) return false;
  }
  return true;
}

// "UNIQUE constraint failed: accounts.slug" → "accounts.slug"
std::string_view AfterColon(std::string_view message) {
  const size_t at = message.find(": ");
  return at == std::string_view::npos ? std::string_view() : message.substr(at + 2);
}

Error Make(ErrorCode code, std::string_view sqlstate, std::string message, std::string_view raw,
           std::string_view sql) {
  Error e;
  e.code = code;
  e.sqlstate = std::string(sqlstate);
  e.message = std::move(message);
  e.detail = "sqlite: " + std::string(raw);
  if (!sql.empty()) {
    e.detail += " in: ";
    e.detail += sql.substr(0, 300);
  }
  return e;
}

bool CarriesSqlState(std::string_view message) {
  return message.size() > 7 && IsSqlState(message.substr(0, 5)) && message.substr(5, 2) == ": ";
}

// "XXXXX: text" → an Error with that SQLSTATE and message.
Error Raised(std::string_view message, std::string_view sql) {
  const std::string_view state = message.substr(0, 5);
  const ErrorCode code = state == "42501"                      ? ErrorCode::kPermissionDenied
                         : state == "22P02" || state == "22023" ? ErrorCode::kInvalidArgument
                         : state.starts_with("23")              ? ErrorCode::kConstraint
                         : state == "XX000"                     ? ErrorCode::kInternal
                                                                : ErrorCode::kInvalidArgument;
  return Make(code, state, std::string(message.substr(7)), message, sql);
}

}  // namespace

Error ErrorFromSqlite(int rc, std::string_view message, std::string_view sql) {
  const std::string_view subject = AfterColon(message);
  switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return Make(ErrorCode::kConstraint, "23505",
                  "duplicate key value violates unique constraint on " + std::string(subject),
                  message, sql);
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return Make(ErrorCode::kConstraint, "23503",
                  "insert, update or delete violates a foreign key constraint", message, sql);
    case SQLITE_CONSTRAINT_CHECK: {
      // An app table's varchar(n) is a CHECK named …_varchar_<n> (policy/sql/ddl_sqlite.cpp).
      const size_t at = subject.rfind("_varchar_");
      if (at != std::string_view::npos && at + 9 < subject.size() &&
          subject.find_first_not_of("0123456789", at + 9) == std::string_view::npos) {
        return Make(ErrorCode::kInvalidArgument, "22001",
                    "value too long for type character varying(" + std::string(subject.substr(at + 9)) + ")", message, sql);
      }
      return Make(ErrorCode::kConstraint, "23514",
                  "new row violates check constraint \"" + std::string(subject) + "\"", message,
                  sql);
    }
    case SQLITE_CONSTRAINT_NOTNULL:
      return Make(ErrorCode::kConstraint, "23502",
                  "null value violates not-null constraint on " + std::string(subject), message,
                  sql);
    case SQLITE_CONSTRAINT_TRIGGER: {
      // RAISE(ABORT, 'XXXXX: text') carries its own SQLSTATE.
      Error e = CarriesSqlState(message) ? Raised(message, sql)
                                         : Make(ErrorCode::kConstraint, "P0001", std::string(message), message, sql);
      e.raised_by_trigger = true;
      return e;
    }
    default: break;
  }
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      return Make(ErrorCode::kConstraint, "23000", "integrity constraint violation", message, sql);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Make(ErrorCode::kBusy, "55P03", "the database is busy; try again", message, sql);
    case SQLITE_READONLY:
      return Make(ErrorCode::kFailedPrecondition, "25006",
                  "cannot execute a write in a read-only transaction", message, sql);
    case SQLITE_FULL:
      return Make(ErrorCode::kIo, "53100", "the disk is full", message, sql);
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
      return Make(ErrorCode::kIo, "58030", "the database could not read or write its file",
                  message, sql);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Make(ErrorCode::kInternal, "XX001", "the database file is damaged", message, sql);
    case SQLITE_TOOBIG:
      return Make(ErrorCode::kInvalidArgument, "54000", "value too large", message, sql);
    case SQLITE_MISMATCH:
      return Make(ErrorCode::kInvalidArgument, "22P02", "value has the wrong type", message, sql);
    case SQLITE_ERROR: {
      // A registered function's error (store/store.h ScalarFunction) carries its SQLSTATE.
      if (CarriesSqlState(message)) return Raised(message, sql);
      if (message.starts_with("no such table")) {
        return Make(ErrorCode::kInvalidArgument, "42P01", std::string(message), message, sql);
      }
      if (message.starts_with("no such column")) {
        return Make(ErrorCode::kInvalidArgument, "42703", std::string(message), message, sql);
      }
      if (message.starts_with("no such function")) {
        return Make(ErrorCode::kInvalidArgument, "42883", std::string(message), message, sql);
      }
      return Make(ErrorCode::kInvalidArgument, "42601", std::string(message), message, sql);
    }
    default:
      return Make(ErrorCode::kInternal, "XX000", "internal database error", message, sql);
  }
}

Error LastError(sqlite3* db, std::string_view sql) {
  return ErrorFromSqlite(sqlite3_extended_errcode(db), sqlite3_errmsg(db), sql);
}

}  // namespace tb::store::sqlite
