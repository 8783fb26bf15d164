// TOTP multi-factor authentication: enroll, challenge, verify and unenroll a factor
// (supabase.auth.mfa.*). The rules live in domain/auth/mfa_service.h; this file parses,
// authenticates, rate-limits and answers in GoTrue's shapes.

#include "api/auth/auth_handlers.h"
#include "api/auth/auth_response.h"
#include "api/auth/authenticate.h"
#include "api/auth/handler_support.h"
#include "api/json.h"
#include "domain/auth/mfa_service.h"
#include "domain/auth/qr_svg.h"

namespace tb::api::auth {

namespace {

using tb::auth::MfaCaller;
using tb::auth::MfaService;

// GoTrue's status for an MFA refusal follows the domain error's class (mfa_service.h);
// errors without a reason (store failures) take the shared mapping.
http::Response MfaFailure(const Error& error) {
  if (!error.reason.empty()) {
    switch (error.code) {
      case ErrorCode::kNotFound:
        return AuthError(404, error.reason, error.message);
      case ErrorCode::kPermissionDenied:
        return AuthError(403, error.reason, error.message);
      case ErrorCode::kFailedPrecondition:
        return AuthError(422, error.reason, error.message);
      case ErrorCode::kInvalidArgument:
        return AuthError(400, error.reason, error.message);
      default:
        break;
    }
  }
  return AuthErrorFrom(error);
}

// The signed-in user behind the request, with their session's current level.
Result<MfaCaller> SignedIn(const http::Request& request, const AuthContext& context) {
  auto identity = Authenticate(request, context);
  if (!identity) return std::move(identity).error();
  if (!identity->is_user()) {
    return Error::WithReason(ErrorCode::kPermissionDenied, "bad_jwt",
                             "invalid claim: missing sub claim");
  }
  return MfaCaller{identity->user_id, identity->session_id, identity->aal, request.remote_address};
}

// The {id} of /factors/{id}/…, or nullopt when it is not a UUID.
std::optional<std::string> FactorIdOf(const http::Request& request) {
  const std::string_view id = request.PathParam("id");
  if (!LooksLikeUuid(id)) return std::nullopt;
  return std::string(id);
}

http::Response BadFactorId() {
  return AuthError(404, "validation_failed", "factor_id must be an UUID");
}

http::Response JsonOf(const rapidjson::StringBuffer& buffer) {
  return http::Response::Json(200, std::string(buffer.GetString(), buffer.GetSize()));
}

http::Response EnrollResponse(const tb::auth::EnrolledTotp& enrolled, std::string_view svg) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("id");
  WriteString(w, enrolled.factor.id);
  w.Key("type");
  w.String("totp");
  w.Key("friendly_name");
  WriteString(w, enrolled.factor.friendly_name);
  w.Key("totp");
  w.StartObject();
  // The bare SVG: supabase-js prefixes "data:image/svg+xml;utf-8," itself.
  w.Key("qr_code");
  WriteString(w, svg);
  w.Key("secret");
  WriteString(w, enrolled.secret);
  w.Key("uri");
  WriteString(w, enrolled.uri);
  w.EndObject();
  w.EndObject();
  return JsonOf(buffer);
}

// Reads the enroll body: factor_type must be "totp"; friendly_name and issuer optional.
Result<std::pair<std::string, std::string>> EnrollParams(const rapidjson::Document& body) {
  auto type = StringField(body, "factor_type");
  auto name = StringField(body, "friendly_name");
  auto issuer = StringField(body, "issuer");
  for (const auto* field : {&type, &name, &issuer}) {
    if (!*field) {
      return Error::WithReason(ErrorCode::kInvalidArgument, "validation_failed",
                               field->error().message);
    }
  }
  const std::string factor_type = type->value_or("");
  if (factor_type == "phone") {
    return Error::WithReason(ErrorCode::kFailedPrecondition, "mfa_phone_enroll_not_enabled",
                             "MFA enroll is disabled for Phone");
  }
  if (factor_type == "webauthn") {
    return Error::WithReason(ErrorCode::kFailedPrecondition, "mfa_webauthn_enroll_not_enabled",
                             "MFA enroll is disabled for WebAuthn");
  }
  if (factor_type != "totp") {
    return Error::WithReason(ErrorCode::kInvalidArgument, "validation_failed",
                             "factor_type needs to be totp");
  }
  return std::make_pair(name->value_or(""), issuer->value_or(""));
}

}  // namespace

http::Response EnrollFactor(http::Request& request, const AuthContext& context) {
  auto caller = SignedIn(request, context);
  if (!caller) return AuthErrorFrom(caller.error());
  auto body = ParseObject(request.body);
  if (!body) return AuthError(400, "bad_json", body.error().message);
  auto params = EnrollParams(*body);
  if (!params) return MfaFailure(params.error());

  MfaService mfa(*context.config, *context.clock);
  auto txn = context.store->Begin(store::Access::kWrite);
  if (!txn) return AuthErrorFrom(txn.error());
  auto user = tb::auth::users::FindById(**txn, caller->user_id);
  if (!user) return AuthErrorFrom(user.error());
  if (!*user) return AuthError(404, "user_not_found", "User not found");
  auto enrolled = mfa.EnrollTotp(**txn, **user, *caller, params->first, params->second);
  if (!enrolled) return MfaFailure(enrolled.error());
  // Drawn before the commit (it takes well under a millisecond), so a failure leaves no
  // factor behind.
  auto svg = tb::auth::QrSvg(enrolled->uri);
  if (!svg) return MfaFailure(svg.error());
  if (Status s = (*txn)->Commit(); !s) return AuthErrorFrom(s.error());
  return EnrollResponse(*enrolled, *svg);
}

