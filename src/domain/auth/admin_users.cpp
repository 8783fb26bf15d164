#include "domain/auth/admin_users.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <array>
#include <limits>

#include "crypto/hash.h"

namespace tb::auth {

namespace {

using store::Value;

constexpr uint64_t kMaxDurationNs = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

Error EmailExists() {
  return Error::WithReason(ErrorCode::kAlreadyExists, "email_exists",
                           "A user with this email address has already been registered");
}

Error UserNotFound() {
  return Error::WithReason(ErrorCode::kNotFound, "user_not_found", "User not found");
}

// Two writers racing for one address: the unique index decides, and the loser hears
// what the earlier lookup would have told it.
Error MapUniqueViolation(Error error) {
  if (error.code == ErrorCode::kConstraint && error.sqlstate == "23505") return EmailExists();
  return error;
}

Error InvalidDuration(std::string_view what, std::string_view text) {
  return Error::Make(ErrorCode::kInvalidArgument,
                     "time: " + std::string(what) + " duration \"" + std::string(text) + "\"");
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Nanoseconds per unit of Go's time.ParseDuration; 0 for an unknown unit.
uint64_t UnitNanoseconds(std::string_view unit) {
  struct Unit {
    std::string_view name;
    uint64_t ns;
  };
  static constexpr std::array<Unit, 8> kUnits = {{{"ns", 1},
                                                  {"us", 1'000},
                                                  {"\xC2\xB5s", 1'000},  // U+00B5 micro sign
                                                  {"\xCE\xBCs", 1'000},  // U+03BC Greek mu
                                                  {"ms", 1'000'000},
                                                  {"s", 1'000'000'000},
                                                  {"m", 60'000'000'000},
                                                  {"h", 3'600'000'000'000}}};
  for (const auto& u : kUnits) {
    if (u.name == unit) return u.ns;
  }
  return 0;
}

// Reads a run of digits from the front of `s` into `value`; false when there is none.
// `overflow` is set when the number does not fit in 64 bits.
bool TakeWhole(std::string_view& s, uint64_t& value, bool& overflow) {
  size_t i = 0;
  for (; i < s.size() && IsDigit(s[i]); ++i) {
    const uint64_t digit = static_cast<uint64_t>(s[i] - '0');
    if (value > (std::numeric_limits<uint64_t>::max() - digit) / 10) overflow = true;
    if (!overflow) value = value * 10 + digit;
  }
  s.remove_prefix(i);
  return i > 0;
}

// Reads the digits after a decimal point: the fraction is value / scale. Digits past the
// 18th are dropped; they cannot move a duration by a whole nanosecond.
bool TakeFraction(std::string_view& s, uint64_t& value, uint64_t& scale) {
  size_t i = 0;
  for (; i < s.size() && IsDigit(s[i]); ++i) {
    if (scale < 1'000'000'000'000'000'000ULL) {
      value = value * 10 + static_cast<uint64_t>(s[i] - '0');
      scale *= 10;
    }
  }
  s.remove_prefix(i);
  return i > 0;
}

std::string WriteJson(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

Result<rapidjson::Document> ParseJsonObject(std::string_view text) {
  rapidjson::Document doc;
  const std::string_view use = text.empty() ? std::string_view("{}") : text;
  doc.Parse(use.data(), use.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return Error::Make(ErrorCode::kInvalidArgument, "metadata must be a JSON object");
  }
  return doc;
}

// Ends the user's unused email codes and links (GoTrue clears them on a password or
// email change: they were issued under the old credentials).
Status RevokeEmailTokens(store::Transaction& txn, std::string_view user_id, std::string_view reason,
                         const std::string& now) {
  const Value params[] = {Value::Text(now), Value::Text(std::string(reason)),
                          Value::Text(std::string(user_id))};
  auto done = txn.Execute(
      "UPDATE one_time_tokens SET revoked = true, revoked_at = $1, revoked_reason = $2 "
      "WHERE target_id = $3 AND used_at IS NULL AND revoked = false",
      params);
  if (!done) return std::move(done).error();
  return Ok();
}

Status EndSessions(store::Transaction& txn, std::string_view user_id) {
  const Value params[] = {Value::Text(std::string(user_id))};
  auto done = txn.Execute("DELETE FROM auth.sessions WHERE user_id = $1", params);
  if (!done) return std::move(done).error();
  return Ok();
}

// Stores MergeMetadata(current, updates) in `column` (raw_user_meta_data or raw_app_meta_data).
Status MergeInto(store::Transaction& txn, std::string_view user_id, std::string_view column,
                 std::string_view current, std::string_view updates) {
  auto merged = MergeMetadata(current, updates);
  if (!merged) return std::move(merged).error();
  return users::SetColumn(txn, user_id, column, std::move(*merged));
}

Result<User> Reload(store::Transaction& txn, std::string_view user_id) {
  auto user = users::FindById(txn, user_id);
  if (!user) return std::move(user).error();
  if (!*user) return UserNotFound();
  return std::move(**user);
}

}  // namespace

Result<std::chrono::nanoseconds> ParseGoDuration(std::string_view text) {
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return std::chrono::nanoseconds(0);
  if (s.empty()) return InvalidDuration("invalid", text);
  uint64_t total = 0;
  while (!s.empty()) {
    uint64_t whole = 0, fraction = 0, fraction_scale = 1;
    bool overflow = false;
    const bool has_whole = TakeWhole(s, whole, overflow);
    bool has_fraction = false;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      has_fraction = TakeFraction(s, fraction, fraction_scale);
    }
    if (!has_whole && !has_fraction) return InvalidDuration("invalid", text);
    size_t unit_end = 0;
    while (unit_end < s.size() && s[unit_end] != '.' && !IsDigit(s[unit_end])) ++unit_end;
    if (unit_end == 0) return InvalidDuration("missing unit in", text);
    const std::string_view unit = s.substr(0, unit_end);
    s.remove_prefix(unit_end);
    const uint64_t unit_ns = UnitNanoseconds(unit);
    if (unit_ns == 0) {
      return Error::Make(ErrorCode::kInvalidArgument, "time: unknown unit \"" + std::string(unit) +
                                                          "\" in duration \"" + std::string(text) + "\"");
    }
    if (overflow || whole > kMaxDurationNs / unit_ns) return InvalidDuration("invalid", text);
    uint64_t part = whole * unit_ns;
    if (fraction > 0) {
      part += static_cast<uint64_t>(static_cast<long double>(fraction) * unit_ns / fraction_scale);
    }
    if (part > kMaxDurationNs - total) return InvalidDuration("invalid", text);
    total += part;
  }
  const auto signed_total = static_cast<int64_t>(total);
  return std::chrono::nanoseconds(negative ? -signed_total : signed_total);
}

Result<std::string> MergeMetadata(std::string_view current, std::string_view updates) {
  auto base = ParseJsonObject(current);
  if (!base) return std::move(base).error();
  auto changes = ParseJsonObject(updates);
  if (!changes) return std::move(changes).error();
  auto& allocator = base->GetAllocator();
  for (auto& change : changes->GetObject()) {
    const auto existing = base->FindMember(change.name);
    if (change.value.IsNull()) {
      if (existing != base->MemberEnd()) base->EraseMember(existing);
    } else if (existing != base->MemberEnd()) {
      existing->value.CopyFrom(change.value, allocator);
    } else {
      base->AddMember(rapidjson::Value(change.name, allocator), rapidjson::Value(change.value, allocator),
                      allocator);
    }
  }
  return WriteJson(*base);
}

Result<User> AdminUsers::Create(store::Transaction& txn, const UserAttributes& attributes) const {
  if (!attributes.email || attributes.email->empty()) {
    return Error::Make(ErrorCode::kInvalidArgument, "Cannot create a user without an email");
  }
  auto taken = users::FindByEmail(txn, *attributes.email);
  if (!taken) return std::move(taken).error();
  if (*taken) return EmailExists();

  NewUser fields;
  fields.email = *attributes.email;
  fields.encrypted_password = attributes.encrypted_password.value_or("");
  if (attributes.user_metadata) fields.user_metadata = *attributes.user_metadata;
  if (attributes.app_metadata) {
    auto merged = MergeMetadata(fields.app_metadata, *attributes.app_metadata);
    if (!merged) return std::move(merged).error();
    fields.app_metadata = std::move(*merged);
  }
  fields.confirmed = attributes.confirm_email;
  auto user = users::Create(txn, fields);
  if (!user) return MapUniqueViolation(std::move(user).error());
  if (!attributes.ban) return user;
  if (Status s = SetBan(txn, user->id, *attributes.ban); !s) return std::move(s).error();
  return Reload(txn, user->id);
}

Result<User> AdminUsers::Update(store::Transaction& txn, std::string_view user_id,
                                const UserAttributes& attributes) const {
  auto found = Reload(txn, user_id);
  if (!found) return found;
  const User& user = *found;
  if (attributes.email && *attributes.email != user.email) {
    if (Status s = SetEmail(txn, user, *attributes.email); !s) return std::move(s).error();
  }
  if (attributes.confirm_email && !user.confirmed()) {
    if (Status s = users::SetColumn(txn, user.id, users::kEmailConfirmedAt, FormatTimestamp(clock_.Now()));
        !s) {
      return std::move(s).error();
    }
  }
  if (attributes.encrypted_password) {
    if (Status s = SetPassword(txn, user.id, *attributes.encrypted_password); !s) return std::move(s).error();
  }
  if (attributes.user_metadata) {
    if (Status s = MergeInto(txn, user.id, users::kRawUserMetaData, user.raw_user_meta_data,
                             *attributes.user_metadata);
        !s) {
      return std::move(s).error();
    }
  }
  if (attributes.app_metadata) {
    if (Status s = MergeInto(txn, user.id, users::kRawAppMetaData, user.raw_app_meta_data,
                             *attributes.app_metadata);
        !s) {
      return std::move(s).error();
    }
  }
  if (attributes.ban) {
    if (Status s = SetBan(txn, user.id, *attributes.ban); !s) return std::move(s).error();
  }
  return Reload(txn, user.id);
}

Result<UserPage> AdminUsers::List(store::Transaction& txn, uint64_t page, uint64_t per_page) const {
  UserPage result;
  auto total = users::Count(txn);
  if (!total) return std::move(total).error();
  result.total = *total;
  // Compare before multiplying: a huge page number must not overflow into a real offset.
  if (page - 1 > static_cast<uint64_t>(result.total) / per_page) return result;
  const uint64_t offset = (page - 1) * per_page;
  if (offset >= static_cast<uint64_t>(result.total)) return result;
  const uint64_t limit = std::min<uint64_t>(per_page, static_cast<uint64_t>(result.total) - offset);
  auto listed = users::ListPage(txn, static_cast<int64_t>(limit), static_cast<int64_t>(offset));
  if (!listed) return std::move(listed).error();
  result.users = std::move(*listed);
  return result;
}

Status AdminUsers::Delete(store::Transaction& txn, std::string_view user_id, DeleteMode mode) const {
  if (mode == DeleteMode::kSoft) return SoftDelete(txn, user_id);
  auto deleted = users::Delete(txn, user_id);
  if (!deleted) return std::move(deleted).error();
  if (!*deleted) return UserNotFound();
  return Ok();
}

Status AdminUsers::SetBan(store::Transaction& txn, std::string_view user_id,
                          std::chrono::nanoseconds duration) const {
  std::optional<std::string> until;
  if (duration.count() != 0) {
    until = FormatTimestamp(clock_.Now() + std::chrono::duration_cast<std::chrono::microseconds>(duration));
  }
  return users::SetColumn(txn, user_id, users::kBannedUntil, std::move(until));
}

Status AdminUsers::SetEmail(store::Transaction& txn, const User& user, const std::string& email) const {
  auto taken = users::FindByEmail(txn, email);
  if (!taken) return std::move(taken).error();
  if (*taken) return EmailExists();
  if (Status s = users::SetColumn(txn, user.id, users::kEmail, email); !s) {
    return MapUniqueViolation(std::move(s).error());
  }
  // A pending change to another address is moot now, and so are codes sent to the old one.
  for (const auto column : {users::kEmailChange, users::kEmailChangeSentAt}) {
    if (Status s = users::SetColumn(txn, user.id, column, std::nullopt); !s) return s;
  }
  return RevokeEmailTokens(txn, user.id, "email_changed", FormatTimestamp(clock_.Now()));
}

Status AdminUsers::SetPassword(store::Transaction& txn, std::string_view user_id,
                               const std::string& encrypted_password) const {
  if (Status s = users::SetColumn(txn, user_id, users::kEncryptedPassword, encrypted_password); !s) {
    return s;
  }
  if (Status s = EndSessions(txn, user_id); !s) return s;
  return RevokeEmailTokens(txn, user_id, "password_changed", FormatTimestamp(clock_.Now()));
}

Status AdminUsers::SoftDelete(store::Transaction& txn, std::string_view user_id) const {
  auto found = users::FindById(txn, user_id);
  if (!found) return std::move(found).error();
  const Value id[] = {Value::Text(std::string(user_id))};
  if (!*found) {
    auto row = txn.Query("SELECT 1 FROM auth.users WHERE id = $1", id);
    if (!row) return std::move(row).error();
    if (row->rows.empty()) return UserNotFound();
    return Ok();  // soft-deleted before
  }
  const User& user = **found;
  const std::string now = FormatTimestamp(clock_.Now());
  // Still a valid, unique address (the schema checks both), tied to this id and the old
  // address so an operator holding both can recognise it; nobody can sign in with it.
  const Value scrambled = user.email.empty()
                              ? Value::Null()
                              : Value::Text(crypto::Sha256Hex(user.id + user.email) + "@deleted.invalid");
  const Value params[] = {scrambled, Value::Text(now), Value::Text(user.id)};
  if (auto done = txn.Execute(
          "UPDATE auth.users SET email = $1, email_change = NULL, email_change_sent_at = NULL, "
          "encrypted_password = NULL, deleted_at = $2 WHERE id = $3",
          params);
      !done) {
    return std::move(done).error();
  }
  if (Status s = EndSessions(txn, user.id); !s) return s;
  if (auto done = txn.Execute("DELETE FROM auth.mfa_factors WHERE user_id = $1", id); !done) {
    return std::move(done).error();
  }
  return RevokeEmailTokens(txn, user.id, "user_deleted", now);
}

}  // namespace tb::auth
