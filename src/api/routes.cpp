#include "api/routes.h"

#include "api/auth/auth_handlers.h"
#include "api/billing/checkout.h"
#include "api/metrics.h"
#include "api/rest/rest_handlers.h"

namespace tb::api {

http::Router BuildRoutes(const ApiContext& context) {
  http::Router router;
  // The response is the same for every request: build it once.
  const http::Response health = Healthz(context.health);
  router.Add("GET", "/healthz", [health](http::Request&) { return health; });
  const ApiContext* c = &context;
  router.Add("GET", "/metrics", [c](http::Request& request) { return Metrics(request, c->auth, *c->store); });

  // GoTrue (supabase.auth.*).
  const auth::AuthContext* a = &context.auth;
  const auto on = [&router, a](std::string_view method, std::string_view path,
                               http::Response (*handler)(http::Request&, const auth::AuthContext&)) {
    router.Add(method, path, [a, handler](http::Request& request) { return handler(request, *a); });
  };
  on("POST", "/auth/v1/signup", auth::Signup);
  on("POST", "/auth/v1/token", auth::Token);
  on("GET", "/auth/v1/user", auth::GetUser);
  on("PUT", "/auth/v1/user", auth::UpdateUser);
  on("POST", "/auth/v1/logout", auth::Logout);
  on("GET", "/auth/v1/settings", auth::Settings);
  on("POST", "/auth/v1/recover", auth::Recover);
  on("POST", "/auth/v1/otp", auth::Otp);
  on("POST", "/auth/v1/verify", auth::Verify);
  on("GET", "/auth/v1/verify", auth::VerifyEmailLink);
  on("POST", "/auth/v1/resend", auth::Resend);
  on("POST", "/auth/v1/factors", auth::EnrollFactor);
  on("POST", "/auth/v1/factors/{id}/challenge", auth::ChallengeFactor);
  on("POST", "/auth/v1/factors/{id}/verify", auth::VerifyFactor);
  on("DELETE", "/auth/v1/factors/{id}", auth::UnenrollFactor);
  on("GET", "/auth/v1/admin/users", auth::AdminListUsers);
  on("POST", "/auth/v1/admin/users", auth::AdminCreateUser);
  on("GET", "/auth/v1/admin/users/{id}", auth::AdminGetUser);
  on("PUT", "/auth/v1/admin/users/{id}", auth::AdminUpdateUser);
  on("DELETE", "/auth/v1/admin/users/{id}", auth::AdminDeleteUser);

  // PostgREST (supabase.from(…), supabase.rpc(…)).
  const rest::RestContext* r = &context.rest;
  const auto rest_on = [&router, r](std::string_view method, std::string_view path,
                                    http::Response (*handler)(http::Request&, const rest::RestContext&)) {
    router.Add(method, path, [r, handler](http::Request& request) { return handler(request, *r); });
  };
  rest_on("GET", "/rest/v1/rpc/{function}", rest::CallFunction);
  rest_on("POST", "/rest/v1/rpc/{function}", rest::CallFunction);
  rest_on("GET", "/rest/v1/{relation}", rest::ReadRows);
  rest_on("POST", "/rest/v1/{relation}", rest::InsertRows);
  rest_on("PATCH", "/rest/v1/{relation}", rest::UpdateRows);
  rest_on("DELETE", "/rest/v1/{relation}", rest::DeleteRows);

  // The payment providers' webhooks.
  const billing::BillingContext* b = &context.billing;
  router.Add("POST", "/billing/v1/webhooks/{provider}",
             [b](http::Request& request) { return billing::ReceiveWebhook(request, *b); });
  router.Add("POST", "/billing/v1/checkout", [b](http::Request& request) { return billing::CreateCheckout(request, *b); });
  router.Add("POST", "/billing/v1/portal", [b](http::Request& request) { return billing::CreatePortal(request, *b); });

  // Supabase Storage.
  storage::AddStorageRoutes(router, context.storage);
  return router;
}

}  // namespace tb::api
