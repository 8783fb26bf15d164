// domain/accounts/invitations.h
//
// The seed's invitations: members holding invites.manage invite people to a team by email
// with a role no higher than their own; an invitee accepts with the token from the email.
// Tokens carry 128 random bits and only their SHA-256 is stored (invite_token), so the
// table reveals no usable token. Inviting an address again refreshes its role, token and
// expiry. Accepting needs a signed-in user whose email is the invited one (a setting).
//
// Refusals are P0001 (as a plpgsql RAISE), bad input 22023 with the row's index.
//
// Thread-safety: plain functions over the caller's transaction.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "mail/mailer.h"
#include "store/store.h"

namespace tb::accounts {

struct InvitationSettings {
  std::chrono::seconds ttl{7 * 24 * 3600};  // how long an invitation can be accepted
  std::string site_url;  // the accept link is <site_url>/join?invite_token=<token>
  // Accepting needs the signed-in user's email to be the invited one. Off: whoever holds
  // the token may accept (for apps that invite by link rather than by address).
  bool require_email_match = true;
};

struct Invited {
  store::Rows rows;                   // id, email, account_id, role, invited_by, created_at, expires_at
  std::vector<mail::Message> emails;  // one per invitee, to send after the commit
};

// add_invitations_to_account(account_slug, invitations): `invitations_json` is a JSON array
// of {email, role}. All or nothing: one bad row fails the batch, naming its index.
Result<Invited> AddInvitations(store::Transaction& txn, std::string_view caller, std::string_view slug,
                               std::string_view invitations_json, const InvitationSettings& settings, const Clock& clock);

// get_account_invitations(account_slug): for members holding invites.manage; nothing otherwise.
Result<store::Rows> AccountInvitations(store::Transaction& txn, std::string_view caller, std::string_view slug);

// get_invitation(token): the live invitation for a signed-in user — id, account_id,
// account_name, account_slug, role, invited_by, email, expires_at; no row otherwise.
Result<store::Rows> InvitationByToken(store::Transaction& txn, std::string_view token, const Clock& clock);

// accept_invitation(token, user_id): makes `user_id` a member with the invited role and
// deletes the invitation; returns the account id. The same refusal for unknown, used and
// expired tokens, and (settings.require_email_match) for another user's invitation.
Result<std::string> AcceptInvitation(store::Transaction& txn, std::string_view caller, std::string_view token,
                                     std::string_view user_id, const InvitationSettings& settings,
                                     const Clock& clock);

}  // namespace tb::accounts
