// policy/identity.h
//
// Who is asking: the role the request runs as and, for a signed-in user, their id,
// session and assurance level. Built once per request from the apikey and the bearer
// token (api/auth/authenticate.h); the policy layer evaluates auth.uid(), auth.role(),
// auth.jwt() and is_aal2() against it.
#pragma once

#include <string>

namespace tb::policy {

enum class Role {
  kAnon,           // the anon key, no user
  kAuthenticated,  // a user's access token
  kServiceRole,    // the service_role key: bypasses row-level security
};

const char* RoleName(Role role);

struct Identity {
  Role role = Role::kAnon;
  std::string user_id;     // "" unless kAuthenticated
  std::string session_id;  // "" unless kAuthenticated
  std::string aal;         // "aal1" or "aal2" for users; "" otherwise
  std::string email;
  std::string claims_json;  // the verified JWT's claims, for auth.jwt()

  bool is_user() const { return role == Role::kAuthenticated && !user_id.empty(); }
  bool is_service_role() const { return role == Role::kServiceRole; }
};

inline const char* RoleName(Role role) {
  switch (role) {
    case Role::kAnon: return "anon";
    case Role::kAuthenticated: return "authenticated";
    case Role::kServiceRole: return "service_role";
  }
  return "anon";
}

}  // namespace tb::policy
