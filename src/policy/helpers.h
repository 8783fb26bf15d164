// policy/helpers.h
//
// The seed's security helper functions, one meaning on both backends. On SQLite they are
// registered on every connection (store::ScalarFunction) so policy expressions and RPCs
// call them by name; they answer for the transaction's caller (store::RequestContext).
//
//   is_account_owner(account_id)                  the caller's personal account, or a team
//                                                 whose primary owner they are
//   has_role_on_account(account_id, account_role) member (with that role, when not NULL)
//   is_team_member(account_id, user_id)           that user is a member
//   has_permission(user_id, account_id, permission_name)
//   can_action_account_member(target_team_account_id, target_user_id)
//   is_super_admin()    in super_admins and the session is aal2
//   is_aal2()           the session's aal claim is aal2
//   is_mfa_compliant()  aal2 when the user has a verified factor, else true
//   is_set(field_name)  a boolean flag of the config row
//   has_active_subscription(account_id)
//   has_feature_access(target_account_id, feature_name)
//
// What a transaction learns about its caller (their membership, role and permissions on an
// account, whether they own it, their super-admin row) is kept for the transaction (the
// store's memo, emptied by any write): one indexed query per distinct account a statement
// touches, never one per row, and nothing loaded that the statement does not ask about.
#pragma once

#include <string>
#include <vector>

#include "store/store.h"

namespace tb::policy {

struct HelperParameter {
  std::string name;  // PostgREST matches RPC arguments by these names
  std::string type;  // as the seed declares it: "uuid", "varchar", "text", "app_permissions"
  bool has_default = false;  // a trailing parameter that may be left out (NULL)
};

struct Helper {
  store::ScalarFunction function;  // function.name is the SQL name, e.g. "has_role_on_account"
  std::vector<HelperParameter> parameters;
  std::string return_type = "boolean";
};

// Every helper, in a stable order. Registering them on a SQLite store: copy each
// `function` into SqliteStoreOptions::functions (see HelperFunctions).
const std::vector<Helper>& Helpers();
std::vector<store::ScalarFunction> HelperFunctions();

// The helper named `name` (schema-less), or nullptr.
const Helper* FindHelper(std::string_view name);

}  // namespace tb::policy
