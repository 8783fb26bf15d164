#include "policy/helpers.h"

#include <rapidjson/document.h>

#include "base/strings.h"
#include "store/shared_facts.h"

#include <memory>
#include <optional>
#include <unordered_map>
#include <unordered_set>

namespace tb::policy {

namespace {

using store::CallContext;
using store::Value;

struct Membership {
  std::string role;  // "" when the caller is not a member
  double hierarchy_level = 0;
  std::unordered_set<std::string> permissions;
};

using PermissionNames = std::unordered_set<std::string>;

// What one transaction has learnt about its caller, account by account as policies ask:
// one indexed query per distinct account, never one per row (a user may belong to
// thousands of accounts, so they are not all loaded up front). Memberships, ownership and
// the permission names also go to the store's shared facts, for the reads after it.
struct CallerFacts {
  std::unordered_map<std::string, std::shared_ptr<const Membership>, TextHash, std::equal_to<>> memberships;
  std::unordered_map<std::string, bool> owned;  // is the caller the account's primary owner
  std::optional<bool> super_admin_row;
  std::optional<std::string> aal;
  std::shared_ptr<const PermissionNames> known_permissions;  // app_permissions values
};

CallerFacts& FactsOf(CallContext& c) {
  auto* facts = std::any_cast<std::shared_ptr<CallerFacts>>(&c.memo());
  if (facts == nullptr) {
    c.memo() = std::make_shared<CallerFacts>();
    facts = std::any_cast<std::shared_ptr<CallerFacts>>(&c.memo());
  }
  return **facts;
}

Error Invalid(std::string sqlstate, std::string message) {
  Error e = Error::Make(ErrorCode::kInvalidArgument, std::move(message));
  e.sqlstate = std::move(sqlstate);
  return e;
}

bool IsNull(const Value& v) { return v.is_null(); }
// Text of a uuid/text argument; NULL (and any non-text value) reads as "", which matches
// no id.
std::string Text(const Value& v) {
  return v.kind() == Value::Kind::kText ? v.as_text() : v.kind() == Value::Kind::kInt ? std::to_string(v.as_int()) : "";
}
// The same, without copying a text value (policies call these helpers for every row);
// `scratch` holds the text of any other kind.
std::string_view TextView(const Value& v, std::string& scratch) {
  if (v.kind() == Value::Kind::kText) return v.as_text();
  scratch = Text(v);
  return scratch;
}

const std::string& Caller(CallContext& c) { return c.request().user_id; }

Result<bool> Exists(CallContext& c, std::string_view sql, std::span<const Value> params);

Result<Membership> LoadMembership(CallContext& c, std::string_view account_id) {
  Membership found;
  const Value params[] = {Value::Text(Caller(c)), Value::Text(std::string(account_id))};
  auto rows = c.Query(
      "SELECT m.account_role, r.hierarchy_level, rp.permission "
      "FROM accounts_memberships m JOIN roles r ON r.name = m.account_role "
      "LEFT JOIN role_permissions rp ON rp.role = m.account_role WHERE m.user_id = $1 AND m.account_id = $2",
      params);
  if (!rows) return std::move(rows).error();
  for (const auto& row : rows->rows) {
    if (found.role.empty()) {
      found.role = row[0].as_text();
      found.hierarchy_level =
          row[1].kind() == Value::Kind::kInt ? static_cast<double>(row[1].as_int()) : row[1].as_real();
    }
    if (!IsNull(row[2])) found.permissions.insert(row[2].as_text());
  }
  return found;
}

// The caller's membership of `account_id`, or null when they have none.
Result<const Membership*> MembershipOf(CallContext& c, std::string_view account_id) {
  if (Caller(c).empty() || account_id.empty()) return nullptr;
  CallerFacts& facts = FactsOf(c);
  auto it = facts.memberships.find(account_id);
  if (it == facts.memberships.end()) {
    auto found = store::SharedFact<Membership>(c.shared_facts(), "member " + Caller(c) + " " + std::string(account_id),
                                               [&] { return LoadMembership(c, account_id); });
    if (!found) return std::move(found).error();
    it = facts.memberships.emplace(account_id, std::move(*found)).first;
  }
  return it->second->role.empty() ? nullptr : it->second.get();
}

Result<bool> OwnsAccount(CallContext& c, const std::string& account_id) {
  if (Caller(c).empty() || account_id.empty()) return false;
  CallerFacts& facts = FactsOf(c);
  auto it = facts.owned.find(account_id);
  if (it == facts.owned.end()) {
    auto owns = store::SharedFact<bool>(c.shared_facts(), "owner " + Caller(c) + " " + account_id, [&] {
      const Value params[] = {Value::Text(account_id), Value::Text(Caller(c))};
      return Exists(c, "SELECT 1 FROM accounts WHERE id = $1 AND primary_owner_user_id = $2", params);
    });
    if (!owns) return std::move(owns).error();
    it = facts.owned.emplace(account_id, **owns).first;
  }
  return it->second;
}

const std::string& Aal(CallContext& c) {
  CallerFacts& facts = FactsOf(c);
  if (!facts.aal) {
    std::string aal;
    rapidjson::Document claims;
    const std::string& json = c.request().claims_json;
    if (!json.empty() && !claims.Parse(json.data(), json.size()).HasParseError() && claims.IsObject()) {
      auto it = claims.FindMember("aal");
      if (it != claims.MemberEnd() && it->value.IsString()) aal = it->value.GetString();
    }
    facts.aal = std::move(aal);
  }
  return *facts.aal;
}

bool IsAal2(CallContext& c) { return Aal(c) == "aal2"; }

// 22P02 for a value app_permissions does not list, as PostgreSQL's enum cast.
Status CheckPermissionName(CallContext& c, const std::string& name) {
  CallerFacts& facts = FactsOf(c);
  if (!facts.known_permissions) {
    auto known = store::SharedFact<PermissionNames>(c.shared_facts(), "permissions", [&]() -> Result<PermissionNames> {
      auto rows = c.Query("SELECT value FROM kit_enum_values WHERE type_name = 'app_permissions'");
      if (!rows) return std::move(rows).error();
      PermissionNames names;
      for (const auto& row : rows->rows) names.insert(row[0].as_text());
      return names;
    });
    if (!known) return std::move(known).error();
    facts.known_permissions = std::move(*known);
  }
  if (facts.known_permissions->count(name) == 0) {
    return Invalid("22P02", "invalid input value for enum app_permissions: \"" + name + "\"");
  }
  return Ok();
}

Result<bool> Exists(CallContext& c, std::string_view sql, std::span<const Value> params) {
  auto rows = c.Query(sql, params);
  if (!rows) return std::move(rows).error();
  return !rows->rows.empty();
}

// ---- the helpers ----------------------------------------------------------------------

Result<bool> IsAccountOwner(CallContext& c, const Value& account_id) { return OwnsAccount(c, Text(account_id)); }

Result<bool> HasRoleOnAccount(CallContext& c, const Value& account_id, const Value& role) {
  std::string scratch;
  auto membership = MembershipOf(c, TextView(account_id, scratch));
  if (!membership) return std::move(membership).error();
  if (*membership == nullptr) return false;
  return IsNull(role) || (*membership)->role == TextView(role, scratch);
}

Result<bool> IsTeamMember(CallContext& c, const Value& account_id, const Value& user_id) {
  if (IsNull(account_id) || IsNull(user_id)) return false;
  if (Text(user_id) == Caller(c)) return HasRoleOnAccount(c, account_id, Value::Null());
  const Value params[] = {Value::Text(Text(user_id)), Value::Text(Text(account_id))};
  return Exists(c, "SELECT 1 FROM accounts_memberships WHERE user_id = $1 AND account_id = $2", params);
}

Result<bool> HasPermission(CallContext& c, const Value& user_id, const Value& account_id,
                           const Value& permission) {
  if (IsNull(user_id) || IsNull(account_id) || IsNull(permission)) return false;
  const std::string name = Text(permission);
  std::string scratch;
  if (TextView(user_id, scratch) == Caller(c)) {
    auto membership = MembershipOf(c, TextView(account_id, scratch));
    if (!membership) return std::move(membership).error();
    if (*membership != nullptr && (*membership)->permissions.count(name)) return true;
    if (Status s = CheckPermissionName(c, name); !s) return std::move(s).error();
    return false;
  }
  if (Status s = CheckPermissionName(c, name); !s) return std::move(s).error();
  const Value params[] = {Value::Text(Text(user_id)), Value::Text(Text(account_id)), Value::Text(name)};
  return Exists(c,
                "SELECT 1 FROM accounts_memberships m JOIN role_permissions rp ON rp.role = m.account_role "
                "WHERE m.user_id = $1 AND m.account_id = $2 AND rp.permission = $3",
                params);
}

Result<bool> CanActionAccountMember(CallContext& c, const Value& account_id, const Value& target_user_id) {
  if (IsNull(account_id) || IsNull(target_user_id) || Caller(c).empty()) return false;
  const Value params[] = {Value::Text(Text(account_id)), Value::Text(Text(target_user_id))};
  auto rows = c.Query(
      "SELECT a.primary_owner_user_id, r.hierarchy_level FROM accounts a "
      "LEFT JOIN accounts_memberships m ON m.account_id = a.id AND m.user_id = $2 "
      "LEFT JOIN roles r ON r.name = m.account_role WHERE a.id = $1",
      params);
  if (!rows) return std::move(rows).error();
  if (rows->rows.empty()) return false;
  const auto& row = rows->rows[0];
  const std::string primary_owner = IsNull(row[0]) ? "" : row[0].as_text();
  if (primary_owner == Caller(c)) return true;
  if (primary_owner == Text(target_user_id) || IsNull(row[1])) return false;
  const double target_level = row[1].kind() == Value::Kind::kInt ? static_cast<double>(row[1].as_int()) : row[1].as_real();
  auto mine = MembershipOf(c, Text(account_id));
  if (!mine) return std::move(mine).error();
  if (*mine == nullptr) return false;
  return (*mine)->hierarchy_level < target_level;
}

Result<bool> IsSuperAdmin(CallContext& c) {
  if (Caller(c).empty() || !IsAal2(c)) return false;
  CallerFacts& facts = FactsOf(c);
  if (!facts.super_admin_row) {
    const Value params[] = {Value::Text(Caller(c))};
    auto found = Exists(c, "SELECT 1 FROM super_admins WHERE user_id = $1", params);
    if (!found) return std::move(found).error();
    facts.super_admin_row = *found;
  }
  return *facts.super_admin_row;
}

Result<bool> IsMfaCompliant(CallContext& c) {
  if (IsAal2(c)) return true;
  if (Caller(c).empty()) return true;
  const Value params[] = {Value::Text(Caller(c))};
  auto verified = Exists(c, "SELECT 1 FROM auth_mfa_factors WHERE user_id = $1 AND status = 'verified' LIMIT 1", params);
  if (!verified) return std::move(verified).error();
  return !*verified;
}

Result<bool> IsSet(CallContext& c, const Value& field) {
  if (IsNull(field)) return false;
  const std::string name = Text(field);
  // The name is only ever used after it matched a real column of config.
  const Value params[] = {Value::Text(name)};
  auto column = c.Query("SELECT name FROM pragma_table_info('config') WHERE name = $1", params);
  if (!column) return std::move(column).error();
  if (column->rows.empty()) return Invalid("42703", "column \"" + name + "\" does not exist in config");
  auto rows = c.Query("SELECT \"" + column->rows[0][0].as_text() + "\" FROM config LIMIT 1");
  if (!rows) return std::move(rows).error();
  if (rows->rows.empty() || IsNull(rows->rows[0][0])) return false;
  const Value& v = rows->rows[0][0];
  return (v.kind() == Value::Kind::kBool || v.kind() == Value::Kind::kInt) && v.as_bool();
}

// Whether the caller may learn an account's billing state: what the billing tables' read
// policies allow (a member, the personal account's owner, a super admin) — so the helpers
// below, callable as RPC, tell a non-member nothing. The server and service_role may.
Result<bool> MayReadBilling(CallContext& c, const Value& account_id) {
  const std::string& role = c.request().role;
  if (role.empty() || role == "service_role") return true;
  auto owns = OwnsAccount(c, Text(account_id));
  if (!owns || *owns) return owns;
  auto member = HasRoleOnAccount(c, account_id, Value::Null());
  if (!member || *member) return member;
  return IsSuperAdmin(c);
}

Result<bool> HasActiveSubscription(CallContext& c, const Value& account_id) {
  auto may = MayReadBilling(c, account_id);
  if (!may || !*may) return may;
  const Value params[] = {Value::Text(Text(account_id))};
  return Exists(c, "SELECT 1 FROM subscriptions WHERE account_id = $1 AND active LIMIT 1", params);
}

Result<bool> HasFeatureAccess(CallContext& c, const Value& account_id, const Value& feature) {
  auto may = MayReadBilling(c, account_id);
  if (!may || !*may) return may;
  const Value params[] = {Value::Text(Text(account_id)), Value::Text(Text(feature))};
  return Exists(c,
                "SELECT 1 FROM subscriptions s JOIN subscription_features sf ON s.id = sf.subscription_id "
                "WHERE s.account_id = $1 AND sf.feature_name = $2 AND s.active AND sf.enabled LIMIT 1",
                params);
}

// ---- registration ---------------------------------------------------------------------

Result<Value> AsBool(Result<bool> r) {
  if (!r) return std::move(r).error();
  return Value::Bool(*r);
}

Value Arg(std::span<const Value> args, size_t i) { return i < args.size() ? args[i] : Value::Null(); }

Helper Make(std::string name, std::vector<HelperParameter> parameters, int min_arity,
            std::function<Result<bool>(CallContext&, std::span<const Value>)> body) {
  const int max_arity = static_cast<int>(parameters.size());
  Helper h;
  h.parameters = std::move(parameters);
  h.function.name = std::move(name);
  h.function.arity = min_arity == max_arity ? max_arity : -1;
  h.function.call = [body = std::move(body), min_arity, max_arity,
                     fn = h.function.name](CallContext& c, std::span<const Value> args) -> Result<Value> {
    const int n = static_cast<int>(args.size());
    if (n < min_arity || n > max_arity) {
      Error e = Error::Make(ErrorCode::kInvalidArgument, "function " + fn + " does not take " + std::to_string(n) + " arguments");
      e.sqlstate = "42883";
      return e;
    }
    return AsBool(body(c, args));
  };
  return h;
}

std::vector<Helper> BuildHelpers() {
  std::vector<Helper> all;
  all.push_back(Make("is_account_owner", {{"account_id", "uuid"}}, 1,
                     [](CallContext& c, std::span<const Value> a) { return IsAccountOwner(c, a[0]); }));
  all.push_back(Make("has_role_on_account", {{"account_id", "uuid"}, {"account_role", "varchar", true}}, 1,
                     [](CallContext& c, std::span<const Value> a) { return HasRoleOnAccount(c, a[0], Arg(a, 1)); }));
  all.push_back(Make("is_team_member", {{"account_id", "uuid"}, {"user_id", "uuid"}}, 2,
                     [](CallContext& c, std::span<const Value> a) { return IsTeamMember(c, a[0], a[1]); }));
  all.push_back(Make("has_permission", {{"user_id", "uuid"}, {"account_id", "uuid"}, {"permission_name", "app_permissions"}}, 3,
                     [](CallContext& c, std::span<const Value> a) { return HasPermission(c, a[0], a[1], a[2]); }));
  all.push_back(Make("can_action_account_member", {{"target_team_account_id", "uuid"}, {"target_user_id", "uuid"}}, 2,
                     [](CallContext& c, std::span<const Value> a) { return CanActionAccountMember(c, a[0], a[1]); }));
  all.push_back(Make("is_super_admin", {}, 0, [](CallContext& c, std::span<const Value>) { return IsSuperAdmin(c); }));
  all.push_back(Make("is_aal2", {}, 0, [](CallContext& c, std::span<const Value>) -> Result<bool> { return IsAal2(c); }));
  all.push_back(Make("is_mfa_compliant", {}, 0, [](CallContext& c, std::span<const Value>) { return IsMfaCompliant(c); }));
  all.push_back(Make("is_set", {{"field_name", "text"}}, 1,
                     [](CallContext& c, std::span<const Value> a) { return IsSet(c, a[0]); }));
  all.push_back(Make("has_active_subscription", {{"account_id", "uuid"}}, 1,
                     [](CallContext& c, std::span<const Value> a) { return HasActiveSubscription(c, a[0]); }));
  all.push_back(Make("has_feature_access", {{"target_account_id", "uuid"}, {"feature_name", "text"}}, 2,
                     [](CallContext& c, std::span<const Value> a) { return HasFeatureAccess(c, a[0], a[1]); }));
  return all;
}

}  // namespace

const std::vector<Helper>& Helpers() {
  static const std::vector<Helper> helpers = BuildHelpers();
  return helpers;
}

std::vector<store::ScalarFunction> HelperFunctions() {
  std::vector<store::ScalarFunction> functions;
  for (const Helper& h : Helpers()) functions.push_back(h.function);
  return functions;
}

const Helper* FindHelper(std::string_view name) {
  for (const Helper& h : Helpers()) {
    if (h.function.name == name) return &h;
  }
  return nullptr;
}

}  // namespace tb::policy
