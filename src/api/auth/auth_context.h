// api/auth/auth_context.h
//
// What the GoTrue handlers share: configuration, the store, the session service, the
// mailer, the rate limiter and the clock. Built once by the App; handlers only read it.
#pragma once

#include "api/auth/rate_limiter.h"
#include "base/clock.h"
#include "domain/auth/auth_config.h"
#include "domain/auth/email_tokens.h"
#include "domain/auth/session_service.h"
#include "mail/mailer.h"
#include "store/store.h"

namespace tb::api::auth {

struct AuthContext {
  const tb::auth::AuthConfig* config = nullptr;
  store::Store* store = nullptr;
  const Clock* clock = nullptr;
  tb::auth::SessionService* sessions = nullptr;
  tb::auth::EmailTokens* email_tokens = nullptr;
  mail::Mailer* mailer = nullptr;
  tb::auth::RateLimiter* rate_limiter = nullptr;
};

}  // namespace tb::api::auth
