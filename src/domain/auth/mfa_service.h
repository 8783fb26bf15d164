// domain/auth/mfa_service.h
//
// TOTP multi-factor authentication, GoTrue's way: a signed-in user enrolls a factor
// (unverified, with a fresh secret), asks for a challenge on it, and verifies the
// challenge with a code from the authenticator app; the first successful verification
// marks the factor verified, and every one raises the caller's session to aal2 (the
// caller does that with SessionService::Elevate in the same transaction).
//
// Secrets are stored sealed (crypto::SealTotpSecret under a key derived from the JWT
// secret). A factor remembers the last time step it accepted, so a code can never be
// used twice. Each challenge allows AuthConfig::max_verification_attempts wrong codes
// and expires after AuthConfig::mfa_challenge_ttl; it is bound to the IP that made it.
//
// Failures carry GoTrue's error codes in Error::reason; Error::code says the HTTP class:
// kNotFound (404: mfa_factor_not_found), kPermissionDenied (403: insufficient_aal on
// enroll), kInvalidArgument (400: validation_failed) and kFailedPrecondition (422: every
// other refusal — mfa_factor_name_conflict, too_many_enrolled_mfa_factors,
// mfa_verification_failed, mfa_challenge_expired, mfa_ip_address_mismatch,
// insufficient_aal on unenroll, mfa_factor_not_found for an unknown challenge).
//
// Thread-safety: immutable after construction; every call runs in the caller's write
// transaction.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"
#include "domain/auth/auth_config.h"
#include "domain/auth/user.h"
#include "store/store.h"

namespace tb::auth {

// Who is asking: the access token's user and session, the session's current assurance
// level ("aal1" / "aal2", as stored), and the client's IP.
struct MfaCaller {
  std::string user_id;
  std::string session_id;
  std::string aal;
  std::string ip;
};

struct EnrolledTotp {
  Factor factor;
  std::string secret;  // base32; shown to the user once, never stored in this form
  std::string uri;     // otpauth://totp/ISSUER:ACCOUNT?secret=…&issuer=…
};

struct MfaChallenge {
  std::string id;
  std::string factor_type;
  int64_t expires_at = 0;  // Unix seconds
};

class MfaService {
 public:
  // A user may hold this many factors (verified or not) at once.
  static constexpr int kMaxFactors = 10;
  // Unverified factors older than this are removed when the user next enrolls one.
  static constexpr std::chrono::seconds kUnverifiedFactorLifetime{3600};

  MfaService(const AuthConfig& config, const Clock& clock) : config_(config), clock_(clock) {}

  // Creates an unverified TOTP factor for `user`. `issuer` names the service in the app
  // ("" = the host of AuthConfig::site_url); the account is the user's email. Fails with
  // validation_failed (issuer or name malformed), mfa_factor_name_conflict (another
  // factor of the user has this non-empty name), too_many_enrolled_mfa_factors, or
  // insufficient_aal (the user has a verified factor and the caller's session is aal1).
  Result<EnrolledTotp> EnrollTotp(store::Transaction& txn, const User& user,
                                  const MfaCaller& caller, std::string_view friendly_name,
                                  std::string_view issuer);

  // Opens a challenge on the caller's factor `factor_id`, bound to caller.ip, and
  // removes the factor's expired challenges. Fails with mfa_factor_not_found when the
  // factor does not exist or belongs to someone else.
  Result<MfaChallenge> Challenge(store::Transaction& txn, const MfaCaller& caller,
                                 std::string_view factor_id);

  // Checks `code` against challenge `challenge_id` of the caller's factor `factor_id`.
  // On success: the challenge is spent, the factor is verified and remembers the code's
  // step, the user's other unverified TOTP factors and other aal1 sessions are removed
  // (as GoTrue does), and the factor is returned. Refusals: mfa_factor_not_found,
  // mfa_challenge_expired (expired, already verified, or out of attempts),
  // mfa_ip_address_mismatch, mfa_verification_failed (wrong or replayed code — the
  // attempt is counted). The caller commits the transaction after a refusal that has a
  // reason too, so counts and clean-ups stick.
  Result<Factor> Verify(store::Transaction& txn, const MfaCaller& caller,
                        std::string_view factor_id, std::string_view challenge_id,
                        std::string_view code);

  // Deletes the caller's factor `factor_id` (and its challenges) and lowers sessions that
  // were raised with it to aal1. A verified factor needs an aal2 caller. Fails with
  // mfa_factor_not_found or insufficient_aal.
  Status Unenroll(store::Transaction& txn, const MfaCaller& caller, std::string_view factor_id);

 private:
  std::string DefaultIssuer() const;

  const AuthConfig& config_;
  const Clock& clock_;
};

}  // namespace tb::auth
