// What auth sends by email and the verification of it: password recovery, one-time
// sign-in codes, /verify (code + email, token_hash, or the link itself) and resending.
// Mail goes out only after the transaction that issued its token has committed.
#include <span>

#include "api/auth/auth_handlers.h"
#include "api/auth/auth_response.h"
#include "api/auth/authenticate.h"
#include "api/auth/handler_support.h"
#include "api/json.h"
#include "base/strings.h"

namespace tb::api::auth {

namespace {

using tb::auth::EmailPurpose;
using tb::auth::User;

http::Response BadRequest(std::string_view message) {
  return AuthError(400, "validation_failed", message);
}

// The body's `email`, normalised. Fails (validation_failed) when absent, with
// `missing_message`, or (email_address_invalid) when it is not an address.
Result<std::string> RequiredEmail(const rapidjson::Document& body, std::string_view missing_message) {
  auto field = StringField(body, "email");
  if (!field) return std::move(field).error();
  if (!*field || Trim(**field).empty()) {
    return Error::WithReason(ErrorCode::kInvalidArgument, "validation_failed", std::string(missing_message));
  }
  std::string email = tb::auth::NormalizeEmail(**field);
  if (email.empty()) {
    return Error::WithReason(ErrorCode::kInvalidArgument, "email_address_invalid",
                             "Unable to validate email address: invalid format");
  }
  return email;
}

bool HasPhone(const rapidjson::Document& body) {
  const auto it = body.FindMember("phone");
  return it != body.MemberEnd() && !it->value.IsNull();
}

// The token purposes each GoTrue verification `type` accepts. "email" is GoTrue's
// umbrella for sign-in codes and sign-up confirmations.
constexpr EmailPurpose kSignupPurposes[] = {EmailPurpose::kSignup};
constexpr EmailPurpose kEmailPurposes[] = {EmailPurpose::kEmailOtp, EmailPurpose::kSignup};
constexpr EmailPurpose kMagicLinkPurposes[] = {EmailPurpose::kEmailOtp};
constexpr EmailPurpose kRecoveryPurposes[] = {EmailPurpose::kRecovery};
constexpr EmailPurpose kEmailChangePurposes[] = {EmailPurpose::kEmailChange};

std::span<const EmailPurpose> PurposesOf(std::string_view type) {
  if (type == "signup") return kSignupPurposes;
  if (type == "email") return kEmailPurposes;
  if (type == "magiclink") return kMagicLinkPurposes;
  if (type == "recovery") return kRecoveryPurposes;
  if (type == "email_change") return kEmailChangePurposes;
  return {};
}

// A type we do not verify: invite (no invitations through auth) and phone types.
std::string_view UnsupportedTypeMessage(std::string_view type) {
  return type == "invite" ? "Verification type invite is not supported" : "Unsupported verification type";
}

// Codes are sometimes shown grouped ("123-456") or pasted with spaces.
std::string CompactCode(std::string_view code) {
  std::string out;
  for (char c : code) {
    if (c != '-' && c != ' ') out += c;
  }
  return out;
}

struct SignedIn {
  tb::auth::IssuedSession session;
  User user;
  std::vector<tb::auth::Factor> factors;
};

// Verifies a code (with `email`) or a link token (`token_hash`), applies what it proves
// and starts a session, all in one write transaction.
Result<SignedIn> VerifyAndSignIn(const http::Request& request, const AuthContext& context,
                                 std::span<const EmailPurpose> purposes, std::string_view email,
                                 std::string_view code, std::string_view token_hash) {
  const tb::auth::ClientInfo client = ClientOf(request);
  auto txn = context.store->Begin(store::Access::kWrite);
  if (!txn) return std::move(txn).error();
  auto verified = token_hash.empty()
                      ? context.email_tokens->VerifyCode(**txn, email, purposes, code, client)
                      : context.email_tokens->VerifyLink(**txn, token_hash, purposes, client);
  if (!verified) {
    // A wrong code was counted against the code's attempts: that must stick.
    if (Status s = (*txn)->Commit(); !s) return std::move(s).error();
    return std::move(verified).error();
  }
  if (verified->user.BannedAt(FormatTimestamp(context.clock->Now()))) {
    return Error::WithReason(ErrorCode::kPermissionDenied, "user_banned", "User is banned");
  }
  auto user = context.email_tokens->Apply(**txn, *verified);
  if (!user) return std::move(user).error();
  auto session = context.sessions->Create(**txn, *user, "otp", client);
  if (!session) return std::move(session).error();
  auto fresh = tb::auth::users::FindById(**txn, user->id);  // with last_sign_in_at
  if (!fresh) return std::move(fresh).error();
  auto factors = tb::auth::users::ListFactors(**txn, user->id);
  if (!factors) return std::move(factors).error();
  if (!*fresh) return Error::Make(ErrorCode::kInternal, "Unexpected failure", "verified user vanished");
  if (Status s = (*txn)->Commit(); !s) return std::move(s).error();
  return SignedIn{std::move(*session), std::move(**fresh), std::move(*factors)};
}

// GoTrue's implicit-flow answer to a clicked link: 303 to `target` with the outcome in
// the fragment (never the query, so it stays out of server logs and Referer headers).
http::Response RedirectTo(std::string_view target, std::string_view fragment) {
  http::Response response;
  response.status = 303;
  const std::string base(target.substr(0, target.find('#')));
  response.SetHeader("Location", fragment.empty() ? base : base + "#" + std::string(fragment));
  return response;
}

http::Response RedirectWithError(std::string_view target, const Error& error) {
  const int status = AuthErrorFrom(error).status;  // also logs unexpected failures
  const char* oauth_error = status == 403 ? "access_denied"
                            : status >= 500 ? "server_error"
                                            : "invalid_request";
  std::string code = error.reason;
  std::string description = error.message;
  if (code == "otp_expired") description = "Email link is invalid or has expired";
  if (status >= 500) {
    code = "unexpected_failure";
    description = "Unexpected failure, please check server logs";
  }
  if (code.empty()) code = "validation_failed";
  return RedirectTo(target, std::string("error=") + oauth_error + "&error_code=" + PercentEncode(code) +
                                "&error_description=" + PercentEncode(description));
}

// Issues a token for `user`, commits, then sends the message; 200 {} when sent.
http::Response IssueAndSend(const http::Request& request, const AuthContext& context,
                            std::unique_ptr<store::Transaction> txn, const User& user,
                            EmailPurpose purpose, std::string_view to_email) {
  auto message = context.email_tokens->Issue(*txn, user, purpose, to_email, ClientOf(request),
                                             request.QueryParam("redirect_to"));
  if (!message) return AuthErrorFrom(message.error());
  if (Status s = txn->Commit(); !s) return AuthErrorFrom(s.error());
  return SendMail(context, *message);
}

}  // namespace

http::Response Recover(http::Request& request, const AuthContext& context) {
  if (auto identity = Authenticate(request, context); !identity) return AuthErrorFrom(identity.error());
  auto body = ParseObject(request.body);
  if (!body) return AuthError(400, "bad_json", body.error().message);
  auto email = RequiredEmail(*body, "Password recovery requires an email");
  if (!email) return AuthErrorFrom(email.error());
  if (!WithinRateLimits(context, request, "recover", *email)) return RateLimited();

  auto txn = context.store->Begin(store::Access::kWrite);
  if (!txn) return AuthErrorFrom(txn.error());
  auto user = tb::auth::users::FindByEmail(**txn, *email);
  if (!user) return AuthErrorFrom(user.error());
  // The same answer whether or not the address has an account: no enumeration.
  if (!*user) return http::Response::Json(200, "{}");
  return IssueAndSend(request, context, std::move(*txn), **user, EmailPurpose::kRecovery, (*user)->email);
}

http::Response Otp(http::Request& request, const AuthContext& context) {
  if (auto identity = Authenticate(request, context); !identity) return AuthErrorFrom(identity.error());
  auto body = ParseObject(request.body);
  if (!body) return AuthError(400, "bad_json", body.error().message);
  if (HasPhone(*body)) return AuthError(422, "phone_provider_disabled", "Phone logins are disabled");
  auto email = RequiredEmail(*body, "An email address is required");
  if (!email) return AuthErrorFrom(email.error());
  auto create_user = BoolField(*body, "create_user");
  if (!create_user) return BadRequest(create_user.error().message);
  auto data = ObjectField(*body, "data");
  if (!data) return BadRequest(data.error().message);
  if (!WithinRateLimits(context, request, "otp", *email)) return RateLimited();

  auto txn = context.store->Begin(store::Access::kWrite);
  if (!txn) return AuthErrorFrom(txn.error());
  auto found = tb::auth::users::FindByEmail(**txn, *email);
  if (!found) return AuthErrorFrom(found.error());
  std::optional<User> user = std::move(*found);
  if (!user) {
    if (!create_user->value_or(true)) return AuthError(422, "otp_disabled", "Signups not allowed for otp");
    tb::auth::NewUser fields;
    fields.email = *email;
    if (!data->empty()) fields.user_metadata = *data;
    auto created = tb::auth::users::Create(**txn, fields);
    if (!created) return AuthErrorFrom(created.error());
    user = std::move(*created);
  }
  return IssueAndSend(request, context, std::move(*txn), *user, EmailPurpose::kEmailOtp, user->email);
}

http::Response Verify(http::Request& request, const AuthContext& context) {
  if (auto identity = Authenticate(request, context); !identity) return AuthErrorFrom(identity.error());
  if (!WithinRateLimits(context, request, "verify", "")) return RateLimited();
  auto body = ParseObject(request.body);
  if (!body) return AuthError(400, "bad_json", body.error().message);
  auto type = StringField(*body, "type");
  auto token = StringField(*body, "token");
  auto token_hash = StringField(*body, "token_hash");
  for (const auto* field : {&type, &token, &token_hash}) {
    if (!*field) return BadRequest(field->error().message);
  }
  if (HasPhone(*body)) return BadRequest("Phone verification is not supported");
  if (!*type || (*type)->empty()) return BadRequest("Verify requires a verification type");
  const auto purposes = PurposesOf(**type);
  if (purposes.empty()) return BadRequest(UnsupportedTypeMessage(**type));

  const std::string link_token = token_hash->value_or("");
  const std::string code = link_token.empty() ? CompactCode(token->value_or("")) : "";
  if (link_token.empty() && code.empty()) return BadRequest("Verify requires either a token or a token hash");
  std::string email;
  if (link_token.empty()) {
    auto given = RequiredEmail(*body, "Verify requires an email address with the token");
    if (!given) return AuthErrorFrom(given.error());
    email = std::move(*given);
  }
  auto result = VerifyAndSignIn(request, context, purposes, email, code, link_token);
  if (!result) return AuthErrorFrom(result.error());
  return SessionResponse(result->session, result->user, result->factors);
}

http::Response VerifyEmailLink(http::Request& request, const AuthContext& context) {
  // A link opened from a mailbox carries no apikey: the token is the credential.
  if (!WithinRateLimits(context, request, "verify", "")) return RateLimited();
  const std::string target = tb::auth::AllowedRedirect(*context.config, request.QueryParam("redirect_to"));
  // Link checkers probe with HEAD; only a real visit (GET) may spend the single-use token.
  if (request.method == "HEAD") return RedirectTo(target, "");
  const std::string type = request.QueryParam("type");
  const auto purposes = PurposesOf(type);
  if (purposes.empty()) {
    return RedirectWithError(target, Error::WithReason(ErrorCode::kInvalidArgument, "validation_failed",
                                                       std::string(UnsupportedTypeMessage(type))));
  }
  auto result = VerifyAndSignIn(request, context, purposes, "", "", request.QueryParam("token"));
  if (!result) return RedirectWithError(target, result.error());
  const auto& s = result->session;
  return RedirectTo(target, "access_token=" + PercentEncode(s.access_token) +
                                "&expires_at=" + std::to_string(s.expires_at) +
                                "&expires_in=" + std::to_string(s.expires_in) +
                                "&refresh_token=" + PercentEncode(s.refresh_token) +
                                "&token_type=bearer&type=" + PercentEncode(type));
}

http::Response Resend(http::Request& request, const AuthContext& context) {
  if (auto identity = Authenticate(request, context); !identity) return AuthErrorFrom(identity.error());
  auto body = ParseObject(request.body);
  if (!body) return AuthError(400, "bad_json", body.error().message);
  auto type = StringField(*body, "type");
  if (!type) return BadRequest(type.error().message);
  if (!*type || (**type != "signup" && **type != "email_change")) {
    return BadRequest("Missing one of these types: signup, email_change");
  }
  if (HasPhone(*body)) return AuthError(422, "phone_provider_disabled", "Phone logins are disabled");
  auto email = RequiredEmail(*body, "Type provided requires an email address");
  if (!email) return AuthErrorFrom(email.error());
  if (!WithinRateLimits(context, request, "resend", *email)) return RateLimited();

  auto txn = context.store->Begin(store::Access::kWrite);
  if (!txn) return AuthErrorFrom(txn.error());
  auto user = tb::auth::users::FindByEmail(**txn, *email);
  if (!user) return AuthErrorFrom(user.error());
  // Nothing to resend gets the same answer as a resend: no enumeration.
  if (!*user) return http::Response::Json(200, "{}");
  if (**type == "signup") {
    if ((*user)->confirmed()) return http::Response::Json(200, "{}");
    return IssueAndSend(request, context, std::move(*txn), **user, EmailPurpose::kSignup, (*user)->email);
  }
  if ((*user)->email_change.empty()) return http::Response::Json(200, "{}");
  return IssueAndSend(request, context, std::move(*txn), **user, EmailPurpose::kEmailChange,
                      (*user)->email_change);
}

}  // namespace tb::api::auth
