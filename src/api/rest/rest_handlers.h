// api/rest/rest_handlers.h
//
// The PostgREST endpoints (supabase.from(…), supabase.rpc(…)) and what they share.
// Every request: credentials → identity → one transaction run for that identity, with the
// relation's policies compiled into its SQL (policy/policy_set.h).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "api/rest/rest_context.h"
#include "base/result.h"
#include "http/request.h"
#include "http/response.h"
#include "policy/identity.h"
#include "store/store.h"

namespace tb::api::rest {

// GET/HEAD, POST, PATCH, DELETE /rest/v1/{relation}
http::Response ReadRows(http::Request& request, const RestContext& context);
http::Response InsertRows(http::Request& request, const RestContext& context);
http::Response UpdateRows(http::Request& request, const RestContext& context);
http::Response DeleteRows(http::Request& request, const RestContext& context);
// GET/POST /rest/v1/rpc/{function}
http::Response CallFunction(http::Request& request, const RestContext& context);

// ---- shared by the handlers --------------------------------------------------------

// The caller, from apikey and bearer (verified, not yet checked against the sessions: see
// BeginFor); a failure is PostgREST's 401 (PGRST301).
Result<policy::Identity> AuthenticateRest(const http::Request& request, const RestContext& context);

// The transaction a request runs in, for `identity`, after confirming in it that a user's
// session still stands (logged out → 401 PGRST301, banned → 403); sets identity.aal.
Result<std::unique_ptr<store::Transaction>> BeginFor(const RestContext& context, policy::Identity& identity,
                                                      store::Access access);
// A whole read for `identity` after the same check (auth::ReadChecked): each statement's
// rows, in order, until one fails (store::StatementResults).
Result<store::StatementResults> ReadFor(const RestContext& context, policy::Identity& identity,
                                        std::span<const store::Statement> statements);

// What the transaction runs as (store::RequestContext) for `identity`.
store::RequestContext RequestContextFor(const policy::Identity& identity);

// The query string as decoded (name, value) pairs in order; PGRST100 on a bad escape.
Result<std::vector<std::pair<std::string, std::string>>> QueryPairs(const http::Request& request);

}  // namespace tb::api::rest
