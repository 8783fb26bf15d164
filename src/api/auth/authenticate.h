// api/auth/authenticate.h
//
// Turns a request's credentials into a policy::Identity, the Supabase way: the `apikey`
// header must be a valid anon or service_role key (HS256, signed with the server secret);
// `Authorization: Bearer` carries either a key (signed out) or a user's access token.
// A user token must be unexpired and its session must still exist with its user neither
// deleted nor banned — a logged-out or revoked session's tokens stop working at once.
#pragma once

#include "api/auth/auth_context.h"
#include "base/result.h"
#include "http/request.h"
#include "policy/identity.h"

namespace tb::api::auth {

// Fails with kUnauthenticated (reason no_authorization / bad_jwt / session_not_found) or
// kPermissionDenied (user_banned); the message is safe to return.
Result<policy::Identity> Authenticate(const http::Request& request, const AuthContext& context);

// The two halves of Authenticate, for callers that open a transaction anyway (the data
// API checks the session in the transaction it runs the query in):
// the identity the credentials claim, verified cryptographically (no database access)…
Result<policy::Identity> VerifyCredentials(const http::Request& request, const AuthContext& context);
// …and a transaction for `request` whose first statement checks that a user's session
// still stands (sent with BEGIN: Store::BeginThen, one round trip on PostgreSQL); sets
// identity.aal. Fails only when the transaction cannot start; a session that does not
// stand is `session`'s failure (as Authenticate's), with the transaction still open.
struct CheckedTransaction {
  std::unique_ptr<store::Transaction> txn;
  Status session = Ok();
};
Result<CheckedTransaction> BeginChecked(const AuthContext& context, store::Access access,
                                        const store::RequestContext& request, policy::Identity& identity);
// …or a whole read (Store::Read) after that check: each statement's rows, or the session's
// failure and no rows. On PostgreSQL the check, the statements and the end of the
// transaction go in one round trip: the statements run before the check is answered, and
// their rows are dropped when it fails (a read-only transaction has nothing to undo).
struct CheckedRead {
  Status session = Ok();
  store::StatementResults results;  // empty when `session` failed
};
Result<CheckedRead> ReadChecked(const AuthContext& context, const store::RequestContext& request,
                                policy::Identity& identity, std::span<const store::Statement> statements);

// The client's IP and user agent, for session and token audit columns.
tb::auth::ClientInfo ClientOf(const http::Request& request);

}  // namespace tb::api::auth