http::Response ChallengeFactor(http::Request& request, const AuthContext& context) {
  auto caller = SignedIn(request, context);
  if (!caller) return AuthErrorFrom(caller.error());
  const auto factor_id = FactorIdOf(request);
  if (!factor_id) return BadFactorId();
  const auto& limits = context.config->rate_limits;
  if (!context.rate_limiter->Allow("mfa_challenge:ip:" + caller->ip, limits.per_ip, limits.window)) {
    return AuthError(429, "over_request_rate_limit", "Request rate limit reached");
  }
  MfaService mfa(*context.config, *context.clock);
  auto txn = context.store->Begin(store::Access::kWrite);
  if (!txn) return AuthErrorFrom(txn.error());
  auto challenge = mfa.Challenge(**txn, *caller, *factor_id);
  if (!challenge) return MfaFailure(challenge.error());
  if (Status s = (*txn)->Commit(); !s) return AuthErrorFrom(s.error());

  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("id");
  WriteString(w, challenge->id);
  w.Key("type");
  WriteString(w, challenge->factor_type);
  w.Key("expires_at");
  w.Int64(challenge->expires_at);
  w.EndObject();
  return JsonOf(buffer);
}

http::Response VerifyFactor(http::Request& request, const AuthContext& context) {
  auto caller = SignedIn(request, context);
  if (!caller) return AuthErrorFrom(caller.error());
  const auto factor_id = FactorIdOf(request);
  if (!factor_id) return BadFactorId();
  const auto& limits = context.config->rate_limits;
  if (!context.rate_limiter->Allow("mfa_verify:ip:" + caller->ip, limits.per_ip, limits.window) ||
      !context.rate_limiter->Allow("mfa_verify:user:" + caller->user_id, limits.per_email,
                                   limits.window)) {
    return AuthError(429, "over_request_rate_limit", "Request rate limit reached");
  }
  auto body = ParseObject(request.body);
  if (!body) return AuthError(400, "bad_json", body.error().message);
  auto challenge_id = StringField(*body, "challenge_id");
  auto code = StringField(*body, "code");
  if (!challenge_id || !code) {
    return AuthError(400, "validation_failed",
                     !challenge_id ? challenge_id.error().message : code.error().message);
  }
  if (!*challenge_id || (*challenge_id)->empty()) {
    return AuthError(400, "validation_failed", "challenge_id is required");
  }
  if (!*code || (*code)->empty()) {
    return AuthError(400, "validation_failed", "Code needs to be non-empty");
  }

  MfaService mfa(*context.config, *context.clock);
  auto txn = context.store->Begin(store::Access::kWrite);
  if (!txn) return AuthErrorFrom(txn.error());
  auto user = tb::auth::users::FindById(**txn, caller->user_id);
  if (!user) return AuthErrorFrom(user.error());
  if (!*user) return AuthError(404, "user_not_found", "User not found");
  auto factor = mfa.Verify(**txn, *caller, *factor_id, **challenge_id, **code);
  if (!factor) {
    // A refusal still counts the attempt (or removes an expired challenge): keep it.
    if (!factor.error().reason.empty()) {
      if (Status s = (*txn)->Commit(); !s) return AuthErrorFrom(s.error());
    }
    return MfaFailure(factor.error());
  }
  auto session = context.sessions->Elevate(**txn, **user, caller->session_id, "totp", *factor_id);
  if (!session) return AuthErrorFrom(session.error());
  auto factors = tb::auth::users::ListFactors(**txn, caller->user_id);
  if (!factors) return AuthErrorFrom(factors.error());
  if (Status s = (*txn)->Commit(); !s) return AuthErrorFrom(s.error());
  return SessionResponse(*session, **user, *factors);
}

http::Response UnenrollFactor(http::Request& request, const AuthContext& context) {
  auto caller = SignedIn(request, context);
  if (!caller) return AuthErrorFrom(caller.error());
  const auto factor_id = FactorIdOf(request);
  if (!factor_id) return BadFactorId();
  MfaService mfa(*context.config, *context.clock);
  auto txn = context.store->Begin(store::Access::kWrite);
  if (!txn) return AuthErrorFrom(txn.error());
  if (Status s = mfa.Unenroll(**txn, *caller, *factor_id); !s) return MfaFailure(s.error());
  if (Status s = (*txn)->Commit(); !s) return AuthErrorFrom(s.error());

  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("id");
  WriteString(w, *factor_id);
  w.EndObject();
  return JsonOf(buffer);
}

}  // namespace tb::api::auth
