#include "api/rest/rest_error.h"

#include <spdlog/spdlog.h>

#include "api/json.h"

namespace tb::api::rest {

namespace {

bool Starts(std::string_view code, std::string_view prefix) { return code.starts_with(prefix); }

int StatusFor(std::string_view code, ErrorCode kind, bool signed_in) {
  if (code == "42501") return signed_in ? 403 : 401;
  if (code == "23503" || code == "23505") return 409;
  if (code == "42P01" || code == "42883" || code == "PGRST202" || code == "PGRST205") return 404;
  if (code == "PGRST116" || code == "PGRST106") return 406;
  if (code == "PGRST103") return 416;
  if (code == "PGRST105" || code == "25006") return 405;
  if (code == "PGRST107") return 415;
  if (code == "PGRST301" || code == "PGRST302") return 401;
  if (Starts(code, "08") || Starts(code, "53") || code == "55P03") return 503;
  if (Starts(code, "XX") || Starts(code, "58") || Starts(code, "PGRST3")) return 500;
  switch (kind) {
    case ErrorCode::kUnauthenticated: return 401;
    case ErrorCode::kPermissionDenied: return signed_in ? 403 : 401;
    case ErrorCode::kBusy:
    case ErrorCode::kUnavailable: return 503;
    case ErrorCode::kInternal:
    case ErrorCode::kIo: return 500;
    default: return 400;
  }
}

}  // namespace

Error RestError(std::string_view code, std::string message, std::string details, std::string hint) {
  Error e = Error::Make(ErrorCode::kInvalidArgument, std::move(message));
  e.reason = std::string(code);
  e.public_details = std::move(details);
  e.hint = std::move(hint);
  return e;
}

http::Response ErrorResponse(const Error& error, bool signed_in) {
  std::string_view code = error.reason.empty() ? std::string_view(error.sqlstate) : std::string_view(error.reason);
  if (code.empty()) code = error.code == ErrorCode::kInternal ? "XX000" : "PGRST000";
  std::string_view hint = error.hint;
  const int status = StatusFor(code, error.code, signed_in);
  std::string_view message = error.message;
  std::string_view details = error.public_details;
  // The query parser's details only ever echo the request's own text (query_parser.h).
  if (details.empty() && code.starts_with("PGRST1")) details = error.detail;
  if (status >= 500) {
    spdlog::error("rest: {} ({}): {}", error.message, code, error.detail);
    message = status == 503 ? "the database is busy; try again" : "internal server error";
    details = {};
  }
  rapidjson::StringBuffer buffer;
  api::JsonWriter w(buffer);
  w.StartObject();
  w.Key("code");
  api::WriteString(w, code);
  w.Key("details");
  api::WriteStringOrNull(w, details);
  w.Key("hint");
  api::WriteStringOrNull(w, hint);
  w.Key("message");
  api::WriteString(w, message);
  w.EndObject();
  return http::Response::Json(status, buffer.GetString());
}

}  // namespace tb::api::rest
