// api/auth/auth_context.h
//
// What the GoTrue handlers share: configuration, the store, the session service, the
// mailer, the rate limiter and the clock. Built once by the App; handlers only read it.
#pragma once

#include <string>
#include <vector>

#include "api/auth/rate_limiter.h"
#include "api/auth/verified_tokens.h"
#include "base/clock.h"
#include "domain/auth/auth_config.h"
#include "domain/auth/email_tokens.h"
#include "domain/auth/session_service.h"
#include "mail/mailer.h"
#include "store/store.h"

namespace tb::api::auth {

// One of the server's own API keys (app.h's MakeKeys) with what verifying it would give:
// requests carry one on every call, so it is compared, not verified again.
struct KnownKey {
  std::string token;
  std::string role;         // "anon" or "service_role"
  std::string claims_json;  // its verified claims
};

struct AuthContext {
  const tb::auth::AuthConfig* config = nullptr;
  store::Store* store = nullptr;
  const Clock* clock = nullptr;
  tb::auth::SessionService* sessions = nullptr;
  tb::auth::EmailTokens* email_tokens = nullptr;
  mail::Mailer* mailer = nullptr;
  tb::auth::RateLimiter* rate_limiter = nullptr;
  std::vector<KnownKey> keys;  // the anon and service_role keys of config->jwt_secret
  VerifiedTokens* verified_tokens = nullptr;  // users' tokens verified before; null: none kept
};

}  // namespace tb::api::auth
