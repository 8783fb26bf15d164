#include "domain/auth/email_tokens.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <vector>

#include "base/strings.h"
#include "crypto/hash.h"
#include "crypto/random.h"

namespace tb::auth {

namespace {

using store::Value;

// Domain separation for the key: the JWT secret signs tokens; this derivation hashes codes.
constexpr std::string_view kKeyLabel = "tenantbase one_time_tokens v1";
constexpr size_t kMaxLinkTokenLength = 128;

Error Invalid() {
  return Error::WithReason(ErrorCode::kPermissionDenied, "otp_expired", "Token has expired or is invalid");
}

std::string Text(const Value& v) { return v.is_null() ? std::string() : v.as_text(); }

// The `type` GoTrue puts in its links for each flow.
const char* LinkType(EmailPurpose purpose) {
  switch (purpose) {
    case EmailPurpose::kSignup: return "signup";
    case EmailPurpose::kRecovery: return "recovery";
    case EmailPurpose::kEmailChange: return "email_change";
    case EmailPurpose::kEmailOtp: return "magiclink";
  }
  return "signup";
}

std::string_view SentAtColumn(EmailPurpose purpose) {
  switch (purpose) {
    case EmailPurpose::kSignup: return users::kConfirmationSentAt;
    case EmailPurpose::kRecovery: return users::kRecoverySentAt;
    case EmailPurpose::kEmailChange: return users::kEmailChangeSentAt;
    // GoTrue records a magic link as a recovery token; so do we, for recovery_sent_at.
    case EmailPurpose::kEmailOtp: return users::kRecoverySentAt;
  }
  return users::kConfirmationSentAt;
}

std::optional<EmailPurpose> PurposeFromName(std::string_view name) {
  for (EmailPurpose p : {EmailPurpose::kSignup, EmailPurpose::kRecovery, EmailPurpose::kEmailChange,
                         EmailPurpose::kEmailOtp}) {
    if (name == PurposeName(p)) return p;
  }
  return std::nullopt;
}

bool IsSixDigits(std::string_view code) {
  return code.size() == 6 && std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; });
}

struct Metadata {
  std::string group;
  std::string kind;  // "code" | "link"
  std::string email;
};

std::string MetadataJson(const Metadata& m) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  const auto field = [&w](const char* key, const std::string& value) {
    w.Key(key);
    w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  };
  w.StartObject();
  field("group", m.group);
  field("kind", m.kind);
  field("email", m.email);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

Metadata ParseMetadata(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  Metadata m;
  if (!doc.IsObject()) return m;
  const auto get = [&doc](const char* name) {
    const auto it = doc.FindMember(name);
    return it != doc.MemberEnd() && it->value.IsString()
               ? std::string(it->value.GetString(), it->value.GetStringLength())
               : std::string();
  };
  return Metadata{get("group"), get("kind"), get("email")};
}

std::string Subject(EmailPurpose purpose) {
  switch (purpose) {
    case EmailPurpose::kSignup: return "Confirm your signup";
    case EmailPurpose::kRecovery: return "Reset your password";
    case EmailPurpose::kEmailChange: return "Confirm your new email address";
    case EmailPurpose::kEmailOtp: return "Your sign-in code";
  }
  return "Your code";
}

std::string Body(EmailPurpose purpose, std::string_view link, std::string_view code,
                 std::chrono::seconds ttl) {
  std::string intro;
  switch (purpose) {
    case EmailPurpose::kSignup: intro = "Follow this link to confirm your email address:"; break;
    case EmailPurpose::kRecovery: intro = "Follow this link to reset your password:"; break;
    case EmailPurpose::kEmailChange: intro = "Follow this link to confirm your new email address:"; break;
    case EmailPurpose::kEmailOtp: intro = "Follow this link to sign in:"; break;
  }
  const long minutes = std::max<long>(1, static_cast<long>(ttl.count() / 60));
  return intro + "\n\n" + std::string(link) + "\n\nOr enter this code: " + std::string(code) +
         "\n\nThe link and the code work once and expire in " + std::to_string(minutes) +
         " minutes.\nIf you did not ask for this, you can ignore this message.\n";
}

}  // namespace

