#include "api/metrics.h"

#include <set>
#include <string>

#include "api/auth/auth_response.h"
#include "api/auth/authenticate.h"

namespace tb::api {

http::Response Metrics(const http::Request& request, const auth::AuthContext& auth, const store::Store& store) {
  auto identity = auth::VerifyCredentials(request, auth);
  if (!identity) return auth::AuthErrorFrom(identity.error());
  if (!identity->is_service_role()) {
    return auth::AuthError(403, "not_admin", "GET /metrics needs the service_role key");
  }
  std::string body;
  std::set<std::string> described;  // HELP and TYPE once per name, before its first sample
  for (const store::Counter& counter : store.Counters()) {
    if (described.insert(counter.name).second) {
      body += "# HELP " + counter.name + " " + counter.help + "\n# TYPE " + counter.name + " counter\n";
    }
    body += counter.name + (counter.labels.empty() ? "" : "{" + counter.labels + "}") + " " +
            std::to_string(counter.value) + "\n";
  }
  http::Response response;
  response.body = std::move(body);
  response.SetHeader("Content-Type", "text/plain; version=0.0.4");
  return response;
}

}  // namespace tb::api
