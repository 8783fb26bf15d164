// api/auth/auth_response.h
//
// GoTrue's response shapes: the error body {"code": status, "error_code": …, "msg": …}
// that supabase-js turns into AuthApiError (error.code = error_code), the user object,
// and the session object {access_token, token_type, expires_in, expires_at,
// refresh_token, user}.
#pragma once

#include <string_view>
#include <vector>

#include "api/json.h"
#include "base/error.h"
#include "domain/auth/session_service.h"
#include "domain/auth/user.h"
#include "http/response.h"

namespace tb::api::auth {

http::Response AuthError(int status, std::string_view error_code, std::string_view msg);
// Maps a domain or store error to GoTrue's shape: Error::reason picks the error_code and
// status; kInvalidArgument → 400 validation_failed; kBusy → 503; anything else → 500
// unexpected_failure (the detail is logged, never sent).
http::Response AuthErrorFrom(const Error& error);

void WriteUser(JsonWriter& w, const tb::auth::User& user, const std::vector<tb::auth::Factor>& factors);
http::Response UserResponse(const tb::auth::User& user, const std::vector<tb::auth::Factor>& factors);
http::Response SessionResponse(const tb::auth::IssuedSession& session, const tb::auth::User& user,
                               const std::vector<tb::auth::Factor>& factors);

}  // namespace tb::api::auth