const char* PurposeName(EmailPurpose purpose) {
  switch (purpose) {
    case EmailPurpose::kSignup: return "signup";
    case EmailPurpose::kRecovery: return "recovery";
    case EmailPurpose::kEmailChange: return "email_change";
    case EmailPurpose::kEmailOtp: return "email_otp";
  }
  return "signup";
}

std::string AllowedRedirect(const AuthConfig& config, std::string_view requested) {
  const std::string& site = config.site_url;
  const bool clean = std::none_of(requested.begin(), requested.end(), [](char c) {
    return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f;
  });
  if (requested.empty() || !clean || !requested.starts_with(site)) return site;
  if (requested.size() == site.size() || (!site.empty() && site.back() == '/')) return std::string(requested);
  const char next = requested[site.size()];
  return next == '/' || next == '?' || next == '#' ? std::string(requested) : site;
}

// One row of one_time_tokens that may be the one presented.
struct EmailTokens::Candidate {
  std::string id;
  std::string token;  // the stored hash
  std::string target_id;
  EmailPurpose purpose = EmailPurpose::kSignup;
  Metadata metadata;
  bool live = false;  // unused, unrevoked, unexpired and (for codes) attempts left
};

EmailTokens::EmailTokens(const AuthConfig& config, const Clock& clock)
    : config_(config), clock_(clock), key_(crypto::HmacSha256(config.jwt_secret, kKeyLabel)) {}

// A code has a million values: its hash is keyed (a database copy alone cannot test
// guesses) and salted with its row id (equal codes do not give equal hashes).
std::string EmailTokens::CodeHash(std::string_view row_id, std::string_view code) const {
  return crypto::ToHex(crypto::HmacSha256(key_, "code:" + std::string(row_id) + ":" + std::string(code)));
}

// A link token is 192 random bits: no salt needed, so it can be found by its hash.
std::string EmailTokens::LinkHash(std::string_view token) const {
  return crypto::ToHex(crypto::HmacSha256(key_, "link:" + std::string(token)));
}

