#include "domain/accounts/invitations.h"

#include <rapidjson/document.h>

#include "crypto/hash.h"
#include "crypto/random.h"
#include "domain/auth/user.h"
#include "domain/workflow_errors.h"

namespace tb::accounts {

namespace {

using store::Value;
using domain::BadArgument;
using domain::Refused;

std::string TokenHash(std::string_view token) { return crypto::Sha256Hex(token); }

constexpr const char* kInvitationColumns =
    "SELECT id, email, account_id, role, invited_by, created_at, expires_at FROM invitations ";

}  // namespace

Result<Invited> AddInvitations(store::Transaction& txn, std::string_view caller, std::string_view slug,
                               std::string_view invitations_json, const InvitationSettings& settings, const Clock& clock) {
  if (caller.empty()) return Refused("only a signed-in user can invite");
  const Value by_slug[] = {Value::Text(std::string(slug)), Value::Text(std::string(caller))};
  auto account = txn.Query(
      "SELECT a.id, a.name, a.is_personal_account, a.primary_owner_user_id, "
      "(SELECT r.hierarchy_level FROM accounts_memberships m JOIN roles r ON r.name = m.account_role "
      " WHERE m.account_id = a.id AND m.user_id = $2) FROM accounts a WHERE a.slug = $1",
      by_slug);
  if (!account) return std::move(account).error();
  if (account->rows.empty()) return Refused("account not found");
  const auto& a = account->rows[0];
  const std::string account_id = a[0].as_text();
  const std::string account_name = a[1].as_text();
  if (a[2].as_bool()) return Refused("personal accounts cannot have invitations");
  const bool primary_owner = a[3].as_text() == caller;
  const Value check[] = {Value::Text(std::string(caller)), Value::Text(account_id)};
  auto allowed = txn.Query("SELECT has_permission($1, $2, 'invites.manage')", check);
  if (!allowed) return std::move(allowed).error();
  if (!allowed->rows[0][0].as_bool() || a[4].is_null()) return Refused("You do not have permission to invite members");
  const double caller_level = domain::HierarchyLevel(a[4]);

  rapidjson::Document doc;
  if (doc.Parse(invitations_json.data(), invitations_json.size()).HasParseError() || !doc.IsArray() || doc.Empty()) {
    return BadArgument("invitations must be a non-empty array of {email, role}");
  }
  struct Invite {
    std::string email;
    std::string role;
  };
  std::vector<Invite> invites;
  for (rapidjson::SizeType i = 0; i < doc.Size(); ++i) {
    const auto& item = doc[i];
    const std::string where = "invitation " + std::to_string(i) + ": ";
    if (!item.IsObject() || !item.HasMember("email") || !item["email"].IsString() || !item.HasMember("role") ||
        !item["role"].IsString()) {
      return BadArgument(where + "needs an email and a role");
    }
    Invite invite{auth::NormalizeEmail(item["email"].GetString()), item["role"].GetString()};
    if (invite.email.empty()) return BadArgument(where + "invalid email " + std::string(item["email"].GetString()));
    const Value role[] = {Value::Text(invite.role)};
    auto level = txn.Query("SELECT hierarchy_level FROM roles WHERE name = $1", role);
    if (!level) return std::move(level).error();
    if (level->rows.empty()) return BadArgument(where + "unknown role " + invite.role);
    if (!primary_owner && domain::HierarchyLevel(level->rows[0][0]) < caller_level) {
      return Refused(where + "you cannot invite with a role above your own");
    }
    invites.push_back(std::move(invite));
  }

  Invited invited;
  const SystemTime now = clock.Now();
  const std::string expires_at = FormatTimestamp(now + settings.ttl);
  std::vector<Value> ids;
  for (const Invite& invite : invites) {
    const std::string token = crypto::RandomHex(16);  // 128 bits
    const Value row[] = {Value::Text(invite.email), Value::Text(account_id), Value::Text(std::string(caller)),
                         Value::Text(invite.role), Value::Text(TokenHash(token)), Value::Text(FormatTimestamp(now)),
                         Value::Text(expires_at)};
    auto id = txn.Query(
        "INSERT INTO invitations (email, account_id, invited_by, role, invite_token, created_at, expires_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (email, account_id) DO UPDATE SET invited_by = excluded.invited_by, "
        "role = excluded.role, invite_token = excluded.invite_token, created_at = excluded.created_at, "
        "expires_at = excluded.expires_at RETURNING id",
        row);
    if (!id) return std::move(id).error();
    ids.push_back(id->rows.at(0).at(0));
    mail::Message message;
    message.to = invite.email;
    message.subject = "You have been invited to join " + account_name;
    message.text = "You have been invited to join " + account_name + " as " + invite.role + ".\n\nAccept: " +
                   settings.site_url + "/join?invite_token=" + token + "\n\nThe invitation expires at " + expires_at + ".\n";
    invited.emails.push_back(std::move(message));
  }
  auto rows = txn.Query(std::string(kInvitationColumns) + "WHERE id IN " + store::InList(1, ids.size()) + " ORDER BY id", ids);
  if (!rows) return std::move(rows).error();
  invited.rows = std::move(*rows);
  return invited;
}

Result<store::Rows> AccountInvitations(store::Transaction& txn, std::string_view caller, std::string_view slug) {
  const Value params[] = {Value::Text(std::string(slug)), Value::Text(std::string(caller))};
  return txn.Query(
      "SELECT i.id, i.email, i.account_id, i.role, i.invited_by, i.created_at, i.updated_at, i.expires_at, "
      "p.name AS inviter_name, p.email AS inviter_email "
      "FROM invitations i JOIN accounts a ON a.id = i.account_id "
      "LEFT JOIN accounts p ON p.id = i.invited_by AND p.is_personal_account = true "
      "WHERE a.slug = $1 AND has_permission($2, a.id, 'invites.manage') ORDER BY i.created_at, i.id",
      params);
}

Result<store::Rows> InvitationByToken(store::Transaction& txn, std::string_view token, const Clock& clock) {
  const Value params[] = {Value::Text(TokenHash(token)), Value::Text(FormatTimestamp(clock.Now()))};
  return txn.Query(
      "SELECT i.id, i.account_id, a.name AS account_name, a.slug AS account_slug, i.role, i.invited_by, i.email, "
      "i.expires_at FROM invitations i JOIN accounts a ON a.id = i.account_id "
      "WHERE i.invite_token = $1 AND i.expires_at > $2",
      params);
}

Result<std::string> AcceptInvitation(store::Transaction& txn, std::string_view caller, std::string_view token,
                                     std::string_view user_id, const InvitationSettings& settings,
                                     const Clock& clock) {
  if (caller.empty() || user_id != caller) return Refused("an invitation is accepted by the signed-in invitee");
  auto invitation = InvitationByToken(txn, token, clock);
  if (!invitation) return std::move(invitation).error();
  if (invitation->rows.empty()) return Refused("Invalid or expired invitation");
  const auto& row = invitation->rows[0];
  if (settings.require_email_match) {
    const Value user[] = {Value::Text(std::string(user_id))};
    auto email = txn.Query("SELECT email FROM auth.users WHERE id = $1", user);
    if (!email) return std::move(email).error();
    if (email->rows.empty() || email->rows[0][0].is_null() || email->rows[0][0].as_text() != row[6].as_text()) {
      return Refused("Invalid or expired invitation");
    }
  }
  const std::string account_id = row[1].as_text();
  const Value member[] = {Value::Text(std::string(user_id)), Value::Text(account_id), row[4]};
  store::AsServer definer(txn);
  auto joined = txn.Execute(
      "INSERT INTO accounts_memberships (user_id, account_id, account_role, created_by, updated_by) "
      "VALUES ($1, $2, $3, $1, $1) ON CONFLICT (user_id, account_id) DO NOTHING",
      member);
  if (!joined) return std::move(joined).error();
  if (*joined == 0) return Refused("You are already a member of this account");
  const Value id[] = {row[0]};
  auto removed = txn.Execute("DELETE FROM invitations WHERE id = $1", id);
  if (!removed) return std::move(removed).error();
  return account_id;
}

}  // namespace tb::accounts
