// api/auth/auth_handlers.h
//
// The GoTrue endpoints under /auth/v1, as supabase-js (auth-js) calls them. Each handler
// parses the request, checks the caller, calls the domain (domain/auth/) and answers in
// GoTrue's shapes (auth_response.h). Registered in api/routes.cpp.
#pragma once

#include "api/auth/auth_context.h"
#include "http/request.h"
#include "http/response.h"

namespace tb::api::auth {

// Sign-up, sign-in, sessions (handlers_session.cpp).
http::Response Signup(http::Request& request, const AuthContext& context);    // POST /signup
http::Response Token(http::Request& request, const AuthContext& context);     // POST /token?grant_type=
http::Response Logout(http::Request& request, const AuthContext& context);    // POST /logout?scope=
http::Response GetUser(http::Request& request, const AuthContext& context);   // GET /user
http::Response UpdateUser(http::Request& request, const AuthContext& context);  // PUT /user
http::Response Settings(http::Request& request, const AuthContext& context);  // GET /settings

// What auth sends by email, and its verification (handlers_email.cpp).
http::Response Recover(http::Request& request, const AuthContext& context);  // POST /recover
http::Response Otp(http::Request& request, const AuthContext& context);      // POST /otp
http::Response Verify(http::Request& request, const AuthContext& context);   // POST /verify
http::Response VerifyEmailLink(http::Request& request, const AuthContext& context);  // GET /verify
http::Response Resend(http::Request& request, const AuthContext& context);   // POST /resend

// TOTP multi-factor authentication (handlers_mfa.cpp).
http::Response EnrollFactor(http::Request& request, const AuthContext& context);     // POST /factors
http::Response ChallengeFactor(http::Request& request, const AuthContext& context);  // POST /factors/{id}/challenge
http::Response VerifyFactor(http::Request& request, const AuthContext& context);     // POST /factors/{id}/verify
http::Response UnenrollFactor(http::Request& request, const AuthContext& context);   // DELETE /factors/{id}

// The service_role's user administration, auth.admin.* (handlers_admin.cpp).
http::Response AdminListUsers(http::Request& request, const AuthContext& context);   // GET /admin/users
http::Response AdminCreateUser(http::Request& request, const AuthContext& context);  // POST /admin/users
http::Response AdminGetUser(http::Request& request, const AuthContext& context);     // GET /admin/users/{id}
http::Response AdminUpdateUser(http::Request& request, const AuthContext& context);  // PUT /admin/users/{id}
http::Response AdminDeleteUser(http::Request& request, const AuthContext& context);  // DELETE /admin/users/{id}

}  // namespace tb::api::auth
