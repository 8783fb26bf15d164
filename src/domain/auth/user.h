// domain/auth/user.h
//
// A row of auth_users as the auth code uses it, and the queries that read and write it.
// Every function runs inside the caller's transaction and returns the store's error on
// failure; "not found" is an empty optional, not an error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "store/store.h"

namespace tb::auth {

struct User {
  std::string id;
  std::string aud;
  std::string role;
  std::string email;
  std::string encrypted_password;  // "" when the user has none (OTP-only)
  std::string email_confirmed_at;  // "" when unconfirmed
  std::string confirmation_sent_at;
  std::string recovery_sent_at;
  std::string email_change;        // the pending new address, "" if none
  std::string email_change_sent_at;
  std::string last_sign_in_at;
  std::string raw_app_meta_data = "{}";   // JSON object
  std::string raw_user_meta_data = "{}";  // JSON object
  std::string phone;
  std::string banned_until;               // "" when not banned
  std::string created_at;
  std::string updated_at;
  bool is_anonymous = false;

  bool confirmed() const { return !email_confirmed_at.empty(); }
  // True when banned_until lies after `now` (both in base/clock.h's text form).
  bool BannedAt(std::string_view now) const { return !banned_until.empty() && banned_until > now; }
};

struct Factor {
  std::string id;
  std::string friendly_name;
  std::string factor_type;  // "totp"
  std::string status;       // "unverified" | "verified"
  std::string created_at;
  std::string updated_at;
};

struct NewUser {
  std::string email;               // REQUIRES: already normalised (lower case, trimmed)
  std::string encrypted_password;  // "" for none
  std::string user_metadata = "{}";
  std::string app_metadata = R"({"provider":"email","providers":["email"]})";
  bool confirmed = false;
};

// Lower-cases and trims an email; returns "" when it does not look like an address.
std::string NormalizeEmail(std::string_view email);

// The password rule every way of setting a password shares (sign-up, PUT /user, the admin
// API, `tenantbase admin create-user`): at least `min_length` bytes, at most 1024 (a bound
// on the work one request can ask of argon2).
bool PasswordStrongEnough(std::string_view password, std::size_t min_length);

namespace users {

// Inserts the user (and, by the schema's trigger, their personal account). Fails with
// kConstraint/23505 when the email is taken.
Result<User> Create(store::Transaction& txn, const NewUser& user);
Result<std::optional<User>> FindById(store::Transaction& txn, std::string_view id);
Result<std::optional<User>> FindByEmail(store::Transaction& txn, std::string_view email);
Result<std::vector<Factor>> ListFactors(store::Transaction& txn, std::string_view user_id);

// Users that are not (soft-)deleted, newest first (created_at, then id, descending, as
// GoTrue lists them): at most `limit` of them after skipping `offset`.
Result<std::vector<User>> ListPage(store::Transaction& txn, int64_t limit, int64_t offset);
// How many users are not (soft-)deleted.
Result<int64_t> Count(store::Transaction& txn);

// Sets one column of the user to a text value (or NULL when `value` is nullopt).
// REQUIRES: `column` is one of the fixed names below, never client input.
Status SetColumn(store::Transaction& txn, std::string_view user_id, std::string_view column,
                 std::optional<std::string> value);
inline constexpr std::string_view kEncryptedPassword = "encrypted_password";
inline constexpr std::string_view kEmail = "email";
inline constexpr std::string_view kEmailConfirmedAt = "email_confirmed_at";
inline constexpr std::string_view kConfirmationSentAt = "confirmation_sent_at";
inline constexpr std::string_view kRecoverySentAt = "recovery_sent_at";
inline constexpr std::string_view kEmailChange = "email_change";
inline constexpr std::string_view kEmailChangeSentAt = "email_change_sent_at";
inline constexpr std::string_view kLastSignInAt = "last_sign_in_at";
inline constexpr std::string_view kRawUserMetaData = "raw_user_meta_data";
inline constexpr std::string_view kRawAppMetaData = "raw_app_meta_data";
inline constexpr std::string_view kBannedUntil = "banned_until";

// Deletes the user; the schema cascades to sessions, factors, personal account, ….
Result<bool> Delete(store::Transaction& txn, std::string_view user_id);

}  // namespace users
}  // namespace tb::auth
