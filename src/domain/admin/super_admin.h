// domain/admin/super_admin.h
//
// What a super admin may do from the app's admin panel, as RPCs: find accounts and users
// page by page, ban and unban a user, delete a user or a team account. Every function
// asks is_super_admin() for the transaction's caller first — a row in super_admins *and*
// an aal2 session (policy/helpers.h) — and refuses with 42501 otherwise, before reading
// or changing anything. Then it acts with the server's rights (store::AsServer).
//
// A super admin cannot ban or delete themselves (the panel would lock its last admin
// out), and deleting a user who is the primary owner of a team is refused naming the
// teams: the schema would cascade them away, so the admin deletes or transfers them first.
//
// Thread-safety: plain functions over the caller's transaction.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"
#include "domain/accounts/team_accounts.h"
#include "store/store.h"

namespace tb::admin {

// Fails with 42501 (kPermissionDenied) unless the caller is a super admin at aal2.
Status RequireSuperAdmin(store::Transaction& txn);

// admin_list_accounts(search, is_personal_account): accounts newest first — id, name,
// slug, email, picture_url, is_personal_account, primary_owner_user_id, member_count,
// created_at, updated_at. `search` (case-insensitive, "" = all) matches name, slug or email
// anywhere, or the id exactly; `personal` filters by kind when set.
Result<store::Rows> ListAccounts(store::Transaction& txn, std::string_view search, std::optional<bool> personal,
                                 const accounts::Page& page);

// admin_list_users(search): users newest first — id, email, created_at, last_sign_in_at,
// email_confirmed_at, banned_until, deleted_at, is_super_admin. `search` matches the email
// anywhere or the id exactly.
Result<store::Rows> ListUsers(store::Transaction& txn, std::string_view search, const accounts::Page& page);

// admin_ban_user(user_id, duration): every token of the user fails until now + `duration`
// (auth::AdminUsers' ban). admin_unban_user(user_id) lifts it. Refused for the caller
// themselves; P0001 for an unknown user.
Status BanUser(store::Transaction& txn, std::string_view user_id, std::chrono::nanoseconds duration,
               const Clock& clock);
Status UnbanUser(store::Transaction& txn, std::string_view user_id, const Clock& clock);

// admin_delete_user(user_id): the user, their personal account and all that cascades.
Status DeleteUser(store::Transaction& txn, std::string_view user_id, const Clock& clock);

// admin_delete_team_account(account_id): a team and all that cascades; personal accounts
// go with their user (DeleteUser).
Status DeleteTeamAccount(store::Transaction& txn, std::string_view account_id);

}  // namespace tb::admin
