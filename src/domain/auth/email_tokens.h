// domain/auth/email_tokens.h
//
// The codes and links that auth sends by email — sign-up confirmation, password
// recovery, email change, one-time sign-in — kept in the seed's `one_time_tokens` table
// with one `purpose` per flow. Each message carries a 6-digit code and a link token;
// both are stored only as keyed hashes, expire (AuthConfig::email_token_ttl), are single
// use, and a new one revokes the earlier ones of the same purpose. Wrong guesses are
// counted in `verification_attempts` and capped. docs/auth-email.md has the rules.
//
// Every verification failure — unknown address, wrong code, used, revoked, expired or
// exhausted token — is the same error: reason "otp_expired", "Token has expired or is
// invalid", so a caller learns nothing about which it was.
//
// Thread-safety: immutable after construction; calls run in the caller's transaction.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"
#include "domain/auth/auth_config.h"
#include "domain/auth/session_service.h"
#include "domain/auth/user.h"
#include "mail/mailer.h"
#include "store/store.h"

namespace tb::auth {

enum class EmailPurpose {
  kSignup,       // confirm the address given at sign-up
  kRecovery,     // reset a forgotten password
  kEmailChange,  // confirm a new address (sent to the new address)
  kEmailOtp,     // passwordless sign-in (signInWithOtp; also GoTrue's "magiclink")
};

// The one_time_tokens.purpose text: "signup", "recovery", "email_change", "email_otp".
const char* PurposeName(EmailPurpose purpose);

// Where an email link may send the browser: `requested` when it is the site URL or lies
// under it (the next character after the prefix is '/', '?' or '#'), otherwise the site
// URL itself — never another origin. Control characters and spaces disqualify `requested`.
std::string AllowedRedirect(const AuthConfig& config, std::string_view requested);

// What a verified token proves: that whoever presented it reads `email`.
struct VerifiedToken {
  User user;             // the token's user, as stored before Apply
  EmailPurpose purpose;  // the flow the consumed token belonged to
  std::string email;     // the address the message went to
};

class EmailTokens {
 public:
  // The hashing key is derived from config.jwt_secret. REQUIRES: `config` and `clock`
  // outlive this object.
  EmailTokens(const AuthConfig& config, const Clock& clock);

  // Issues a fresh code and link for (user, purpose), revoking earlier unused ones, records
  // the *_sent_at column (and, for kEmailChange, users.email_change = `to_email`), and
  // returns the message to send to `to_email` once the transaction has committed. The link
  // leads to GET <issuer>/verify and then to AllowedRedirect(`redirect_to`).
  Result<mail::Message> Issue(store::Transaction& txn, const User& user, EmailPurpose purpose,
                              std::string_view to_email, const ClientInfo& client,
                              std::string_view redirect_to = {});

  // Consumes the 6-digit `code` sent to `email` for one of `purposes` (for kEmailChange,
  // `email` is the new address). A wrong code counts one attempt against every live code
  // for that address; a code with max_verification_attempts attempts is dead. Fails with
  // otp_expired; since a wrong guess is recorded before failing, the caller commits the
  // transaction whatever the outcome.
  Result<VerifiedToken> VerifyCode(store::Transaction& txn, std::string_view email,
                                   std::span<const EmailPurpose> purposes, std::string_view code,
                                   const ClientInfo& client);

  // Consumes the link token `token` (GoTrue's token_hash) of one of `purposes`. Fails
  // with otp_expired.
  Result<VerifiedToken> VerifyLink(store::Transaction& txn, std::string_view token,
                                   std::span<const EmailPurpose> purposes, const ClientInfo& client);

  // Applies what `verified` proves and returns the user as now stored: the address is
  // confirmed (signup, email OTP, recovery), or the pending email change takes effect
  // (email = email_change, the user's other live tokens revoked). Fails with otp_expired
  // when the change is no longer pending, email_exists when another user took the address.
  Result<User> Apply(store::Transaction& txn, const VerifiedToken& verified);

 private:
  struct Candidate;
  std::string CodeHash(std::string_view row_id, std::string_view code) const;
  std::string LinkHash(std::string_view token) const;
  Result<VerifiedToken> Consume(store::Transaction& txn, const Candidate& token, const ClientInfo& client);

  const AuthConfig& config_;
  const Clock& clock_;
  const std::string key_;  // HMAC key for one_time_tokens.token
};

}  // namespace tb::auth