Result<mail::Message> EmailTokens::Issue(store::Transaction& txn, const User& user, EmailPurpose purpose,
                                         std::string_view to_email, const ClientInfo& client,
                                         std::string_view redirect_to) {
  if (to_email.empty()) return Error::Make(ErrorCode::kInvalidArgument, "an email address is required");
  const SystemTime now = clock_.Now();
  const std::string now_text = FormatTimestamp(now);
  const Value revoke[] = {Value::Text(now_text), Value::Text(user.id), Value::Text(PurposeName(purpose))};
  if (auto done = txn.Execute(
          "UPDATE one_time_tokens SET revoked = true, revoked_at = $1, revoked_reason = 'superseded' "
          "WHERE target_id = $2 AND purpose = $3 AND used_at IS NULL AND revoked = false",
          revoke);
      !done) {
    return std::move(done).error();
  }

  const std::string code = crypto::RandomSixDigitCode();
  const std::string link_token = crypto::RandomHex(24);
  const std::string group = crypto::RandomUuid();
  const std::string code_id = crypto::RandomUuid();
  const std::string link_id = crypto::RandomUuid();
  const std::pair<std::string_view, std::string> rows[] = {
      {code_id, CodeHash(code_id, code)}, {link_id, LinkHash(link_token)}};
  for (const auto& [id, hash] : rows) {
    const Metadata metadata{group, id == code_id ? "code" : "link", std::string(to_email)};
    const Value insert[] = {
        Value::Text(std::string(id)), Value::Text(hash), Value::Text(user.id),
        Value::Text(PurposeName(purpose)), Value::Text(MetadataJson(metadata)),
        client.ip.empty() ? Value::Null() : Value::Text(client.ip),
        client.user_agent.empty() ? Value::Null() : Value::Text(client.user_agent),
        Value::Text(now_text), Value::Text(FormatTimestamp(now + config_.email_token_ttl))};
    if (auto done = txn.Execute(
            "INSERT INTO one_time_tokens (id, token, target_id, purpose, metadata, ip_address, "
            "user_agent, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            insert);
        !done) {
      return std::move(done).error();
    }
  }
  if (Status s = users::SetColumn(txn, user.id, SentAtColumn(purpose), now_text); !s) return std::move(s).error();
  if (purpose == EmailPurpose::kEmailChange) {
    if (Status s = users::SetColumn(txn, user.id, users::kEmailChange, std::string(to_email)); !s) {
      return std::move(s).error();
    }
  }
  const std::string link = config_.issuer + "/verify?token=" + link_token + "&type=" + LinkType(purpose) +
                           "&redirect_to=" + PercentEncode(AllowedRedirect(config_, redirect_to));
  return mail::Message{std::string(to_email), Subject(purpose), Body(purpose, link, code, config_.email_token_ttl)};
}

Result<VerifiedToken> EmailTokens::VerifyCode(store::Transaction& txn, std::string_view email,
                                              std::span<const EmailPurpose> purposes, std::string_view code,
                                              const ClientInfo& client) {
  if (email.empty() || purposes.empty() || !IsSixDigits(code)) return Invalid();
  // The address is the user's own (sign-up, recovery, OTP) or their pending new one.
  std::string sql =
      "SELECT t.id, t.token, t.target_id, t.purpose, t.metadata, t.expires_at, t.verification_attempts "
      "FROM auth.users u JOIN one_time_tokens t ON t.target_id = u.id "
      "WHERE (u.email = $1 OR u.email_change = $1) AND u.deleted_at IS NULL "
      "AND t.used_at IS NULL AND t.revoked = false AND t.purpose IN (";
  std::vector<Value> params = {Value::Text(std::string(email))};
  for (EmailPurpose p : purposes) {
    params.push_back(Value::Text(PurposeName(p)));
    sql += (params.size() > 2 ? ", $" : "$") + std::to_string(params.size());
  }
  sql += ") ORDER BY t.created_at, t.id";
  auto rows = txn.Query(sql, params);
  if (!rows) return std::move(rows).error();

  const SystemTime now = clock_.Now();
  std::vector<Candidate> live;
  for (const auto& r : rows->rows) {
    const auto purpose = PurposeFromName(Text(r[3]));
    const auto expires_at = ParseTimestamp(Text(r[5]));
    Candidate c{Text(r[0]), Text(r[1]), Text(r[2]), purpose.value_or(EmailPurpose::kSignup),
                ParseMetadata(Text(r[4])), false};
    c.live = purpose && expires_at && *expires_at > now && r[6].as_int() < config_.max_verification_attempts &&
             c.metadata.kind == "code" && c.metadata.email == email;
    if (c.live) live.push_back(std::move(c));
  }
  for (const Candidate& c : live) {
    if (crypto::ConstantTimeEquals(CodeHash(c.id, code), c.token)) return Consume(txn, c, client);
  }
  // A wrong guess costs every live code for this address one of its attempts.
  for (const Candidate& c : live) {
    const Value attempt[] = {Value::Text(FormatTimestamp(now)),
                             client.ip.empty() ? Value::Null() : Value::Text(client.ip),
                             client.user_agent.empty() ? Value::Null() : Value::Text(client.user_agent),
                             Value::Text(c.id)};
    if (auto done = txn.Execute(
            "UPDATE one_time_tokens SET verification_attempts = verification_attempts + 1, "
            "last_verification_at = $1, last_verification_ip = $2, last_verification_user_agent = $3 "
            "WHERE id = $4",
            attempt);
        !done) {
      return std::move(done).error();
    }
  }
  return Invalid();
}

Result<VerifiedToken> EmailTokens::VerifyLink(store::Transaction& txn, std::string_view token,
                                              std::span<const EmailPurpose> purposes, const ClientInfo& client) {
  if (token.empty() || token.size() > kMaxLinkTokenLength) return Invalid();
  const std::string hash = LinkHash(token);
  const Value key[] = {Value::Text(hash)};
  auto rows = txn.Query(
      "SELECT id, token, target_id, purpose, metadata, expires_at, used_at, revoked "
      "FROM one_time_tokens WHERE token = $1",
      key);
  if (!rows) return std::move(rows).error();
  for (const auto& r : rows->rows) {
    const auto purpose = PurposeFromName(Text(r[3]));
    const auto expires_at = ParseTimestamp(Text(r[5]));
    Candidate c{Text(r[0]), Text(r[1]), Text(r[2]), purpose.value_or(EmailPurpose::kSignup),
                ParseMetadata(Text(r[4])), false};
    const bool wanted = purpose && std::find(purposes.begin(), purposes.end(), *purpose) != purposes.end();
    c.live = wanted && c.metadata.kind == "link" && r[6].is_null() && !r[7].as_bool() && expires_at &&
             *expires_at > clock_.Now();
    if (c.live && crypto::ConstantTimeEquals(hash, c.token)) return Consume(txn, c, client);
  }
  return Invalid();
}

Result<VerifiedToken> EmailTokens::Consume(store::Transaction& txn, const Candidate& token,
                                           const ClientInfo& client) {
  const std::string now = FormatTimestamp(clock_.Now());
  const Value use[] = {Value::Text(now), client.ip.empty() ? Value::Null() : Value::Text(client.ip),
                       client.user_agent.empty() ? Value::Null() : Value::Text(client.user_agent),
                       Value::Text(token.id)};
  auto used = txn.Execute(
      "UPDATE one_time_tokens SET used_at = $1, last_verification_at = $1, last_verification_ip = $2, "
      "last_verification_user_agent = $3 WHERE id = $4 AND used_at IS NULL AND revoked = false",
      use);
  if (!used) return std::move(used).error();
  if (*used == 0) return Invalid();
  // The code and the link of one message are one token: using either ends both.
  const Value siblings[] = {Value::Text(now), Value::Text(token.target_id),
                            Value::Text(PurposeName(token.purpose))};
  if (auto done = txn.Execute(
          "UPDATE one_time_tokens SET revoked = true, revoked_at = $1, revoked_reason = 'sibling_used' "
          "WHERE target_id = $2 AND purpose = $3 AND used_at IS NULL AND revoked = false",
          siblings);
      !done) {
    return std::move(done).error();
  }
  auto user = users::FindById(txn, token.target_id);
  if (!user) return std::move(user).error();
  if (!*user) return Invalid();
  return VerifiedToken{std::move(**user), token.purpose, token.metadata.email};
}

Result<User> EmailTokens::Apply(store::Transaction& txn, const VerifiedToken& verified) {
  const std::string now = FormatTimestamp(clock_.Now());
  const User& user = verified.user;
  if (verified.purpose == EmailPurpose::kEmailChange) {
    if (user.email_change.empty() || user.email_change != verified.email) return Invalid();
    auto taken = users::FindByEmail(txn, verified.email);
    if (!taken) return std::move(taken).error();
    if (*taken && (*taken)->id != user.id) {
      return Error::WithReason(ErrorCode::kAlreadyExists, "email_exists",
                               "A user with this email address has already been registered");
    }
    if (Status s = users::SetColumn(txn, user.id, users::kEmail, verified.email); !s) return std::move(s).error();
    if (Status s = users::SetColumn(txn, user.id, users::kEmailChange, std::nullopt); !s) {
      return std::move(s).error();
    }
    // Messages sent to the old address must not act on the account any more.
    const Value revoke[] = {Value::Text(now), Value::Text(user.id)};
    if (auto done = txn.Execute(
            "UPDATE one_time_tokens SET revoked = true, revoked_at = $1, revoked_reason = 'email_changed' "
            "WHERE target_id = $2 AND used_at IS NULL AND revoked = false",
            revoke);
        !done) {
      return std::move(done).error();
    }
  }
  if (!user.confirmed()) {
    if (Status s = users::SetColumn(txn, user.id, users::kEmailConfirmedAt, now); !s) return std::move(s).error();
  }
  auto reloaded = users::FindById(txn, user.id);
  if (!reloaded) return std::move(reloaded).error();
  if (!*reloaded) return Invalid();
  return std::move(**reloaded);
}

}  // namespace tb::auth
