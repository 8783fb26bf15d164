// api/auth/handler_support.h
//
// Small pieces several GoTrue handlers share: the rate-limit check with its 429,
// sending a message once the transaction that issued its token has committed (mail is
// never sent for a write that could still roll back), the password rule with its 422,
// and the check that a path segment is a UUID.
#pragma once

#include <string_view>

#include "api/auth/auth_context.h"
#include "base/strings.h"
#include "http/request.h"
#include "http/response.h"
#include "mail/mailer.h"

namespace tb::api::auth {

// Counts a request against the per-IP and (when `email` is non-empty) per-email limits of
// `family` ("signup", "token", "recover", "otp", …); false when either is exhausted.
bool WithinRateLimits(const AuthContext& context, const http::Request& request,
                      std::string_view family, std::string_view email);

// GoTrue's 429 over_request_rate_limit.
http::Response RateLimited();

// Sends `message` through context.mailer. Returns 200 {} on success; on failure logs the
// cause and returns GoTrue's 500 "Error sending email".
http::Response SendMail(const AuthContext& context, const mail::Message& message);

// True when `password` meets the configured rule (tb::auth::PasswordStrongEnough).
bool StrongEnough(const AuthContext& context, std::string_view password);

// GoTrue's 422 weak_password, with weak_password.reasons ["length"] (auth-js reads them
// into AuthWeakPasswordError.reasons).
http::Response WeakPassword(const AuthContext& context);

}  // namespace tb::api::auth
