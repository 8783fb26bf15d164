#include "domain/accounts/team_accounts.h"

#include <limits>

#include <cctype>

#include "crypto/random.h"
#include "domain/workflow_errors.h"

namespace tb::accounts {

namespace {

using store::Value;
using domain::BadArgument;
using domain::Refused;

Result<bool> Exists(store::Transaction& txn, std::string_view sql, std::span<const Value> params) {
  auto rows = txn.Query(sql, params);
  if (!rows) return std::move(rows).error();
  return !rows->rows.empty();
}

// `base`, or `base-2`, `base-3`, … : the first slug no account has.
Result<std::string> UniqueSlug(store::Transaction& txn, const std::string& base) {
  for (int n = 1; n <= 100; ++n) {
    const std::string candidate = n == 1 ? base : base + "-" + std::to_string(n);
    const Value params[] = {Value::Text(candidate)};
    auto taken = Exists(txn, "SELECT 1 FROM accounts WHERE slug = $1", params);
    if (!taken) return std::move(taken).error();
    if (!*taken) return candidate;
  }
  // A hundred teams of one name: a random suffix ends the search.
  return base + "-" + crypto::RandomHex(4);
}

// A helper's answer (policy/helpers.h) for the transaction's caller.
Result<bool> Ask(store::Transaction& txn, std::string_view sql, std::span<const Value> params) {
  auto rows = txn.Query(sql, params);
  if (!rows) return std::move(rows).error();
  return !rows->rows.empty() && !rows->rows[0][0].is_null() && rows->rows[0][0].as_bool();
}

struct TeamFacts {
  std::string primary_owner;
  bool personal = false;
  std::optional<double> caller_level;  // the caller's role's level, if a member
  std::optional<double> target_level;  // the target's, if a member
};

// The account and where the caller and the target stand in it; P0001 when there is no
// such account.
Result<TeamFacts> FactsOf(store::Transaction& txn, std::string_view account_id, std::string_view caller,
                          std::string_view target) {
  const Value params[] = {Value::Text(std::string(account_id)), Value::Text(std::string(caller)),
                          Value::Text(std::string(target))};
  auto rows = txn.Query(
      "SELECT a.primary_owner_user_id, a.is_personal_account, "
      "(SELECT r.hierarchy_level FROM accounts_memberships m JOIN roles r ON r.name = m.account_role "
      " WHERE m.account_id = a.id AND m.user_id = $2), "
      "(SELECT r.hierarchy_level FROM accounts_memberships m JOIN roles r ON r.name = m.account_role "
      " WHERE m.account_id = a.id AND m.user_id = $3) "
      "FROM accounts a WHERE a.id = $1",
      params);
  if (!rows) return std::move(rows).error();
  if (rows->rows.empty()) return Refused("account not found");
  const auto& row = rows->rows[0];
  TeamFacts facts;
  facts.primary_owner = row[0].as_text();
  facts.personal = row[1].as_bool();
  if (!row[2].is_null()) facts.caller_level = domain::HierarchyLevel(row[2]);
  if (!row[3].is_null()) facts.target_level = domain::HierarchyLevel(row[3]);
  return facts;
}

// members.manage on the account and can_action_account_member on the target.
Status MayManage(store::Transaction& txn, std::string_view caller, std::string_view account_id, std::string_view target,
                 const char* what) {
  const Value manage[] = {Value::Text(std::string(caller)), Value::Text(std::string(account_id))};
  auto allowed = Ask(txn, "SELECT has_permission($1, $2, 'members.manage')", manage);
  if (!allowed) return std::move(allowed).error();
  if (!*allowed) return Refused(std::string("You do not have permission to ") + what);
  const Value action[] = {Value::Text(std::string(account_id)), Value::Text(std::string(target))};
  auto can = Ask(txn, "SELECT can_action_account_member($1, $2)", action);
  if (!can) return std::move(can).error();
  if (!*can) return Refused(std::string("You cannot ") + what + ": their role is not below yours");
  return Ok();
}

}  // namespace

std::string Slugify(std::string_view name) {
  std::string slug;
  bool dash = false;
  for (unsigned char c : name) {
    if (std::isalnum(c) && c < 0x80) {
      if (dash && !slug.empty()) slug += '-';
      slug += static_cast<char>(std::tolower(c));
      dash = false;
    } else {
      dash = true;
    }
  }
  if (slug.size() > 200) slug.resize(200);
  while (!slug.empty() && slug.back() == '-') slug.pop_back();
  return slug.empty() ? "team" : slug;
}

Result<store::Rows> CreateTeamAccount(store::Transaction& txn, std::string_view user_id, std::string_view name) {
  if (user_id.empty()) return Refused("only a signed-in user can create a team account");
  std::string trimmed(name);
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.back()))) trimmed.pop_back();
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.front()))) trimmed.erase(0, 1);
  if (trimmed.empty() || trimmed.size() > 255) return BadArgument("account_name must be 1 to 255 characters");
  auto enabled = txn.Query("SELECT is_set('enable_team_accounts')");
  if (!enabled) return std::move(enabled).error();
  if (!enabled->rows[0][0].as_bool()) return Refused("Team accounts are not enabled");

  auto slug = UniqueSlug(txn, Slugify(trimmed));
  if (!slug) return std::move(slug).error();
  auto owner_role = txn.Query("SELECT name FROM roles ORDER BY hierarchy_level ASC LIMIT 1");
  if (!owner_role) return std::move(owner_role).error();
  if (owner_role->rows.empty()) return Refused("no roles are defined");
  const Value account[] = {Value::Text(trimmed), Value::Text(*slug), Value::Text(std::string(user_id))};
  auto inserted = txn.Query(
      "INSERT INTO accounts (name, slug, is_personal_account, primary_owner_user_id, created_by, updated_by) "
      "VALUES ($1, $2, false, $3, $3, $3) RETURNING id",
      account);
  if (!inserted) return std::move(inserted).error();
  const std::string id = inserted->rows.at(0).at(0).as_text();
  const Value membership[] = {Value::Text(std::string(user_id)), Value::Text(id), owner_role->rows[0][0]};
  auto joined = txn.Execute(
      "INSERT INTO accounts_memberships (user_id, account_id, account_role, created_by, updated_by) "
      "VALUES ($1, $2, $3, $1, $1)",
      membership);
  if (!joined) return std::move(joined).error();
  const Value by_id[] = {Value::Text(id)};
  return txn.Query("SELECT * FROM accounts WHERE id = $1", by_id);
}

