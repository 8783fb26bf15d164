#include "domain/accounts/deletion.h"

#include "domain/workflow_errors.h"

namespace tb::accounts {

namespace {

using domain::Refused;
using store::Value;

// The caller's deletion code, consumed when right and counted when wrong.
Result<std::optional<Error>> CheckCode(store::Transaction& txn, std::string_view caller, std::string_view otp,
                                       const tokens::OneTimeTokens& tokens, const tokens::ClientInfo& client) {
  tokens::VerifyRequest request;
  request.token = std::string(otp);
  request.purpose = std::string(kDeletionPurpose);
  request.user_id = std::string(caller);
  auto verified = tokens.Verify(txn, request, client);
  if (!verified) return std::move(verified).error();
  if (!verified->valid) return std::optional<Error>(Refused("Invalid or expired code: " + verified->message));
  return std::optional<Error>();
}

}  // namespace

Result<Deletion> DeletePersonalAccount(store::Transaction& txn, std::string_view caller, std::string_view otp,
                                       const tokens::OneTimeTokens& tokens, const tokens::ClientInfo& client) {
  if (caller.empty()) return Refused("only a signed-in user can delete their account");
  // Refuse before the code is spent: deleting the user would take these teams with them.
  const Value user[] = {Value::Text(std::string(caller))};
  auto owned = txn.Query(
      "SELECT name FROM accounts WHERE primary_owner_user_id = $1 AND NOT is_personal_account ORDER BY name", user);
  if (!owned) return std::move(owned).error();
  if (!owned->rows.empty()) {
    std::string names;
    for (const auto& row : owned->rows) names += (names.empty() ? "" : ", ") + row[0].as_text();
    return Refused("You are the primary owner of " + names + ": transfer or delete them first");
  }
  auto refusal = CheckCode(txn, caller, otp, tokens, client);
  if (!refusal) return std::move(refusal).error();
  if (*refusal) return Deletion{std::move(*refusal)};
  store::AsServer definer(txn);
  auto deleted = txn.Execute("DELETE FROM auth.users WHERE id = $1", user);
  if (!deleted) return std::move(deleted).error();
  return Deletion{};
}

Result<Deletion> DeleteTeamAccount(store::Transaction& txn, std::string_view caller, std::string_view account_id,
                                   std::string_view otp, const tokens::OneTimeTokens& tokens,
                                   const tokens::ClientInfo& client) {
  if (caller.empty()) return Refused("only a signed-in user can delete a team");
  const Value account[] = {Value::Text(std::string(account_id))};
  auto found = txn.Query("SELECT primary_owner_user_id, is_personal_account FROM accounts WHERE id = $1", account);
  if (!found) return std::move(found).error();
  if (found->rows.empty() || found->rows[0][1].as_bool() || found->rows[0][0].as_text() != caller) {
    return Refused("Only the primary owner can delete a team account");
  }
  auto refusal = CheckCode(txn, caller, otp, tokens, client);
  if (!refusal) return std::move(refusal).error();
  if (*refusal) return Deletion{std::move(*refusal)};
  store::AsServer definer(txn);
  auto deleted = txn.Execute("DELETE FROM accounts WHERE id = $1", account);
  if (!deleted) return std::move(deleted).error();
  return Deletion{};
}

}  // namespace tb::accounts
