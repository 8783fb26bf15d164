// domain/tokens/one_time_tokens.h
//
// The seed's one_time_tokens for apps (its create/verify functions): short-lived, single-use
// tokens bound to a user, a purpose and scopes — a 6-digit code a person types, or a long
// random token for links. Only a keyed hash of each token is stored (HMAC with a key derived
// from the server secret), so the table alone reveals nothing. A code is safe only because
// attempts are counted and capped: a failed verification counts against every live code of
// that user and purpose, and a code that reaches the cap is revoked.
//
// Verification failures are answers, not errors (valid = false with a message), so the
// attempts they count are committed.
//
// Thread-safety: an OneTimeTokens is immutable; every call runs in the caller's transaction.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"
#include "store/store.h"

namespace tb::tokens {

struct ClientInfo {
  std::string ip;
  std::string user_agent;
};

struct CreateRequest {
  std::string target_id;  // the user the token is for
  std::string purpose;
  int64_t expires_in_seconds = 3600;
  std::string scopes_json = "[]";    // a JSON array of strings
  std::string metadata_json = "{}";  // a JSON object
  bool revoke_previous = true;       // revoke the target's live tokens of this purpose
  std::string format = "code";       // "code" (6 digits) or "link" (64 hex characters)
};

struct Created {
  std::string id;
  std::string token;  // shown once; only its hash is kept
  std::string expires_at;
  int64_t revoked_previous_count = 0;
};

struct VerifyRequest {
  std::string token;
  std::string purpose;
  std::string user_id;  // whose code it is; "" for a link token (the token names its user)
  std::string required_scopes_json = "[]";
  int64_t max_verification_attempts = 5;
};

struct Verified {
  bool valid = false;
  std::string user_id;
  std::string metadata_json = "{}";
  std::string scopes_json = "[]";
  std::string purpose;
  std::string message;
};

class OneTimeTokens {
 public:
  OneTimeTokens(std::string_view server_secret, const Clock& clock);

  // Fails with 22023 for a bad purpose, lifetime (1 s … 30 days), format, scopes or metadata.
  Result<Created> Create(store::Transaction& txn, const CreateRequest& request, const ClientInfo& client) const;
  Result<Verified> Verify(store::Transaction& txn, const VerifyRequest& request, const ClientInfo& client) const;
  // Revokes token `id` if it belongs to `owner` ("" = any, for the server); false when no
  // such live token.
  Result<bool> Revoke(store::Transaction& txn, std::string_view id, std::string_view owner, std::string_view reason) const;
  // id, purpose, scopes, created_at, expires_at, used_at, revoked, revoked_reason,
  // verification_attempts, status ("active", "used", "revoked" or "expired") of token `id`
  // if it belongs to `owner` ("" = any); no row otherwise.
  Result<store::Rows> StatusOf(store::Transaction& txn, std::string_view id, std::string_view owner) const;

 private:
  std::string CodeHash(std::string_view id, std::string_view code) const;
  std::string LinkHash(std::string_view token) const;

  const std::string key_;
  const Clock& clock_;
};

}  // namespace tb::tokens
