// base/error.h
//
// The error value every layer returns instead of throwing: a stable code that callers
// branch on, a message that is safe to show a client, and a detail for the log only.
// Database errors also carry the PostgreSQL SQLSTATE they correspond to, so the HTTP
// layer can answer in PostgREST's shape whichever backend produced them.
#pragma once

#include <string>
#include <utility>

namespace tb {

enum class ErrorCode {
  kInvalidArgument,     // the caller's input is malformed or out of range
  kNotFound,            // the thing asked for does not exist (or is invisible)
  kAlreadyExists,       // a unique key is taken
  kPermissionDenied,    // the caller may not do this
  kUnauthenticated,     // no or bad credentials
  kFailedPrecondition,  // state does not allow it (e.g. a tampered migration)
  kConstraint,          // a schema constraint rejected a write (see sqlstate)
  kBusy,                // a lock could not be taken in time; retry later
  kUnavailable,         // a dependency (database, disk) cannot be reached
  kIo,                  // a file-system operation failed
  kInternal,            // a bug or an impossible state
};

// Returns the code's name, e.g. "invalid_argument"; never null.
const char* ErrorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;   // safe for clients
  std::string detail;    // for the log; may name files, SQL, OS errors
  std::string sqlstate;  // PostgreSQL error class code when it came from a store, else ""
  std::string reason;    // a protocol's own stable code when one applies, e.g. GoTrue's
                         // "refresh_token_already_used"; "" otherwise
  std::string public_details;  // PostgREST's "details": more for the client; "" if none
  std::string hint;            // PostgREST's "hint"; "" if none
  bool raised_by_trigger = false;  // a store error a trigger raised (RAISE), not a constraint

  static Error Make(ErrorCode code, std::string message, std::string detail = {}) {
    return Error{code, std::move(message), std::move(detail), {}, {}, {}, {}, false};
  }
  // An error with a protocol-level reason code (see `reason`).
  static Error WithReason(ErrorCode code, std::string reason, std::string message) {
    return Error{code, std::move(message), {}, {}, std::move(reason), {}, {}, false};
  }
};

// Formats "code: message (detail)" for logs and command-line output.
std::string Describe(const Error& error);

}  // namespace tb
