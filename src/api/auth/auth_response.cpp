#include "api/auth/auth_response.h"

#include <spdlog/spdlog.h>

#include <string>

namespace tb::api::auth {

namespace {

struct ReasonStatus {
  std::string_view reason;
  int status;
};

// GoTrue's status for each error code we produce.
constexpr ReasonStatus kStatuses[] = {
    {"no_authorization", 401},          {"bad_jwt", 403},
    {"invalid_api_key", 401},           {"session_not_found", 403},
    {"user_not_found", 404},            {"user_banned", 403},
    {"refresh_token_not_found", 400},   {"refresh_token_already_used", 400},
    {"invalid_credentials", 400},       {"email_not_confirmed", 400},
    {"weak_password", 422},             {"user_already_exists", 422},
    {"email_exists", 422},              {"validation_failed", 400},
    {"bad_json", 400},                  {"email_address_invalid", 400},
    {"unsupported_grant_type", 400},    {"over_request_rate_limit", 429},
    {"over_email_send_rate_limit", 429}, {"otp_expired", 403},
    {"mfa_verification_failed", 422},   {"mfa_factor_not_found", 404},
    {"mfa_challenge_expired", 422},     {"not_admin", 403},
    {"insufficient_aal", 403},          {"same_password", 422},
    {"signup_disabled", 422},           {"reauthentication_needed", 400},
    {"mfa_factor_name_conflict", 422},  {"too_many_enrolled_mfa_factors", 422},
    {"mfa_ip_address_mismatch", 422},
};

}  // namespace

http::Response AuthError(int status, std::string_view error_code, std::string_view msg) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("code");
  w.Int(status);
  w.Key("error_code");
  WriteString(w, error_code);
  w.Key("msg");
  WriteString(w, msg);
  w.EndObject();
  return http::Response::Json(status, std::string(buffer.GetString(), buffer.GetSize()));
}

http::Response AuthErrorFrom(const Error& error) {
  if (!error.reason.empty()) {
    for (const auto& [reason, status] : kStatuses) {
      if (reason == error.reason) return AuthError(status, reason, error.message);
    }
  }
  switch (error.code) {
    case ErrorCode::kInvalidArgument:
      return AuthError(400, "validation_failed", error.message);
    case ErrorCode::kUnauthenticated:
      return AuthError(401, error.reason.empty() ? "no_authorization" : error.reason, error.message);
    case ErrorCode::kPermissionDenied:
      return AuthError(403, error.reason.empty() ? "not_admin" : error.reason, error.message);
    case ErrorCode::kNotFound:
      return AuthError(404, error.reason.empty() ? "not_found" : error.reason, error.message);
    case ErrorCode::kBusy:
      return AuthError(503, "request_timeout", "The server is busy; try again");
    default:
      spdlog::error("auth request failed: {}", Describe(error));
      return AuthError(500, "unexpected_failure", "Unexpected failure, please check server logs");
  }
}

void WriteUser(JsonWriter& w, const tb::auth::User& u, const std::vector<tb::auth::Factor>& factors) {
  w.StartObject();
  w.Key("id");
  WriteString(w, u.id);
  w.Key("aud");
  WriteString(w, u.aud);
  w.Key("role");
  WriteString(w, u.role);
  w.Key("email");
  WriteString(w, u.email);
  w.Key("email_confirmed_at");
  WriteStringOrNull(w, u.email_confirmed_at);
  w.Key("phone");
  WriteString(w, u.phone);
  w.Key("confirmation_sent_at");
  WriteStringOrNull(w, u.confirmation_sent_at);
  w.Key("recovery_sent_at");
  WriteStringOrNull(w, u.recovery_sent_at);
  if (!u.email_change.empty()) {
    w.Key("new_email");
    WriteString(w, u.email_change);
    w.Key("email_change_sent_at");
    WriteStringOrNull(w, u.email_change_sent_at);
  }
  w.Key("confirmed_at");
  WriteStringOrNull(w, u.email_confirmed_at);
  w.Key("last_sign_in_at");
  WriteStringOrNull(w, u.last_sign_in_at);
  w.Key("app_metadata");
  WriteRaw(w, u.raw_app_meta_data, "{}");
  w.Key("user_metadata");
  WriteRaw(w, u.raw_user_meta_data, "{}");
  w.Key("identities");
  w.StartArray();
  if (!u.email.empty()) {
    w.StartObject();
    w.Key("identity_id");
    WriteString(w, u.id);
    w.Key("id");
    WriteString(w, u.id);
    w.Key("user_id");
    WriteString(w, u.id);
    w.Key("identity_data");
    w.StartObject();
    w.Key("email");
    WriteString(w, u.email);
    w.Key("email_verified");
    w.Bool(u.confirmed());
    w.Key("phone_verified");
    w.Bool(false);
    w.Key("sub");
    WriteString(w, u.id);
    w.EndObject();
    w.Key("provider");
    w.String("email");
    w.Key("last_sign_in_at");
    WriteStringOrNull(w, u.last_sign_in_at);
    w.Key("created_at");
    WriteString(w, u.created_at);
    w.Key("updated_at");
    WriteString(w, u.updated_at);
    w.Key("email");
    WriteString(w, u.email);
    w.EndObject();
  }
  w.EndArray();
  w.Key("created_at");
  WriteString(w, u.created_at);
  w.Key("updated_at");
  WriteString(w, u.updated_at);
  w.Key("is_anonymous");
  w.Bool(u.is_anonymous);
  if (!u.banned_until.empty()) {
    w.Key("banned_until");
    WriteString(w, u.banned_until);
  }
  if (!factors.empty()) {
    w.Key("factors");
    w.StartArray();
    for (const auto& f : factors) {
      w.StartObject();
      w.Key("id");
      WriteString(w, f.id);
      w.Key("friendly_name");
      WriteString(w, f.friendly_name);
      w.Key("factor_type");
      WriteString(w, f.factor_type);
      w.Key("status");
      WriteString(w, f.status);
      w.Key("created_at");
      WriteString(w, f.created_at);
      w.Key("updated_at");
      WriteString(w, f.updated_at);
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
}

http::Response UserResponse(const tb::auth::User& user, const std::vector<tb::auth::Factor>& factors) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  WriteUser(w, user, factors);
  return http::Response::Json(200, std::string(buffer.GetString(), buffer.GetSize()));
}

http::Response SessionResponse(const tb::auth::IssuedSession& session, const tb::auth::User& user,
                               const std::vector<tb::auth::Factor>& factors) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("access_token");
  WriteString(w, session.access_token);
  w.Key("token_type");
  w.String("bearer");
  w.Key("expires_in");
  w.Int64(session.expires_in);
  w.Key("expires_at");
  w.Int64(session.expires_at);
  w.Key("refresh_token");
  WriteString(w, session.refresh_token);
  w.Key("user");
  WriteUser(w, user, factors);
  w.EndObject();
  return http::Response::Json(200, std::string(buffer.GetString(), buffer.GetSize()));
}

}  // namespace tb::api::auth
