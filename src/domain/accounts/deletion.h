// domain/accounts/deletion.h
//
// Deleting accounts, the seed's way: only with a fresh one-time code of purpose
// "account-deletion" (create_one_time_token), checked first; then everything that hangs off
// the account goes with it (ON DELETE CASCADE: memberships, invitations, notifications,
// billing rows). A wrong code is counted like any other (tokens::OneTimeTokens), so the
// caller must commit even when the deletion is refused: the refusal comes back as
// `refusal`, not as an error.
//
// Thread-safety: plain functions over the caller's transaction.
#pragma once

#include <optional>
#include <string_view>

#include "base/result.h"
#include "domain/tokens/one_time_tokens.h"
#include "store/store.h"

namespace tb::accounts {

inline constexpr std::string_view kDeletionPurpose = "account-deletion";

struct Deletion {
  std::optional<Error> refusal;  // set: nothing was deleted (P0001); commit anyway
};

// delete_personal_account(otp): deletes the caller's user, their personal account and all
// that cascades. Refused while they are primary owner of a team (the message names them).
Result<Deletion> DeletePersonalAccount(store::Transaction& txn, std::string_view caller, std::string_view otp,
                                       const tokens::OneTimeTokens& tokens, const tokens::ClientInfo& client);

// delete_team_account(account_id, otp): the primary owner deletes a team and all that cascades.
Result<Deletion> DeleteTeamAccount(store::Transaction& txn, std::string_view caller, std::string_view account_id,
                                   std::string_view otp, const tokens::OneTimeTokens& tokens,
                                   const tokens::ClientInfo& client);

}  // namespace tb::accounts
