// domain/auth/session_service.h
//
// Sessions and their tokens. A session is one sign-in; it holds the assurance level
// (aal1, or aal2 after a second factor) and the methods used (amr). Each session has a
// chain of refresh tokens, stored as SHA-256 hashes and rotated on every use; presenting
// an already-rotated token after the reuse interval is taken as theft and deletes the
// session, so every token of that family stops working. Access tokens are HS256 JWTs
// with GoTrue's claims.
//
// Failures carry GoTrue's error codes in Error::reason: refresh_token_not_found,
// refresh_token_already_used, session_not_found, user_banned, user_not_found.
//
// Thread-safety: immutable after construction; every call runs in the caller's transaction.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"
#include "domain/auth/auth_config.h"
#include "domain/auth/user.h"
#include "policy/identity.h"
#include "store/store.h"

namespace tb::auth {

struct IssuedSession {
  std::string access_token;
  std::string refresh_token;
  std::string session_id;
  int64_t expires_in = 0;  // seconds
  int64_t expires_at = 0;  // Unix seconds
};

struct ClientInfo {
  std::string ip;
  std::string user_agent;
};

enum class LogoutScope { kGlobal, kLocal, kOthers };

// What the per-request check learns about a token's session.
struct SessionState {
  std::string aal;
};

class SessionService {
 public:
  SessionService(const AuthConfig& config, const Clock& clock) : config_(config), clock_(clock) {}

  // Starts a session for `user` signed in with `method` ("password", "otp", "recovery",
  // "email/signup", …), records last_sign_in_at, and returns its first tokens.
  Result<IssuedSession> Create(store::Transaction& txn, const User& user, std::string_view method,
                               const ClientInfo& client);

  // Raises `session_id` of `user` to aal2 after a verified factor: appends `method` to amr,
  // rotates the refresh token, returns tokens carrying aal2.
  Result<IssuedSession> Elevate(store::Transaction& txn, const User& user,
                                std::string_view session_id, std::string_view method,
                                std::string_view factor_id);

  struct Refreshed {
    IssuedSession session;
    User user;
  };
  // Exchanges a refresh token for new tokens. On reuse detection it deletes the session
  // before failing: the caller commits the transaction whatever the outcome.
  Result<Refreshed> Refresh(store::Transaction& txn, std::string_view refresh_token);

  // Ends sessions of identity's user: this one (kLocal), all (kGlobal), all but this one (kOthers).
  Status Logout(store::Transaction& txn, const policy::Identity& identity, LogoutScope scope);

  // Confirms that a session still exists for its user and the user is not banned or
  // deleted, in two halves, for a caller that sends the statement with BEGIN
  // (Store::BeginThen): the statement, whose parameters are session_id and user_id, and
  // what its rows mean. CheckAnswer fails with reason session_not_found or user_banned.
  static std::string_view CheckSql(std::string_view dialect);
  Result<SessionState> CheckAnswer(const store::Rows& rows) const;

  // Mints an access token for `user` in `session_id` with `aal` and `amr_json`.
  std::string MintAccessToken(const User& user, std::string_view session_id, std::string_view aal,
                              std::string_view amr_json, int64_t now_unix) const;

 private:
  Result<IssuedSession> Issue(store::Transaction& txn, const User& user,
                              std::string_view session_id, std::string_view parent_hash);

  const AuthConfig& config_;
  const Clock& clock_;
};

}  // namespace tb::auth