Result<store::Rows> TeamAccountWorkspace(store::Transaction& txn, std::string_view user_id, std::string_view slug) {
  const Value params[] = {Value::Text(std::string(user_id)), Value::Text(std::string(slug))};
  const std::string permissions = txn.dialect() == "postgres" ? "coalesce(json_agg(rp.permission), '[]'::json)"
                                                              : "json_group_array(rp.permission)";
  auto rows = txn.Query(
      "SELECT a.id AS id, a.name AS name, a.picture_url AS picture_url, a.slug AS slug, m.account_role AS role, "
      "r.hierarchy_level AS role_hierarchy_level, a.primary_owner_user_id AS primary_owner_user_id, "
      "(SELECT s.status FROM subscriptions s WHERE s.account_id = a.id ORDER BY s.created_at DESC LIMIT 1) "
      "AS subscription_status, "
      "(SELECT " + permissions + " FROM role_permissions rp WHERE rp.role = m.account_role) AS permissions "
      "FROM accounts a JOIN accounts_memberships m ON m.account_id = a.id AND m.user_id = $1 "
      "JOIN roles r ON r.name = m.account_role WHERE a.slug = $2 AND a.is_personal_account = false",
      params);
  if (!rows) return rows;
  rows->columns[rows->ColumnIndex("permissions")].type = store::ColumnType::kJson;
  return rows;
}

Result<store::Rows> AccountMembers(store::Transaction& txn, std::string_view user_id, std::string_view slug,
                                   const Page& page) {
  const Value params[] = {Value::Text(std::string(slug)), Value::Text(std::string(user_id)),
                          Value::Int(page.limit.value_or(std::numeric_limits<int64_t>::max())), Value::Int(page.offset)};
  return txn.Query(
      "SELECT m.user_id AS user_id, p.name AS name, p.email AS email, p.picture_url AS picture_url, "
      "m.account_role AS role, r.hierarchy_level AS role_hierarchy_level, "
      "a.primary_owner_user_id AS primary_owner_user_id, m.created_at AS created_at "
      "FROM accounts a JOIN accounts_memberships m ON m.account_id = a.id "
      "JOIN roles r ON r.name = m.account_role "
      "LEFT JOIN accounts p ON p.id = m.user_id AND p.is_personal_account = true "
      "WHERE a.slug = $1 AND EXISTS (SELECT 1 FROM accounts_memberships me WHERE me.account_id = a.id AND me.user_id = $2) "
      "ORDER BY r.hierarchy_level ASC, m.created_at ASC, m.user_id ASC LIMIT $3 OFFSET $4",
      params);
}

