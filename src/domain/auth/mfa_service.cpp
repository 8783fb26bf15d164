#include "domain/auth/mfa_service.h"

#include <span>
#include <string>
#include <utility>
#include <vector>

#include "crypto/random.h"
#include "crypto/totp.h"

namespace tb::auth {

namespace {

using store::Value;

constexpr std::size_t kMaxNameLength = 255;

Error Refused(ErrorCode code, const char* reason, std::string message) {
  return Error::WithReason(code, reason, std::move(message));
}

Error FactorNotFound() {
  return Refused(ErrorCode::kNotFound, "mfa_factor_not_found", "Factor not found");
}

std::string Text(const Value& v) { return v.is_null() ? std::string() : v.as_text(); }

Value TextParam(std::string_view s) { return Value::Text(std::string(s)); }

// Percent-encodes all but RFC 3986's unreserved characters and '@' (kept so the account
// reads as an email address in the URI).
std::string PercentEncode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
        c == '-' || c == '.' || c == '_' || c == '~' || c == '@') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

bool HasControlCharacter(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

Factor FactorFromRow(const std::vector<Value>& r) {
  return Factor{Text(r[0]), Text(r[1]), Text(r[2]), Text(r[3]), Text(r[4]), Text(r[5])};
}

constexpr std::string_view kFactorColumns =
    "id, friendly_name, factor_type, status, created_at, updated_at";

// The caller's factor `factor_id` with its sealed secret and last used step (columns 6
// and 7), or FactorNotFound. A factor of another user is not found, never forbidden.
Result<std::vector<Value>> FindOwnedFactor(store::Transaction& txn, const MfaCaller& caller,
                                           std::string_view factor_id) {
  const Value params[] = {TextParam(factor_id), TextParam(caller.user_id)};
  auto rows = txn.Query("SELECT " + std::string(kFactorColumns) +
                            ", secret, last_used_step FROM auth.mfa_factors "
                            "WHERE id = $1 AND user_id = $2",
                        params);
  if (!rows) return std::move(rows).error();
  if (rows->rows.empty()) return FactorNotFound();
  return std::move(rows->rows[0]);
}

Status Run(store::Transaction& txn, std::string_view sql, std::span<const Value> params) {
  auto done = txn.Execute(sql, params);
  if (!done) return std::move(done).error();
  return Ok();
}

// GoTrue's checks before a new factor, in its order: a name clash, the factor limit,
// then the level needed once a factor is verified.
Status CanEnroll(const std::vector<Factor>& factors, std::string_view friendly_name,
                 std::string_view aal) {
  int verified = 0;
  for (const auto& f : factors) {
    if (!friendly_name.empty() && f.friendly_name == friendly_name) {
      return Refused(ErrorCode::kFailedPrecondition, "mfa_factor_name_conflict",
                     "A factor with the friendly name \"" + std::string(friendly_name) +
                         "\" for this user already exists");
    }
    if (f.status == "verified") ++verified;
  }
  if (factors.size() >= static_cast<std::size_t>(MfaService::kMaxFactors)) {
    return Refused(ErrorCode::kFailedPrecondition, "too_many_enrolled_mfa_factors",
                   "Maximum number of enrolled factors reached, unenroll to continue");
  }
  if (verified > 0 && aal != "aal2") {
    return Refused(ErrorCode::kPermissionDenied, "insufficient_aal",
                   "AAL2 required to enroll a new factor");
  }
  return Ok();
}

// Refuses a challenge that cannot be answered: unknown for this factor, already
// verified, made from another IP, expired (then it is deleted) or out of attempts.
Status CheckChallenge(store::Transaction& txn, const MfaCaller& caller,
                      std::string_view factor_id, std::string_view challenge_id, SystemTime now,
                      int max_attempts) {
  const Value key[] = {TextParam(challenge_id), TextParam(factor_id)};
  auto rows = txn.Query(
      "SELECT expires_at, verified_at, verification_attempts, ip_address "
      "FROM auth.mfa_challenges WHERE id = $1 AND factor_id = $2",
      key);
  if (!rows) return std::move(rows).error();
  if (rows->rows.empty()) {
    return Refused(ErrorCode::kFailedPrecondition, "mfa_factor_not_found",
                   "MFA factor with the provided challenge ID not found");
  }
  const auto& challenge = rows->rows[0];
  const std::string id(challenge_id);
  if (!challenge[1].is_null()) {
    return Refused(ErrorCode::kFailedPrecondition, "mfa_challenge_expired",
                   "MFA challenge " + id + " was already verified, create a new challenge.");
  }
  if (Text(challenge[3]) != caller.ip) {
    return Refused(ErrorCode::kFailedPrecondition, "mfa_ip_address_mismatch",
                   "Challenge and verify IP addresses mismatch.");
  }
  const auto expires_at = ParseTimestamp(Text(challenge[0]));
  if (!expires_at || now >= *expires_at) {
    const Value params[] = {Value::Text(id)};
    if (Status s = Run(txn, "DELETE FROM auth.mfa_challenges WHERE id = $1", params); !s) return s;
    return Refused(ErrorCode::kFailedPrecondition, "mfa_challenge_expired",
                   "MFA challenge " + id +
                       " has expired, verify against another challenge or create a new challenge.");
  }
  if (challenge[2].as_int() >= max_attempts) {
    return Refused(ErrorCode::kFailedPrecondition, "mfa_challenge_expired",
                   "Too many attempts on MFA challenge " + id + ", create a new challenge.");
  }
  return Ok();
}

// Records a successful verification at time step `step`.
Status Spend(store::Transaction& txn, const MfaCaller& caller, std::string_view factor_id,
             std::string_view challenge_id, int64_t step, SystemTime now) {
  const Value spend[] = {Value::Text(FormatTimestamp(now)), TextParam(challenge_id)};
  const Value mark[] = {Value::Int(step), TextParam(factor_id)};
  const Value others[] = {TextParam(caller.user_id), TextParam(factor_id)};
  const Value sessions[] = {TextParam(caller.user_id), TextParam(caller.session_id)};
  const std::pair<std::string_view, std::span<const Value>> statements[] = {
      {"UPDATE auth.mfa_challenges SET verified_at = $1 WHERE id = $2", spend},
      {"UPDATE auth.mfa_factors SET status = 'verified', last_used_step = $1 WHERE id = $2", mark},
      // As GoTrue does: once a factor is verified, abandoned enrollments of its type go …
      {"DELETE FROM auth.mfa_factors WHERE user_id = $1 AND id <> $2 AND status = 'unverified' "
       "AND factor_type = 'totp'",
       others},
      // … and so do the user's other sessions that never passed a second factor.
      {"DELETE FROM auth.sessions WHERE user_id = $1 AND id <> $2 AND aal = 'aal1'", sessions},
  };
  for (const auto& [sql, params] : statements) {
    if (Status s = Run(txn, sql, params); !s) return s;
  }
  return Ok();
}

}  // namespace

std::string MfaService::DefaultIssuer() const {
  std::string_view url = config_.site_url;
  if (const auto scheme = url.find("://"); scheme != std::string_view::npos) {
    url.remove_prefix(scheme + 3);
  }
  url = url.substr(0, url.find_first_of("/?#"));
  if (const auto at = url.rfind('@'); at != std::string_view::npos) url.remove_prefix(at + 1);
  // The key URI format forbids ':' in the issuer, so the port goes.
  url = url.substr(0, url.find(':'));
  return url.empty() ? std::string("tenantbase") : std::string(url);
}

Result<EnrolledTotp> MfaService::EnrollTotp(store::Transaction& txn, const User& user,
                                            const MfaCaller& caller,
                                            std::string_view friendly_name,
                                            std::string_view issuer_param) {
  const std::string issuer = issuer_param.empty() ? DefaultIssuer() : std::string(issuer_param);
  if (issuer.size() > kMaxNameLength || issuer.find(':') != std::string::npos ||
      HasControlCharacter(issuer)) {
    return Refused(ErrorCode::kInvalidArgument, "validation_failed",
                   "issuer must be at most 255 characters, without ':' or control characters");
  }
  if (friendly_name.size() > kMaxNameLength || HasControlCharacter(friendly_name)) {
    return Refused(ErrorCode::kInvalidArgument, "validation_failed",
                   "friendly_name must be at most 255 characters, without control characters");
  }
  const SystemTime now = clock_.Now();
  const Value stale[] = {TextParam(user.id),
                         Value::Text(FormatTimestamp(now - kUnverifiedFactorLifetime))};
  if (Status s = Run(txn,
                     "DELETE FROM auth.mfa_factors WHERE user_id = $1 AND status = 'unverified' "
                     "AND created_at < $2",
                     stale);
      !s) {
    return std::move(s).error();
  }
  auto factors = users::ListFactors(txn, user.id);
  if (!factors) return std::move(factors).error();
  if (Status s = CanEnroll(*factors, friendly_name, caller.aal); !s) return std::move(s).error();

  const std::string secret = crypto::RandomBytes(crypto::kTotpSecretBytes);
  const std::string now_text = FormatTimestamp(now);
  const Value insert[] = {
      TextParam(user.id),
      friendly_name.empty() ? Value::Null() : TextParam(friendly_name),
      Value::Text(crypto::SealTotpSecret(secret, config_.jwt_secret)), Value::Text(now_text)};
  auto rows = txn.Query(
      "INSERT INTO auth.mfa_factors (user_id, friendly_name, factor_type, status, secret, "
      "created_at, updated_at) VALUES ($1, $2, 'totp', 'unverified', $3, $4, $4) RETURNING " +
          std::string(kFactorColumns),
      insert);
  if (!rows) return std::move(rows).error();

  EnrolledTotp enrolled;
  enrolled.factor = FactorFromRow(rows->rows.at(0));
  enrolled.secret = crypto::Base32Encode(secret);
  const std::string account = user.email.empty() ? user.id : user.email;
  enrolled.uri = "otpauth://totp/" + PercentEncode(issuer) + ":" + PercentEncode(account) +
                 "?secret=" + enrolled.secret + "&issuer=" + PercentEncode(issuer) +
                 "&algorithm=SHA1&digits=6&period=30";
  return enrolled;
}

Result<MfaChallenge> MfaService::Challenge(store::Transaction& txn, const MfaCaller& caller,
                                           std::string_view factor_id) {
  auto factor = FindOwnedFactor(txn, caller, factor_id);
  if (!factor) return std::move(factor).error();
  const SystemTime now = clock_.Now();
  const SystemTime expires = now + config_.mfa_challenge_ttl;
  const Value expired[] = {TextParam(factor_id), Value::Text(FormatTimestamp(now))};
  if (Status s = Run(txn, "DELETE FROM auth.mfa_challenges WHERE factor_id = $1 AND expires_at <= $2",
                     expired);
      !s) {
    return std::move(s).error();
  }
  const Value insert[] = {TextParam(factor_id), Value::Text(FormatTimestamp(now)),
                          Value::Text(FormatTimestamp(expires)), TextParam(caller.ip)};
  auto rows = txn.Query(
      "INSERT INTO auth.mfa_challenges (factor_id, created_at, expires_at, ip_address) "
      "VALUES ($1, $2, $3, $4) RETURNING id",
      insert);
  if (!rows) return std::move(rows).error();
  return MfaChallenge{rows->rows.at(0).at(0).as_text(), Text((*factor)[2]), UnixSeconds(expires)};
}

Result<Factor> MfaService::Verify(store::Transaction& txn, const MfaCaller& caller,
                                  std::string_view factor_id, std::string_view challenge_id,
                                  std::string_view code) {
  auto factor = FindOwnedFactor(txn, caller, factor_id);
  if (!factor) return std::move(factor).error();
  const SystemTime now = clock_.Now();
  if (Status s = CheckChallenge(txn, caller, factor_id, challenge_id, now,
                                config_.max_verification_attempts);
      !s) {
    return std::move(s).error();
  }
  const auto secret = crypto::OpenTotpSecret(Text((*factor)[6]), config_.jwt_secret);
  if (!secret) {
    return Error::Make(ErrorCode::kInternal, "Database error verifying MFA TOTP secret",
                       "factor " + std::string(factor_id) +
                           ": sealed secret does not open (was the JWT secret changed?)");
  }
  const int64_t min_step = (*factor)[7].is_null() ? INT64_MIN : (*factor)[7].as_int() + 1;
  const auto step = crypto::VerifyTotp(*secret, code, UnixSeconds(now), 1, min_step);
  if (!step) {
    const Value id[] = {TextParam(challenge_id)};
    if (Status s = Run(txn,
                       "UPDATE auth.mfa_challenges SET verification_attempts = "
                       "verification_attempts + 1 WHERE id = $1",
                       id);
        !s) {
      return std::move(s).error();
    }
    return Refused(ErrorCode::kFailedPrecondition, "mfa_verification_failed",
                   "Invalid TOTP code entered");
  }
  if (Status s = Spend(txn, caller, factor_id, challenge_id, *step, now); !s) {
    return std::move(s).error();
  }
  auto verified = FindOwnedFactor(txn, caller, factor_id);
  if (!verified) return std::move(verified).error();
  return FactorFromRow(*verified);
}

Status MfaService::Unenroll(store::Transaction& txn, const MfaCaller& caller,
                            std::string_view factor_id) {
  auto factor = FindOwnedFactor(txn, caller, factor_id);
  if (!factor) return std::move(factor).error();
  if (Text((*factor)[3]) == "verified" && caller.aal != "aal2") {
    return Refused(ErrorCode::kFailedPrecondition, "insufficient_aal",
                   "AAL2 required to unenroll verified factor");
  }
  const Value id[] = {TextParam(factor_id)};
  if (Status s = Run(txn, "DELETE FROM auth.mfa_factors WHERE id = $1", id); !s) return s;
  // Sessions raised with this factor no longer have a second factor behind them.
  return Run(txn, "UPDATE auth.sessions SET aal = 'aal1', factor_id = NULL WHERE factor_id = $1",
             id);
}

}  // namespace tb::auth
