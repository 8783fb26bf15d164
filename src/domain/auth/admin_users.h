// domain/auth/admin_users.h
//
// What the service_role may do to any user — GoTrue's /admin/users, and the command
// `tenantbase admin create-user`: create a user with a chosen confirmation state and
// metadata, change any attribute without a confirmation flow, ban for a while, list page
// by page, and delete, for good or softly.
//
// The rules follow GoTrue's admin API: metadata updates replace top-level keys (a null
// value removes one); a new password ends every session of the user and revokes their
// unused email codes; a ban keeps sessions but every token of the user fails while it
// lasts (SessionService::CheckAnswer and ::Refresh look at banned_until). A soft delete keeps
// the row (and so the personal account) with deleted_at set, the email replaced by a
// hash of the id and the old address, no password, and no sessions, factors or codes.
//
// Failures carry GoTrue's error codes in Error::reason: email_exists (kAlreadyExists),
// user_not_found (kNotFound).
//
// Thread-safety: an AdminUsers is immutable; every call runs in the caller's transaction.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "domain/auth/user.h"
#include "store/store.h"

namespace tb::auth {

// Parses a Go duration, the form GoTrue's ban_duration takes: an optional sign, then
// one or more decimal numbers (fractions allowed) each with a unit of ns, us (µs),
// ms, s, m or h — "24h", "1h30m", "1.5h", "-10m"; "0" alone needs no unit. Fails with
// kInvalidArgument, the message worded as Go's ("time: unknown unit "d" in duration
// "1d""), on anything else or beyond ±292 years.
Result<std::chrono::nanoseconds> ParseGoDuration(std::string_view text);

// Applies `updates` to `current` (both JSON objects, as text) the way GoTrue updates
// user and app metadata: each top-level key of `updates` replaces the one in `current`
// whole, a key whose value is null is removed, other keys stay. "" counts as {}.
// Fails with kInvalidArgument when either is not a JSON object.
Result<std::string> MergeMetadata(std::string_view current, std::string_view updates);

// What an admin create or update sets. An unset field is left as it is.
struct UserAttributes {
  std::optional<std::string> email;               // REQUIRES: normalised (NormalizeEmail)
  std::optional<std::string> encrypted_password;  // hashed already, outside the writer
  bool confirm_email = false;                     // true: email confirmed now (if it is not)
  std::optional<std::string> user_metadata;       // JSON object; Create takes it whole
  std::optional<std::string> app_metadata;        // JSON object, merged (MergeMetadata)
  std::optional<std::chrono::nanoseconds> ban;    // zero lifts a ban; else now + ban
};

struct UserPage {
  std::vector<User> users;
  int64_t total = 0;  // users on every page together
};

class AdminUsers {
 public:
  explicit AdminUsers(const Clock& clock) : clock_(clock) {}

  // Creates a user, and by the schema's trigger their personal account. app_metadata
  // starts as {"provider":"email","providers":["email"]} with `attributes.app_metadata`
  // merged in. REQUIRES: attributes.email is set. Fails with email_exists when the
  // address is taken.
  Result<User> Create(store::Transaction& txn, const UserAttributes& attributes) const;

  // Applies `attributes` to the user and returns the user as stored afterwards. Fails
  // with user_not_found (also for a soft-deleted user) or email_exists.
  Result<User> Update(store::Transaction& txn, std::string_view user_id,
                      const UserAttributes& attributes) const;

  // Page `page` (counting from 1) of `per_page` users, newest first, and the total. A page
  // past the end is empty. REQUIRES: page >= 1, per_page >= 1.
  Result<UserPage> List(store::Transaction& txn, uint64_t page, uint64_t per_page) const;

  enum class DeleteMode {
    kHard,  // the row goes; the schema cascades to sessions, factors, codes, memberships
            // and the personal account
    kSoft,  // GoTrue's should_soft_delete: see the file comment; repeating it is a no-op
  };
  // Fails with user_not_found when no row has this id (kHard also removes a soft-deleted row).
  Status Delete(store::Transaction& txn, std::string_view user_id, DeleteMode mode) const;

 private:
  Status SetBan(store::Transaction& txn, std::string_view user_id,
                std::chrono::nanoseconds duration) const;
  Status SetEmail(store::Transaction& txn, const User& user, const std::string& email) const;
  Status SetPassword(store::Transaction& txn, std::string_view user_id,
                     const std::string& encrypted_password) const;
  Status SoftDelete(store::Transaction& txn, std::string_view user_id) const;

  const Clock& clock_;
};

}  // namespace tb::auth