Status UpdateMemberRole(store::Transaction& txn, std::string_view caller, std::string_view account_id,
                        std::string_view user_id, std::string_view role) {
  if (caller.empty()) return Refused("only a signed-in user can change roles");
  auto facts = FactsOf(txn, account_id, caller, user_id);
  if (!facts) return std::move(facts).error();
  if (!facts->target_level) return Refused("the user is not a member of this account");
  if (facts->primary_owner == user_id) return Refused("The primary owner's role cannot be changed");
  if (Status s = MayManage(txn, caller, account_id, user_id, "change this member's role"); !s) return s;
  const Value name[] = {Value::Text(std::string(role))};
  auto level = txn.Query("SELECT hierarchy_level FROM roles WHERE name = $1", name);
  if (!level) return std::move(level).error();
  if (level->rows.empty()) return BadArgument("unknown role \"" + std::string(role) + "\"");
  const bool primary_owner = facts->primary_owner == caller;
  if (!primary_owner && (!facts->caller_level || domain::HierarchyLevel(level->rows[0][0]) < *facts->caller_level)) {
    return Refused("You cannot give a role above your own");
  }
  store::AsServer definer(txn);
  const Value update[] = {Value::Text(std::string(role)), Value::Text(std::string(caller)),
                          Value::Text(std::string(account_id)), Value::Text(std::string(user_id))};
  auto done = txn.Execute(
      "UPDATE accounts_memberships SET account_role = $1, updated_by = $2 WHERE account_id = $3 AND user_id = $4", update);
  if (!done) return std::move(done).error();
  return Ok();
}

Status RemoveMember(store::Transaction& txn, std::string_view caller, std::string_view account_id,
                    std::string_view user_id) {
  if (caller.empty()) return Refused("only a signed-in user can remove members");
  auto facts = FactsOf(txn, account_id, caller, user_id);
  if (!facts) return std::move(facts).error();
  if (!facts->target_level) return Refused("the user is not a member of this account");
  if (facts->primary_owner == user_id) return Refused("The primary owner cannot be removed");
  if (Status s = MayManage(txn, caller, account_id, user_id, "remove this member"); !s) return s;
  store::AsServer definer(txn);
  const Value params[] = {Value::Text(std::string(account_id)), Value::Text(std::string(user_id))};
  auto done = txn.Execute("DELETE FROM accounts_memberships WHERE account_id = $1 AND user_id = $2", params);
  if (!done) return std::move(done).error();
  return Ok();
}

Status TransferOwnership(store::Transaction& txn, std::string_view caller, std::string_view account_id,
                         std::string_view new_owner_id) {
  if (caller.empty()) return Refused("only a signed-in user can transfer ownership");
  auto facts = FactsOf(txn, account_id, caller, new_owner_id);
  if (!facts) return std::move(facts).error();
  if (facts->personal) return Refused("a personal account cannot be transferred");
  if (facts->primary_owner != caller) return Refused("Only the primary owner can transfer ownership");
  if (!facts->target_level) return Refused("The new owner must be a member of the account");
  if (new_owner_id == caller) return Refused("You already own this account");
  auto owner_role = txn.Query("SELECT name FROM roles ORDER BY hierarchy_level ASC LIMIT 1");
  if (!owner_role) return std::move(owner_role).error();
  store::AsServer definer(txn);
  const Value owner[] = {Value::Text(std::string(new_owner_id)), Value::Text(std::string(caller)),
                         Value::Text(std::string(account_id))};
  auto moved = txn.Execute("UPDATE accounts SET primary_owner_user_id = $1, updated_by = $2 WHERE id = $3", owner);
  if (!moved) return std::move(moved).error();
  const Value role[] = {owner_role->rows.at(0).at(0), Value::Text(std::string(caller)), Value::Text(std::string(account_id)),
                        Value::Text(std::string(new_owner_id))};
  auto promoted = txn.Execute(
      "UPDATE accounts_memberships SET account_role = $1, updated_by = $2 WHERE account_id = $3 AND user_id = $4", role);
  if (!promoted) return std::move(promoted).error();
  return Ok();
}

}  // namespace tb::accounts
