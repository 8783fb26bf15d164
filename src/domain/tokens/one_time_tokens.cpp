#include "domain/tokens/one_time_tokens.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <vector>

#include "crypto/hash.h"
#include "crypto/random.h"
#include "domain/workflow_errors.h"

namespace tb::tokens {

namespace {

using store::Value;
using domain::BadArgument;

constexpr int64_t kMaxLifetimeSeconds = 30 * 24 * 3600;
constexpr std::string_view kCodePrefix = "c:";
constexpr std::string_view kLinkPrefix = "l:";
// Auth keeps its email codes in the same table under these purposes.
constexpr std::string_view kAuthPurposes[] = {"signup", "recovery", "email_change", "magiclink"};

bool IsSixDigits(std::string_view s) {
  return s.size() == 6 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The strings of a JSON array of strings; nullopt when `json` is anything else.
std::optional<std::set<std::string>> StringSet(std::string_view json) {
  rapidjson::Document doc;
  if (doc.Parse(json.data(), json.size()).HasParseError() || !doc.IsArray()) return std::nullopt;
  std::set<std::string> out;
  for (const auto& v : doc.GetArray()) {
    if (!v.IsString()) return std::nullopt;
    out.emplace(v.GetString(), v.GetStringLength());
  }
  return out;
}

bool IsObject(std::string_view json) {
  rapidjson::Document doc;
  return !doc.Parse(json.data(), json.size()).HasParseError() && doc.IsObject();
}

Verified Invalid(std::string message) {
  Verified v;
  v.message = std::move(message);
  return v;
}

}  // namespace

OneTimeTokens::OneTimeTokens(std::string_view server_secret, const Clock& clock)
    : key_(crypto::HmacSha256(server_secret, "tenantbase one_time_tokens v1")), clock_(clock) {}

std::string OneTimeTokens::CodeHash(std::string_view id, std::string_view code) const {
  return std::string(kCodePrefix) + crypto::ToHex(crypto::HmacSha256(key_, "code:" + std::string(id) + ":" + std::string(code)));
}

std::string OneTimeTokens::LinkHash(std::string_view token) const {
  return std::string(kLinkPrefix) + crypto::ToHex(crypto::HmacSha256(key_, "link:" + std::string(token)));
}

Result<Created> OneTimeTokens::Create(store::Transaction& txn, const CreateRequest& r, const ClientInfo& client) const {
  if (r.target_id.empty()) return BadArgument("a one-time token needs a user");
  if (r.purpose.empty() || r.purpose.size() > 255) return BadArgument("purpose must be 1 to 255 characters");
  if (std::find(std::begin(kAuthPurposes), std::end(kAuthPurposes), r.purpose) != std::end(kAuthPurposes)) {
    return BadArgument("purpose \"" + r.purpose + "\" is reserved for auth");
  }
  if (r.expires_in_seconds < 1 || r.expires_in_seconds > kMaxLifetimeSeconds) {
    return BadArgument("expires_in_seconds must be between 1 and " + std::to_string(kMaxLifetimeSeconds));
  }
  if (r.format != "code" && r.format != "link") return BadArgument("format must be 'code' or 'link'");
  if (!StringSet(r.scopes_json)) return BadArgument("scopes must be an array of strings");
  if (!IsObject(r.metadata_json)) return BadArgument("metadata must be a JSON object");

  const SystemTime now = clock_.Now();
  const std::string now_text = FormatTimestamp(now);
  Created created;
  if (r.revoke_previous) {
    const Value params[] = {Value::Text(r.target_id), Value::Text(r.purpose), Value::Text(now_text)};
    auto revoked = txn.Execute(
        "UPDATE one_time_tokens SET revoked = true, revoked_reason = 'superseded', revoked_at = $3 "
        "WHERE target_id = $1 AND purpose = $2 AND used_at IS NULL AND revoked = false",
        params);
    if (!revoked) return std::move(revoked).error();
    created.revoked_previous_count = *revoked;
  }
  created.id = crypto::RandomUuid();
  created.token = r.format == "code" ? crypto::RandomSixDigitCode() : crypto::RandomHex(32);
  created.expires_at = FormatTimestamp(now + std::chrono::seconds(r.expires_in_seconds));
  const Value row[] = {Value::Text(created.id),
                       Value::Text(r.format == "code" ? CodeHash(created.id, created.token) : LinkHash(created.token)),
                       Value::Text(r.target_id),
                       Value::Text(r.purpose),
                       Value::Text(r.scopes_json),
                       Value::Text(r.metadata_json),
                       client.ip.empty() ? Value::Null() : Value::Text(client.ip),
                       client.user_agent.empty() ? Value::Null() : Value::Text(client.user_agent),
                       Value::Text(now_text),
                       Value::Text(created.expires_at)};
  auto inserted = txn.Execute(
      "INSERT INTO one_time_tokens (id, token, target_id, purpose, scopes, metadata, ip_address, user_agent, "
      "created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
      row);
  if (!inserted) return std::move(inserted).error();
  return created;
}

Result<Verified> OneTimeTokens::Verify(store::Transaction& txn, const VerifyRequest& r, const ClientInfo& client) const {
  auto required = StringSet(r.required_scopes_json);
  if (!required) return BadArgument("required_scopes must be an array of strings");
  if (r.max_verification_attempts < 1) return BadArgument("max_verification_attempts must be at least 1");
  const std::string now = FormatTimestamp(clock_.Now());
  const bool code = IsSixDigits(r.token);
  if (code && r.user_id.empty()) return BadArgument("a code is verified for a user: pass user_id");

  // The live tokens this one could be: the user's codes for the purpose, or the one link.
  std::vector<std::vector<Value>> candidates;
  const char* kColumns = "SELECT id, token, target_id, scopes, metadata, expires_at, verification_attempts FROM one_time_tokens ";
  if (code) {
    const Value params[] = {Value::Text(r.user_id), Value::Text(r.purpose)};
    auto rows = txn.Query(std::string(kColumns) +
                              "WHERE target_id = $1 AND purpose = $2 AND used_at IS NULL AND revoked = false "
                              "AND token LIKE 'c:%' ORDER BY created_at DESC",
                          params);
    if (!rows) return std::move(rows).error();
    candidates = std::move(rows->rows);
  } else {
    const Value params[] = {Value::Text(LinkHash(r.token)), Value::Text(r.purpose)};
    auto rows = txn.Query(std::string(kColumns) + "WHERE token = $1 AND purpose = $2 AND used_at IS NULL AND revoked = false",
                          params);
    if (!rows) return std::move(rows).error();
    if (!r.user_id.empty()) {
      std::erase_if(rows->rows, [&](const std::vector<Value>& row) { return row[2].as_text() != r.user_id; });
    }
    candidates = std::move(rows->rows);
  }
  const std::vector<Value>* match = nullptr;
  for (const auto& row : candidates) {
    const std::string expected = code ? CodeHash(row[0].as_text(), r.token) : LinkHash(r.token);
    // Compare every candidate, so the time taken does not say which one matched.
    if (crypto::ConstantTimeEquals(expected, row[1].as_text()) && match == nullptr) match = &row;
  }

  auto record = [&](const std::string& id, bool used, bool revoke) -> Status {
    const Value params[] = {Value::Text(id), Value::Text(now), Value::Bool(used), Value::Bool(revoke),
                            client.ip.empty() ? Value::Null() : Value::Text(client.ip),
                            client.user_agent.empty() ? Value::Null() : Value::Text(client.user_agent)};
    auto done = txn.Execute(
        "UPDATE one_time_tokens SET verification_attempts = verification_attempts + 1, last_verification_at = $2, "
        "last_verification_ip = $5, last_verification_user_agent = $6, "
        "used_at = CASE WHEN $3 THEN $2 ELSE used_at END, "
        "revoked = CASE WHEN $4 THEN true ELSE revoked END, "
        "revoked_reason = CASE WHEN $4 THEN 'too many verification attempts' ELSE revoked_reason END, "
        "revoked_at = CASE WHEN $4 THEN $2 ELSE revoked_at END WHERE id = $1",
        params);
    if (!done) return std::move(done).error();
    return Ok();
  };

  if (match == nullptr) {
    // A wrong code counts against every live code of the user and purpose.
    for (const auto& row : candidates) {
      if (row[5].as_text() <= now) continue;
      const bool exhausted = row[6].as_int() + 1 >= r.max_verification_attempts;
      if (Status s = record(row[0].as_text(), false, exhausted); !s) return std::move(s).error();
    }
    return Invalid("Invalid or expired token");
  }
  const std::vector<Value>& row = *match;
  if (row[5].as_text() <= now) return Invalid("Invalid or expired token");
  if (row[6].as_int() >= r.max_verification_attempts) {
    if (Status s = record(row[0].as_text(), false, true); !s) return std::move(s).error();
    return Invalid("Too many verification attempts");
  }
  auto granted = StringSet(row[3].as_text());
  const bool covers = granted && std::includes(granted->begin(), granted->end(), required->begin(), required->end());
  if (!covers) {
    if (Status s = record(row[0].as_text(), false, false); !s) return std::move(s).error();
    return Invalid("The token does not grant the required scopes");
  }
  if (Status s = record(row[0].as_text(), true, false); !s) return std::move(s).error();
  Verified v;
  v.valid = true;
  v.user_id = row[2].is_null() ? "" : row[2].as_text();
  v.scopes_json = row[3].as_text();
  v.metadata_json = row[4].as_text();
  v.purpose = r.purpose;
  v.message = "Token verified";
  return v;
}

Result<bool> OneTimeTokens::Revoke(store::Transaction& txn, std::string_view id, std::string_view owner,
                                   std::string_view reason) const {
  const Value params[] = {Value::Text(std::string(id)), Value::Text(std::string(owner)),
                          Value::Text(reason.empty() ? std::string("revoked") : std::string(reason)),
                          Value::Text(FormatTimestamp(clock_.Now()))};
  auto done = txn.Execute(
      "UPDATE one_time_tokens SET revoked = true, revoked_reason = $3, revoked_at = $4 "
      "WHERE id = $1 AND ($2 = '' OR CAST(target_id AS text) = $2) AND revoked = false AND used_at IS NULL "
      "AND purpose NOT IN ('signup', 'recovery', 'email_change', 'magiclink')",
      params);
  if (!done) return std::move(done).error();
  return *done > 0;
}

Result<store::Rows> OneTimeTokens::StatusOf(store::Transaction& txn, std::string_view id, std::string_view owner) const {
  const Value params[] = {Value::Text(std::string(id)), Value::Text(std::string(owner)),
                          Value::Text(FormatTimestamp(clock_.Now()))};
  auto rows = txn.Query(
      "SELECT id, purpose, scopes, created_at, expires_at, used_at, revoked, revoked_reason, verification_attempts, "
      "CASE WHEN used_at IS NOT NULL THEN 'used' WHEN revoked THEN 'revoked' WHEN expires_at <= $3 THEN 'expired' "
      "ELSE 'active' END AS status FROM one_time_tokens "
      "WHERE id = $1 AND ($2 = '' OR CAST(target_id AS text) = $2) AND purpose NOT IN ('signup', 'recovery', 'email_change', 'magiclink')",
      params);
  return rows;
}

}  // namespace tb::tokens
