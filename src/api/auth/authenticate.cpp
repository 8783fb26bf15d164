#include "api/auth/authenticate.h"

#include <array>

#include <rapidjson/document.h>

#include "base/strings.h"
#include "crypto/hash.h"
#include "crypto/jwt.h"
#include "store/shared_facts.h"

namespace tb::api::auth {

namespace {

Error Unauthenticated(const char* reason, std::string message) {
  return Error::WithReason(ErrorCode::kUnauthenticated, reason, std::move(message));
}

std::string Member(const rapidjson::Document& doc, const char* name) {
  const auto it = doc.FindMember(name);
  if (it == doc.MemberEnd() || !it->value.IsString()) return "";
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

// The parameters of SessionService::CheckSql for `identity`'s session.
std::array<store::Value, 2> SessionCheckParams(const policy::Identity& identity) {
  return {store::Value::Text(identity.session_id), store::Value::Text(identity.user_id)};
}

}  // namespace

Result<policy::Identity> VerifyCredentials(const http::Request& request, const AuthContext& context) {
  const int64_t now = UnixSeconds(context.clock->Now());
  const std::string_view apikey = request.HeaderValue("apikey");
  if (apikey.empty()) return Unauthenticated("no_authorization", "No API key found in request");
  // The server's own keys, compared in constant time: what verifying them would give
  // (they expire in 2100), without the HMAC and the JSON on every request.
  const KnownKey* known = nullptr;
  for (const KnownKey& k : context.keys) {
    if (crypto::ConstantTimeEquals(apikey, k.token)) known = &k;
  }
  Result<std::string> key_claims = known ? Result<std::string>(known->claims_json)
                                         : crypto::VerifyJwtHs256(apikey, context.config->jwt_secret, now);
  std::string key_role;
  if (known) {
    key_role = known->role;
  } else if (key_claims) {
    rapidjson::Document key;
    key.Parse(key_claims->data(), key_claims->size());
    if (key.IsObject()) key_role = Member(key, "role");
  }
  if (key_role != "anon" && key_role != "service_role") {
    return Unauthenticated("invalid_api_key", "Invalid API key");
  }

  policy::Identity identity;
  std::string_view bearer = request.HeaderValue("Authorization");
  if (bearer.empty()) {
    identity.role = key_role == "service_role" ? policy::Role::kServiceRole : policy::Role::kAnon;
    identity.claims_json = std::move(*key_claims);
    return identity;
  }
  if (!StartsWithIgnoreCase(bearer, "Bearer ")) {
    return Unauthenticated("bad_jwt", "Authorization header must be 'Bearer <token>'");
  }
  bearer = Trim(bearer.substr(7));
  if (known && bearer == apikey) {  // signed out: the key again
    identity.role = key_role == "service_role" ? policy::Role::kServiceRole : policy::Role::kAnon;
    identity.claims_json = std::move(*key_claims);
    return identity;
  }
  if (context.verified_tokens != nullptr) {
    if (auto seen = context.verified_tokens->Find(bearer, now)) return std::move(*seen);
  }
  auto claims = crypto::VerifyJwtHs256(bearer, context.config->jwt_secret, now);
  if (!claims) return Unauthenticated("bad_jwt", claims.error().message);
  rapidjson::Document doc;
  doc.Parse(claims->data(), claims->size());
  const std::string role = Member(doc, "role");
  if (role == "anon" || role == "service_role") {
    identity.role = role == "service_role" ? policy::Role::kServiceRole : policy::Role::kAnon;
    identity.claims_json = std::move(*claims);
    return identity;
  }
  if (role != "authenticated") return Unauthenticated("bad_jwt", "invalid JWT: unknown role");
  identity.role = policy::Role::kAuthenticated;
  identity.user_id = Member(doc, "sub");
  identity.session_id = Member(doc, "session_id");
  identity.email = Member(doc, "email");
  if (identity.user_id.empty() || identity.session_id.empty()) {
    return Unauthenticated("bad_jwt", "invalid JWT: missing sub or session_id claim");
  }
  identity.claims_json = std::move(*claims);
  // Kept until its exp (verified_tokens.h); a token with nbf is verified every time.
  if (context.verified_tokens != nullptr && !doc.HasMember("nbf")) {
    const auto exp = doc.FindMember("exp");
    if (exp != doc.MemberEnd() && exp->value.IsNumber()) {
      context.verified_tokens->Remember(bearer, identity, static_cast<int64_t>(exp->value.GetDouble()));
    }
  }
  return identity;
}

Result<CheckedTransaction> BeginChecked(const AuthContext& context, store::Access access,
                                        const store::RequestContext& request, policy::Identity& identity) {
  CheckedTransaction checked;
  if (!identity.is_user()) {
    auto txn = context.store->Begin(access, request);
    if (!txn) return std::move(txn).error();
    checked.txn = std::move(*txn);
    return checked;
  }
  const auto params = SessionCheckParams(identity);
  const std::string_view sql = tb::auth::SessionService::CheckSql(context.store->dialect());
  std::shared_ptr<const store::Rows> rows;
  if (context.store->SharesFacts()) {
    // A read at the same version of the access tables that checked this session before
    // answers without the query (store/shared_facts.h).
    auto txn = context.store->Begin(access, request);
    if (!txn) return std::move(txn).error();
    checked.txn = std::move(*txn);
    auto found = store::SharedFact<store::Rows>(checked.txn->shared_facts(),
                                                "session " + identity.session_id + " " + identity.user_id,
                                                [&] { return checked.txn->Query(sql, params); });
    if (!found) return std::move(found).error();
    rows = std::move(*found);
  } else {
    // PostgreSQL sends the check in BEGIN's round trip.
    store::Rows first;
    auto txn = context.store->BeginThen(access, request, sql, params, &first);
    if (!txn) return std::move(txn).error();
    checked.txn = std::move(*txn);
    rows = std::make_shared<const store::Rows>(std::move(first));
  }
  auto state = context.sessions->CheckAnswer(*rows);
  if (!state) {
    checked.session = std::move(state).error();
  } else {
    identity.aal = state->aal;
  }
  return checked;
}

Result<CheckedRead> ReadChecked(const AuthContext& context, const store::RequestContext& request,
                                policy::Identity& identity, std::span<const store::Statement> statements) {
  CheckedRead read;
  if (identity.is_user() && context.store->SharesFacts()) {
    // SQLite: no round trips to save; the session check may come from shared facts.
    auto checked = BeginChecked(context, store::Access::kRead, request, identity);
    if (!checked) return std::move(checked).error();
    read.session = std::move(checked->session);
    if (read.session) read.results = store::QueryEach(*checked->txn, statements);
    return read;
  }
  // A user's session check goes first, in the same read (one round trip on PostgreSQL).
  const bool check = identity.is_user();
  const auto params = SessionCheckParams(identity);
  std::vector<store::Statement> all;
  if (check) all.push_back({tb::auth::SessionService::CheckSql(context.store->dialect()), params});
  all.insert(all.end(), statements.begin(), statements.end());
  auto results = context.store->Read(request, all);
  if (!results) return std::move(results).error();
  if (check) {
    if (!results->front()) return std::move(results->front()).error();
    auto state = context.sessions->CheckAnswer(*results->front());
    if (!state) {
      read.session = std::move(state).error();
      return read;
    }
    identity.aal = state->aal;
    results->erase(results->begin());
  }
  read.results = std::move(*results);
  return read;
}

Result<policy::Identity> Authenticate(const http::Request& request, const AuthContext& context) {
  auto identity = VerifyCredentials(request, context);
  if (!identity || !identity->is_user()) return identity;
  auto checked = BeginChecked(context, store::Access::kRead, store::RequestContext{}, *identity);
  if (!checked) return std::move(checked).error();
  if (!checked->session) return std::move(checked->session).error();
  return identity;
}

tb::auth::ClientInfo ClientOf(const http::Request& request) {
  return tb::auth::ClientInfo{request.remote_address,
                              std::string(request.HeaderValue("User-Agent").substr(0, 512))};
}

}  // namespace tb::api::auth
