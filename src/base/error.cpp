#include "base/error.h"

namespace tb {

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid_argument";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kAlreadyExists: return "already_exists";
    case ErrorCode::kPermissionDenied: return "permission_denied";
    case ErrorCode::kUnauthenticated: return "unauthenticated";
    case ErrorCode::kFailedPrecondition: return "failed_precondition";
    case ErrorCode::kConstraint: return "constraint";
    case ErrorCode::kBusy: return "busy";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kIo: return "io";
    case ErrorCode::kInternal: return "internal";
  }
  return "internal";
}

std::string Describe(const Error& error) {
  std::string out = ErrorCodeName(error.code);
  out += ": ";
  out += error.message;
  if (!error.detail.empty()) {
    out += " (";
    out += error.detail;
    out += ")";
  }
  return out;
}

}  // namespace tb
