// api/rest/rest_context.h
//
// What the /rest/v1 handlers share: the store, the catalog of exposed relations, the
// compiled policies, auth (to turn credentials into an identity) and the workflows' settings. Built once by the App
// after migrations; immutable afterwards.
#pragma once

#include <memory>

#include "api/auth/auth_context.h"
#include "api/rest/catalog.h"
#include "domain/accounts/invitations.h"
#include "policy/policy_set.h"
#include "store/store.h"

namespace tb::billing {
class Plans;
}

namespace tb::api::rest {

struct RestContext {
  store::Store* store = nullptr;
  const auth::AuthContext* auth = nullptr;
  std::shared_ptr<const Catalog> catalog;
  std::shared_ptr<const policy::PolicySet> policies;
  accounts::InvitationSettings invitations;
  std::shared_ptr<const tb::billing::Plans> plans;  // the app's billing plans; empty without a config

  // On PostgreSQL the database enforces the policies itself (policies->native()).
  bool postgres() const { return store->dialect() == "postgres"; }
};

}  // namespace tb::api::rest
