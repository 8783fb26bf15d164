#include "domain/admin/super_admin.h"

#include <limits>

#include "domain/auth/admin_users.h"
#include "domain/workflow_errors.h"

namespace tb::admin {

namespace {

using domain::Refused;
using store::Value;

Error NotSuperAdmin() {
  Error e = Error::Make(ErrorCode::kPermissionDenied, "only a super admin (signed in with MFA) may do this");
  e.sqlstate = "42501";
  return e;
}

// `search` as a LIKE pattern matching it anywhere, its own % and _ taken literally.
std::string Contains(std::string_view search) {
  std::string pattern = "%";
  for (const char c : search) {
    if (c == '%' || c == '_' || c == '\\') pattern += '\\';
    pattern += c;
  }
  return pattern + "%";
}

// The caller may not act on themselves; the target must exist.
Status CheckTarget(store::Transaction& txn, std::string_view user_id, const char* what) {
  if (user_id == txn.request().user_id) return Refused(std::string("A super admin cannot ") + what + " themselves");
  const Value params[] = {Value::Text(std::string(user_id))};
  auto found = txn.Query("SELECT 1 FROM auth.users WHERE id = $1", params);
  if (!found) return std::move(found).error();
  if (found->rows.empty()) return Refused("User not found");
  return Ok();
}

Status SetBan(store::Transaction& txn, std::string_view user_id, std::chrono::nanoseconds duration,
              const Clock& clock, const char* what) {
  if (Status s = RequireSuperAdmin(txn); !s) return s;
  if (Status s = CheckTarget(txn, user_id, what); !s) return s;
  auth::UserAttributes attributes;
  attributes.ban = duration;
  store::AsServer definer(txn);
  auto updated = auth::AdminUsers(clock).Update(txn, user_id, attributes);
  if (!updated) return std::move(updated).error();
  return Ok();
}

}  // namespace

Status RequireSuperAdmin(store::Transaction& txn) {
  auto rows = txn.Query("SELECT is_super_admin()", {});
  if (!rows) return std::move(rows).error();
  const bool yes = !rows->rows.empty() && !rows->rows[0][0].is_null() && rows->rows[0][0].as_bool();
  if (!yes) return NotSuperAdmin();
  return Ok();
}

Result<store::Rows> ListAccounts(store::Transaction& txn, std::string_view search, std::optional<bool> personal,
                                 const accounts::Page& page) {
  if (Status s = RequireSuperAdmin(txn); !s) return std::move(s).error();
  const Value params[] = {Value::Text(std::string(search)), Value::Text(Contains(search)),
                          personal ? Value::Bool(*personal) : Value::Null(), Value::Int(page.limit.value_or(std::numeric_limits<int64_t>::max())),
                          Value::Int(page.offset)};
  return txn.Query(
      "SELECT a.id, a.name, a.slug, a.email, a.picture_url, a.is_personal_account, a.primary_owner_user_id, "
      "(SELECT count(*) FROM accounts_memberships m WHERE m.account_id = a.id) AS member_count, "
      "a.created_at, a.updated_at FROM accounts a "
      "WHERE ($1 = '' OR CAST(a.id AS text) = lower($1) OR lower(a.name) LIKE lower($2) ESCAPE '\\' OR lower(a.slug) LIKE lower($2) ESCAPE '\\' "
      "       OR lower(a.email) LIKE lower($2) ESCAPE '\\') "
      "AND (CAST($3 AS boolean) IS NULL OR a.is_personal_account = $3) "
      "ORDER BY a.created_at DESC, a.id LIMIT $4 OFFSET $5",
      params);
}

Result<store::Rows> ListUsers(store::Transaction& txn, std::string_view search, const accounts::Page& page) {
  if (Status s = RequireSuperAdmin(txn); !s) return std::move(s).error();
  const Value params[] = {Value::Text(std::string(search)), Value::Text(Contains(search)),
                          Value::Int(page.limit.value_or(std::numeric_limits<int64_t>::max())), Value::Int(page.offset)};
  auto rows = txn.Query(
      "SELECT u.id, u.email, u.created_at, u.last_sign_in_at, u.email_confirmed_at, u.banned_until, u.deleted_at, "
      "EXISTS (SELECT 1 FROM super_admins s WHERE s.user_id = u.id) AS is_super_admin FROM auth.users u "
      "WHERE ($1 = '' OR CAST(u.id AS text) = lower($1) OR lower(u.email) LIKE lower($2) ESCAPE '\\') "
      "ORDER BY u.created_at DESC, u.id LIMIT $3 OFFSET $4",
      params);
  if (!rows) return std::move(rows).error();
  rows->columns.back().type = store::ColumnType::kBool;  // an expression has no declared type
  return rows;
}

Status BanUser(store::Transaction& txn, std::string_view user_id, std::chrono::nanoseconds duration,
               const Clock& clock) {
  if (duration.count() <= 0) return domain::BadArgument("a ban needs a positive duration");
  return SetBan(txn, user_id, duration, clock, "ban");
}

Status UnbanUser(store::Transaction& txn, std::string_view user_id, const Clock& clock) {
  return SetBan(txn, user_id, std::chrono::nanoseconds(0), clock, "unban");
}

Status DeleteUser(store::Transaction& txn, std::string_view user_id, const Clock& clock) {
  if (Status s = RequireSuperAdmin(txn); !s) return s;
  if (Status s = CheckTarget(txn, user_id, "delete"); !s) return s;
  const Value user[] = {Value::Text(std::string(user_id))};
  auto owned = txn.Query(
      "SELECT name FROM accounts WHERE primary_owner_user_id = $1 AND NOT is_personal_account ORDER BY name", user);
  if (!owned) return std::move(owned).error();
  if (!owned->rows.empty()) {
    std::string names;
    for (const auto& row : owned->rows) names += (names.empty() ? "" : ", ") + row[0].as_text();
    return Refused("The user is the primary owner of " + names + ": delete or transfer those teams first");
  }
  store::AsServer definer(txn);
  return auth::AdminUsers(clock).Delete(txn, user_id, auth::AdminUsers::DeleteMode::kHard);
}

Status DeleteTeamAccount(store::Transaction& txn, std::string_view account_id) {
  if (Status s = RequireSuperAdmin(txn); !s) return s;
  const Value account[] = {Value::Text(std::string(account_id))};
  auto found = txn.Query("SELECT is_personal_account FROM accounts WHERE id = $1", account);
  if (!found) return std::move(found).error();
  if (found->rows.empty()) return Refused("Account not found");
  if (found->rows[0][0].as_bool()) return Refused("A personal account is deleted with its user (admin_delete_user)");
  store::AsServer definer(txn);
  auto deleted = txn.Execute("DELETE FROM accounts WHERE id = $1", account);
  if (!deleted) return std::move(deleted).error();
  return Ok();
}

}  // namespace tb::admin
