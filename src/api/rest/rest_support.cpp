#include <algorithm>

#include "api/auth/authenticate.h"
#include "api/rest/rest_error.h"
#include "api/rest/rest_handlers.h"
#include "base/strings.h"

namespace tb::api::rest {

namespace {

// Auth's failures in PostgREST's terms: 401 PGRST301, or 403 for a banned user.
Error AsRestError(const Error& cause) {
  if (cause.code == ErrorCode::kPermissionDenied) {
    Error e = RestError("42501", cause.message);
    e.code = ErrorCode::kPermissionDenied;
    return e;
  }
  if (cause.code != ErrorCode::kUnauthenticated) return cause;  // the store's own failure
  Error e = RestError("PGRST301", cause.message);
  e.code = ErrorCode::kUnauthenticated;
  return e;
}

}  // namespace

Result<policy::Identity> AuthenticateRest(const http::Request& request, const RestContext& context) {
  auto identity = auth::VerifyCredentials(request, *context.auth);
  if (!identity) return AsRestError(identity.error());
  return identity;
}

Result<std::unique_ptr<store::Transaction>> BeginFor(const RestContext& context, policy::Identity& identity,
                                                      store::Access access) {
  auto checked = auth::BeginChecked(*context.auth, access, RequestContextFor(identity), identity);
  if (!checked) return std::move(checked).error();
  if (!checked->session) return AsRestError(checked->session.error());
  return std::move(checked->txn);
}

Result<store::StatementResults> ReadFor(const RestContext& context, policy::Identity& identity,
                                        std::span<const store::Statement> statements) {
  auto read = auth::ReadChecked(*context.auth, RequestContextFor(identity), identity, statements);
  if (!read) return std::move(read).error();
  if (!read->session) return AsRestError(read->session.error());
  return std::move(read->results);
}

store::RequestContext RequestContextFor(const policy::Identity& identity) {
  return store::RequestContext{policy::RoleName(identity.role), identity.user_id, identity.claims_json};
}

Result<std::vector<std::pair<std::string, std::string>>> QueryPairs(const http::Request& request) {
  std::vector<std::pair<std::string, std::string>> pairs;
  if (request.query.empty()) return pairs;
  // URLSearchParams (postgrest-js) writes a space as '+' and a plus as %2B.
  std::string query = request.query;
  std::replace(query.begin(), query.end(), '+', ' ');
  for (std::string_view part : Split(query, '&')) {
    if (part.empty()) continue;
    const size_t eq = part.find('=');
    std::string key, value;
    if (!http::PercentDecode(part.substr(0, eq), key) ||
        (eq != std::string_view::npos && !http::PercentDecode(part.substr(eq + 1), value))) {
      return RestError("PGRST100", "malformed percent-encoding in the query string");
    }
    // Some clients repeat the key in the URL; it is a credential, not a filter.
    if (key == "apikey") continue;
    pairs.emplace_back(std::move(key), std::move(value));
  }
  return pairs;
}

}  // namespace tb::api::rest
