#include "domain/auth/user.h"

#include <array>

#include "base/strings.h"

namespace tb::auth {

namespace {

using store::Value;

constexpr std::string_view kUserColumns =
    "id, aud, role, email, encrypted_password, email_confirmed_at, confirmation_sent_at, "
    "recovery_sent_at, email_change, email_change_sent_at, last_sign_in_at, raw_app_meta_data, "
    "raw_user_meta_data, phone, banned_until, created_at, updated_at, is_anonymous";

std::string TextOrEmpty(const Value& v) { return v.is_null() ? std::string() : v.as_text(); }

User UserFromRow(const std::vector<Value>& r) {
  User u;
  u.id = TextOrEmpty(r[0]);
  u.aud = TextOrEmpty(r[1]);
  u.role = TextOrEmpty(r[2]);
  u.email = TextOrEmpty(r[3]);
  u.encrypted_password = TextOrEmpty(r[4]);
  u.email_confirmed_at = TextOrEmpty(r[5]);
  u.confirmation_sent_at = TextOrEmpty(r[6]);
  u.recovery_sent_at = TextOrEmpty(r[7]);
  u.email_change = TextOrEmpty(r[8]);
  u.email_change_sent_at = TextOrEmpty(r[9]);
  u.last_sign_in_at = TextOrEmpty(r[10]);
  u.raw_app_meta_data = TextOrEmpty(r[11]);
  u.raw_user_meta_data = TextOrEmpty(r[12]);
  u.phone = TextOrEmpty(r[13]);
  u.banned_until = TextOrEmpty(r[14]);
  u.created_at = TextOrEmpty(r[15]);
  u.updated_at = TextOrEmpty(r[16]);
  u.is_anonymous = !r[17].is_null() && r[17].as_bool();
  return u;
}

Result<std::optional<User>> FindOne(store::Transaction& txn, std::string_view where,
                                    std::string_view param) {
  const std::string sql = "SELECT " + std::string(kUserColumns) + " FROM auth.users WHERE " +
                          std::string(where) + " = $1 AND deleted_at IS NULL";
  const Value params[] = {Value::Text(std::string(param))};
  auto rows = txn.Query(sql, params);
  if (!rows) return std::move(rows).error();
  if (rows->rows.empty()) return std::optional<User>();
  return std::optional<User>(UserFromRow(rows->rows[0]));
}

}  // namespace

std::string NormalizeEmail(std::string_view email) {
  const std::string out = AsciiLower(Trim(email));
  const size_t at = out.find('@');
  if (out.size() > 255 || at == std::string::npos || at == 0 || at + 1 >= out.size() ||
      out.find('@', at + 1) != std::string::npos ||
      out.find_first_of(" \t\r\n,;<>()[]\\\"") != std::string::npos) {
    return "";
  }
  return out;
}

bool PasswordStrongEnough(std::string_view password, std::size_t min_length) {
  return password.size() >= min_length && password.size() <= 1024;
}

namespace users {

Result<User> Create(store::Transaction& txn, const NewUser& user) {
  const Value params[] = {
      Value::Text(user.email),
      user.encrypted_password.empty() ? Value::Null() : Value::Text(user.encrypted_password),
      Value::Text(user.user_metadata), Value::Text(user.app_metadata), Value::Bool(user.confirmed)};
  auto rows = txn.Query(
      "INSERT INTO auth.users (email, encrypted_password, raw_user_meta_data, raw_app_meta_data, "
      "email_confirmed_at) VALUES ($1, $2, $3, $4, CASE WHEN $5 THEN now() END) RETURNING " +
          std::string(kUserColumns),
      params);
  if (!rows) return std::move(rows).error();
  return UserFromRow(rows->rows.at(0));
}

Result<std::optional<User>> FindById(store::Transaction& txn, std::string_view id) {
  return FindOne(txn, "id", id);
}

Result<std::optional<User>> FindByEmail(store::Transaction& txn, std::string_view email) {
  return FindOne(txn, "email", email);
}

Result<std::vector<Factor>> ListFactors(store::Transaction& txn, std::string_view user_id) {
  const Value params[] = {Value::Text(std::string(user_id))};
  auto rows = txn.Query(
      "SELECT id, friendly_name, factor_type, status, created_at, updated_at FROM auth.mfa_factors "
      "WHERE user_id = $1 ORDER BY created_at, id",
      params);
  if (!rows) return std::move(rows).error();
  std::vector<Factor> factors;
  for (const auto& r : rows->rows) {
    factors.push_back(Factor{TextOrEmpty(r[0]), TextOrEmpty(r[1]), TextOrEmpty(r[2]),
                             TextOrEmpty(r[3]), TextOrEmpty(r[4]), TextOrEmpty(r[5])});
  }
  return factors;
}

Result<std::vector<User>> ListPage(store::Transaction& txn, int64_t limit, int64_t offset) {
  const Value params[] = {Value::Int(limit), Value::Int(offset)};
  auto rows = txn.Query("SELECT " + std::string(kUserColumns) +
                            " FROM auth.users WHERE deleted_at IS NULL "
                            "ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2",
                        params);
  if (!rows) return std::move(rows).error();
  std::vector<User> users;
  users.reserve(rows->rows.size());
  for (const auto& r : rows->rows) users.push_back(UserFromRow(r));
  return users;
}

Result<int64_t> Count(store::Transaction& txn) {
  auto rows = txn.Query("SELECT count(*) FROM auth.users WHERE deleted_at IS NULL");
  if (!rows) return std::move(rows).error();
  return rows->rows.at(0).at(0).as_int();
}

Status SetColumn(store::Transaction& txn, std::string_view user_id, std::string_view column,
                 std::optional<std::string> value) {
  static constexpr std::array kAllowed = {
      kEncryptedPassword, kEmail,          kEmailConfirmedAt, kConfirmationSentAt,
      kRecoverySentAt,    kEmailChange,    kEmailChangeSentAt, kLastSignInAt,
      kRawUserMetaData,   kRawAppMetaData, kBannedUntil};
  bool allowed = false;
  for (const auto name : kAllowed) allowed = allowed || name == column;
  if (!allowed) {
    return Error::Make(ErrorCode::kInternal, "internal error",
                       "users::SetColumn called with column " + std::string(column));
  }
  const Value params[] = {value ? Value::Text(std::move(*value)) : Value::Null(),
                          Value::Text(std::string(user_id))};
  auto done = txn.Execute("UPDATE auth.users SET " + std::string(column) + " = $1 WHERE id = $2", params);
  if (!done) return std::move(done).error();
  return Ok();
}

Result<bool> Delete(store::Transaction& txn, std::string_view user_id) {
  const Value params[] = {Value::Text(std::string(user_id))};
  auto done = txn.Execute("DELETE FROM auth.users WHERE id = $1", params);
  if (!done) return std::move(done).error();
  return *done > 0;
}

}  // namespace users
}  // namespace tb::auth
