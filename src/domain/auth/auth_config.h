// domain/auth/auth_config.h
//
// The knobs of GoTrue-compatible auth, with their defaults. Built once by the App from
// the environment (TENANTBASE_AUTH_*) and shared read-only.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace tb::auth {

struct RateLimitConfig {
  // Requests allowed per window and key; 0 disables that limit.
  int per_ip = 30;      // per client IP and endpoint family
  int per_email = 10;   // per email address and endpoint family
  std::chrono::seconds window{300};
};

struct AuthConfig {
  std::string jwt_secret;
  std::string issuer = "http://127.0.0.1:54321/auth/v1";  // the `iss` claim
  std::string site_url = "http://localhost:3000";          // where email links point
  std::chrono::seconds access_token_ttl{3600};             // TENANTBASE_AUTH_JWT_EXPIRY
  std::chrono::seconds refresh_reuse_interval{10};         // grace for a just-rotated token
  std::chrono::seconds email_token_ttl{3600};              // email codes and links
  bool confirm_email = false;                              // TENANTBASE_AUTH_CONFIRM_EMAIL
  std::size_t min_password_length = 8;                     // TENANTBASE_AUTH_MIN_PASSWORD_LENGTH
  int max_verification_attempts = 5;                       // per six-digit code
  std::chrono::seconds mfa_challenge_ttl{300};             // TENANTBASE_AUTH_MFA_CHALLENGE_EXPIRY
  RateLimitConfig rate_limits;
};

}  // namespace tb::auth
