// domain/accounts/team_accounts.h
//
// The seed's team-account workflows that run with the server's rights after checking the
// caller's (its "good pattern" for SECURITY DEFINER functions): each checks first, then
// acts, inside the caller's transaction, so it is all or nothing.
//
// Failures carry PostgreSQL's SQLSTATE in Error::sqlstate: P0001 for a refused workflow
// (as a plpgsql RAISE), 22023 for a bad argument.
//
// Thread-safety: plain functions over the caller's transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "store/store.h"

namespace tb::accounts {

// "Acme, Inc." → "acme-inc": lower-case ASCII letters and digits, every other run of
// characters one dash, none at either end; "team" when nothing is left.
std::string Slugify(std::string_view name);

// create_team_account(account_name): a team named `name` with a unique slug from it, the
// caller its primary owner and a member with the highest role. The new accounts row.
// Refused (P0001) when the config flag enable_team_accounts is off or `user_id` is empty.
Result<store::Rows> CreateTeamAccount(store::Transaction& txn, std::string_view user_id, std::string_view name);

// team_account_workspace(account_slug): the team as its member `user_id` sees it: id, name,
// picture_url, slug, role, role_hierarchy_level, primary_owner_user_id,
// subscription_status, permissions (a JSON array). No row for a non-member.
Result<store::Rows> TeamAccountWorkspace(store::Transaction& txn, std::string_view user_id, std::string_view slug);

struct Page {
  std::optional<int64_t> limit;
  int64_t offset = 0;
};

// get_account_members(account_slug): the team's members — user_id, name, email,
// picture_url (from their personal accounts), role, role_hierarchy_level,
// primary_owner_user_id, created_at — highest role first, then by joining time. Nothing
// for a caller who is not a member.
Result<store::Rows> AccountMembers(store::Transaction& txn, std::string_view user_id, std::string_view slug,
                                   const Page& page);

// update_member_role(account_id, user_id, role): needs members.manage on the account,
// can_action_account_member on the target, and a role not above the caller's own; the
// primary owner's role never changes. Refusals are P0001; an unknown role 22023.
Status UpdateMemberRole(store::Transaction& txn, std::string_view caller, std::string_view account_id,
                        std::string_view user_id, std::string_view role);

// remove_member(account_id, user_id): members.manage and can_action_account_member; never
// the primary owner.
Status RemoveMember(store::Transaction& txn, std::string_view caller, std::string_view account_id,
                    std::string_view user_id);

// transfer_team_account_ownership(target_account_id, new_owner_id): only the primary
// owner; the new owner must already be a member; they become primary owner with the
// highest role, all or nothing.
Status TransferOwnership(store::Transaction& txn, std::string_view caller, std::string_view account_id,
                         std::string_view new_owner_id);

}  // namespace tb::accounts
