#include "domain/auth/session_service.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "crypto/hash.h"
#include "crypto/jwt.h"
#include "crypto/random.h"

namespace tb::auth {

namespace {

using store::Value;

Error Failure(ErrorCode code, const char* reason, const char* message) {
  return Error::WithReason(code, reason, message);
}

std::string Text(const Value& v) { return v.is_null() ? std::string() : v.as_text(); }

void WriteString(rapidjson::Writer<rapidjson::StringBuffer>& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void WriteRawJson(rapidjson::Writer<rapidjson::StringBuffer>& w, std::string_view json,
                  std::string_view fallback) {
  const std::string_view use = json.empty() ? fallback : json;
  w.RawValue(use.data(), use.size(), rapidjson::kObjectType);
}

}  // namespace

std::string SessionService::MintAccessToken(const User& user, std::string_view session_id,
                                            std::string_view aal, std::string_view amr_json,
                                            int64_t now_unix) const {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("iss");
  WriteString(w, config_.issuer);
  w.Key("sub");
  WriteString(w, user.id);
  w.Key("aud");
  WriteString(w, user.aud.empty() ? "authenticated" : user.aud);
  w.Key("exp");
  w.Int64(now_unix + config_.access_token_ttl.count());
  w.Key("iat");
  w.Int64(now_unix);
  w.Key("email");
  WriteString(w, user.email);
  w.Key("phone");
  WriteString(w, user.phone);
  w.Key("app_metadata");
  WriteRawJson(w, user.raw_app_meta_data, "{}");
  w.Key("user_metadata");
  WriteRawJson(w, user.raw_user_meta_data, "{}");
  w.Key("role");
  w.String("authenticated");
  w.Key("aal");
  WriteString(w, aal);
  w.Key("amr");
  w.RawValue(amr_json.data(), amr_json.size(), rapidjson::kArrayType);
  w.Key("session_id");
  WriteString(w, session_id);
  w.Key("is_anonymous");
  w.Bool(user.is_anonymous);
  w.EndObject();
  return crypto::SignJwtHs256(std::string_view(buffer.GetString(), buffer.GetSize()),
                              config_.jwt_secret);
}

Result<IssuedSession> SessionService::Issue(store::Transaction& txn, const User& user,
                                            std::string_view session_id,
                                            std::string_view parent_hash) {
  // The new tokens' first requests must find the session, even on a read replica.
  txn.AlsoWroteFor(user.id);
  const std::string refresh_token = crypto::RandomHex(24);
  const Value insert[] = {Value::Text(crypto::Sha256Hex(refresh_token)),
                          Value::Text(std::string(session_id)), Value::Text(user.id),
                          parent_hash.empty() ? Value::Null() : Value::Text(std::string(parent_hash))};
  if (auto done = txn.Execute(
          "INSERT INTO auth.refresh_tokens (token_hash, session_id, user_id, parent) "
          "VALUES ($1, $2, $3, $4)",
          insert);
      !done) {
    return std::move(done).error();
  }
  const Value key[] = {Value::Text(std::string(session_id))};
  auto session = txn.Query("SELECT aal, amr FROM auth.sessions WHERE id = $1", key);
  if (!session) return std::move(session).error();
  if (session->rows.empty()) {
    return Failure(ErrorCode::kUnauthenticated, "session_not_found", "Session not found");
  }
  const int64_t now = UnixSeconds(clock_.Now());
  IssuedSession issued;
  issued.refresh_token = refresh_token;
  issued.session_id = std::string(session_id);
  issued.expires_in = config_.access_token_ttl.count();
  issued.expires_at = now + issued.expires_in;
  issued.access_token = MintAccessToken(user, session_id, Text(session->rows[0][0]),
                                        Text(session->rows[0][1]), now);
  return issued;
}

Result<IssuedSession> SessionService::Create(store::Transaction& txn, const User& user,
                                             std::string_view method, const ClientInfo& client) {
  const std::string amr = R"([{"method":")" + std::string(method) + R"(","timestamp":)" +
                          std::to_string(UnixSeconds(clock_.Now())) + "}]";
  const Value params[] = {Value::Text(user.id), Value::Text(amr),
                          client.user_agent.empty() ? Value::Null() : Value::Text(client.user_agent),
                          client.ip.empty() ? Value::Null() : Value::Text(client.ip)};
  auto rows = txn.Query(
      "INSERT INTO auth.sessions (user_id, amr, user_agent, ip) VALUES ($1, $2, $3, $4) RETURNING id",
      params);
  if (!rows) return std::move(rows).error();
  const std::string session_id = rows->rows.at(0).at(0).as_text();
  if (Status s = users::SetColumn(txn, user.id, users::kLastSignInAt, FormatTimestamp(clock_.Now()));
      !s) {
    return std::move(s).error();
  }
  return Issue(txn, user, session_id, "");
}

Result<IssuedSession> SessionService::Elevate(store::Transaction& txn, const User& user,
                                              std::string_view session_id,
                                              std::string_view method,
                                              std::string_view factor_id) {
  // The session's amr gains this method (read and written here: JSON functions differ by
  // dialect, and the row is the writer's for the rest of the transaction anyway).
  const Value key_params[] = {Value::Text(std::string(session_id)), Value::Text(user.id)};
  auto current = txn.Query("SELECT amr FROM auth.sessions WHERE id = $1 AND user_id = $2", key_params);
  if (!current) return std::move(current).error();
  if (current->rows.empty()) return Failure(ErrorCode::kUnauthenticated, "session_not_found", "Session not found");
  rapidjson::Document amr;
  const Value& stored = current->rows[0][0];
  if (stored.is_null() || amr.Parse(stored.as_text().c_str()).HasParseError() || !amr.IsArray()) amr.SetArray();
  rapidjson::Value entry(rapidjson::kObjectType);
  entry.AddMember("method", rapidjson::Value(method.data(), static_cast<rapidjson::SizeType>(method.size()), amr.GetAllocator()),
                  amr.GetAllocator());
  entry.AddMember("timestamp", rapidjson::Value(static_cast<int64_t>(UnixSeconds(clock_.Now()))), amr.GetAllocator());
  amr.PushBack(entry, amr.GetAllocator());
  rapidjson::StringBuffer amr_text;
  rapidjson::Writer<rapidjson::StringBuffer> amr_writer(amr_text);
  amr.Accept(amr_writer);
  const Value params[] = {Value::Text(amr_text.GetString()), Value::Text(std::string(factor_id)),
                          Value::Text(std::string(session_id)), Value::Text(user.id)};
  auto done = txn.Execute(
      "UPDATE auth.sessions SET aal = 'aal2', amr = $1, factor_id = $2 WHERE id = $3 AND user_id = $4", params);
  if (!done) return std::move(done).error();
  if (*done == 0) return Failure(ErrorCode::kUnauthenticated, "session_not_found", "Session not found");
  // Tokens issued before the second factor keep aal1: revoke them so they cannot be
  // refreshed into a session that looks older than it is.
  const Value key[] = {Value::Text(std::string(session_id))};
  if (auto revoked = txn.Execute(
          "UPDATE auth.refresh_tokens SET revoked = true WHERE session_id = $1 AND revoked = false", key);
      !revoked) {
    return std::move(revoked).error();
  }
  return Issue(txn, user, session_id, "");
}

Result<SessionService::Refreshed> SessionService::Refresh(store::Transaction& txn,
                                                          std::string_view refresh_token) {
  const std::string hash = crypto::Sha256Hex(refresh_token);
  const Value key[] = {Value::Text(hash)};
  auto rows = txn.Query(
      "SELECT id, session_id, user_id, revoked, updated_at FROM auth.refresh_tokens "
      "WHERE token_hash = $1",
      key);
  if (!rows) return std::move(rows).error();
  if (rows->rows.empty()) {
    return Failure(ErrorCode::kUnauthenticated, "refresh_token_not_found",
                   "Invalid Refresh Token: Refresh Token Not Found");
  }
  const auto& row = rows->rows[0];
  const std::string session_id = row[1].as_text();
  const std::string user_id = row[2].as_text();
  if (row[3].as_bool()) {
    const auto revoked_at = ParseTimestamp(Text(row[4]));
    const bool within_grace =
        revoked_at && clock_.Now() - *revoked_at <= config_.refresh_reuse_interval;
    if (!within_grace) {
      const Value session[] = {Value::Text(session_id)};
      if (auto done = txn.Execute("DELETE FROM auth.sessions WHERE id = $1", session); !done) {
        return std::move(done).error();
      }
      return Failure(ErrorCode::kUnauthenticated, "refresh_token_already_used",
                     "Invalid Refresh Token: Already Used");
    }
    // Two tabs refreshing at once: the second gets a sibling instead of an error.
  }
  auto user = users::FindById(txn, user_id);
  if (!user) return std::move(user).error();
  if (!*user) return Failure(ErrorCode::kUnauthenticated, "user_not_found", "User not found");
  if ((*user)->BannedAt(FormatTimestamp(clock_.Now()))) {
    return Failure(ErrorCode::kPermissionDenied, "user_banned", "User is banned");
  }
  if (!row[3].as_bool()) {
    const Value id[] = {row[0]};
    if (auto done = txn.Execute("UPDATE auth.refresh_tokens SET revoked = true WHERE id = $1", id);
        !done) {
      return std::move(done).error();
    }
  }
  const Value session[] = {Value::Text(session_id)};
  if (auto done = txn.Execute("UPDATE auth.sessions SET refreshed_at = now() WHERE id = $1", session);
      !done) {
    return std::move(done).error();
  }
  auto issued = Issue(txn, **user, session_id, hash);
  if (!issued) return std::move(issued).error();
  return Refreshed{std::move(*issued), std::move(**user)};
}

Status SessionService::Logout(store::Transaction& txn, const policy::Identity& identity,
                              LogoutScope scope) {
  const Value params[] = {Value::Text(identity.user_id), Value::Text(identity.session_id)};
  std::string_view sql;
  switch (scope) {
    case LogoutScope::kLocal:
      sql = "DELETE FROM auth.sessions WHERE user_id = $1 AND id = $2";
      break;
    case LogoutScope::kGlobal:
      sql = "DELETE FROM auth.sessions WHERE user_id = $1 AND CAST($2 AS text) IS NOT NULL";
      break;
    case LogoutScope::kOthers:
      sql = "DELETE FROM auth.sessions WHERE user_id = $1 AND id <> $2";
      break;
  }
  auto done = txn.Execute(sql, params);
  if (!done) return std::move(done).error();
  return Ok();
}

std::string_view SessionService::CheckSql(std::string_view dialect) {
  // On PostgreSQL the caller's role cannot read auth.sessions; a definer function answers
  // for their own session (migrations/postgres/0019).
  return dialect == "postgres" ? "SELECT aal, banned_until FROM kit.session_state($1, $2)"
                               : "SELECT s.aal, u.banned_until FROM auth.sessions s JOIN auth.users u ON u.id = s.user_id "
                                 "WHERE s.id = $1 AND s.user_id = $2 AND u.deleted_at IS NULL";
}

Result<SessionState> SessionService::CheckAnswer(const store::Rows& rows) const {
  if (rows.rows.empty()) {
    return Failure(ErrorCode::kUnauthenticated, "session_not_found",
                   "Session from session_id claim in JWT does not exist");
  }
  const std::string banned_until = Text(rows.rows[0][1]);
  if (!banned_until.empty() && banned_until > FormatTimestamp(clock_.Now())) {
    return Failure(ErrorCode::kPermissionDenied, "user_banned", "User is banned");
  }
  return SessionState{Text(rows.rows[0][0])};
}

}  // namespace tb::auth
