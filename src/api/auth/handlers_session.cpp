// Sign-up, the token grants, the current user, logout and settings.
#include "api/auth/auth_handlers.h"

#include <optional>

#include "api/auth/auth_response.h"
#include "api/auth/authenticate.h"
#include "api/auth/handler_support.h"
#include "api/json.h"
#include "crypto/password.h"
#include "domain/auth/admin_users.h"
#include "crypto/random.h"

namespace tb::api::auth {

namespace {

using tb::auth::EmailPurpose;
using tb::auth::User;

http::Response BadRequest(std::string_view message) {
  return AuthError(400, "validation_failed", message);
}

// Reads the user and their factors in a read transaction.
Result<std::pair<User, std::vector<tb::auth::Factor>>> LoadUser(const AuthContext& context,
                                                                 std::string_view user_id) {
  auto txn = context.store->Begin(store::Access::kRead);
  if (!txn) return std::move(txn).error();
  auto user = tb::auth::users::FindById(**txn, user_id);
  if (!user) return std::move(user).error();
  if (!*user) return Error::WithReason(ErrorCode::kNotFound, "user_not_found", "User not found");
  auto factors = tb::auth::users::ListFactors(**txn, user_id);
  if (!factors) return std::move(factors).error();
  return std::make_pair(std::move(**user), std::move(*factors));
}

// The email, password and user data fields signup and PUT /user share: each optional;
// a field of the wrong type fails with its message.
struct Credentials {
  std::optional<std::string> email;
  std::optional<std::string> password;
  std::string data;  // a JSON object's text, "" when absent
};

Result<Credentials> CredentialFields(const rapidjson::Document& body) {
  auto email = StringField(body, "email");
  if (!email) return std::move(email).error();
  auto password = StringField(body, "password");
  if (!password) return std::move(password).error();
  auto data = ObjectField(body, "data");
  if (!data) return std::move(data).error();
  return Credentials{std::move(*email), std::move(*password), std::move(*data)};
}

// A user object for an address that is already registered, when confirmation is on:
// answering "exists" would tell anyone which addresses have accounts.
http::Response ObfuscatedUser(std::string_view email, const Clock& clock) {
  User fake;
  fake.id = crypto::RandomUuid();
  fake.aud = "authenticated";
  fake.role = "authenticated";
  fake.email = std::string(email);
  fake.created_at = fake.updated_at = FormatTimestamp(clock.Now());
  fake.confirmation_sent_at = fake.created_at;
  return UserResponse(fake, {});
}

http::Response PasswordGrant(http::Request& request, const AuthContext& context,
                             const rapidjson::Document& body) {
  auto email_field = StringField(body, "email");
  auto password_field = StringField(body, "password");
  if (!email_field || !password_field) {
    return BadRequest(!email_field ? email_field.error().message : password_field.error().message);
  }
  if (!*email_field || !*password_field) {
    return BadRequest("A valid email and password are required");
  }
  const std::string email = tb::auth::NormalizeEmail(**email_field);
  if (!WithinRateLimits(context, request, "token", email)) return RateLimited();

  std::optional<User> user;
  {
    auto txn = context.store->Begin(store::Access::kRead);
    if (!txn) return AuthErrorFrom(txn.error());
    if (!email.empty()) {
      auto found = tb::auth::users::FindByEmail(**txn, email);
      if (!found) return AuthErrorFrom(found.error());
      user = std::move(*found);
    }
  }
  // Verify against a real-cost dummy hash when there is no user, so timing does not
  // reveal which addresses are registered.
  const std::string& hash = user && !user->encrypted_password.empty()
                                ? user->encrypted_password
                                : crypto::DummyPasswordHash();
  const bool password_ok = crypto::VerifyPassword(**password_field, hash);
  if (!user || user->encrypted_password.empty() || !password_ok) {
    return AuthError(400, "invalid_credentials", "Invalid login credentials");
  }
  if (context.config->confirm_email && !user->confirmed()) {
    return AuthError(400, "email_not_confirmed", "Email not confirmed");
  }
  if (user->BannedAt(FormatTimestamp(context.clock->Now()))) {
    return AuthError(400, "user_banned", "User is banned");
  }
  auto txn = context.store->Begin(store::Access::kWrite);
  if (!txn) return AuthErrorFrom(txn.error());
  auto session = context.sessions->Create(**txn, *user, "password", ClientOf(request));
  if (!session) return AuthErrorFrom(session.error());
  auto fresh = tb::auth::users::FindById(**txn, user->id);
  auto factors = tb::auth::users::ListFactors(**txn, user->id);
  if (!fresh || !*fresh || !factors) return AuthErrorFrom(Error::Make(ErrorCode::kInternal, "reload failed"));
  if (Status s = (*txn)->Commit(); !s) return AuthErrorFrom(s.error());
  return SessionResponse(*session, **fresh, *factors);
}

http::Response RefreshGrant(const AuthContext& context, const rapidjson::Document& body) {
  auto token = StringField(body, "refresh_token");
  if (!token) return BadRequest(token.error().message);
  if (!*token || (*token)->empty()) return BadRequest("refresh_token is required");
  auto txn = context.store->Begin(store::Access::kWrite);
  if (!txn) return AuthErrorFrom(txn.error());
  auto refreshed = context.sessions->Refresh(**txn, **token);
  // Commit even on failure: reuse detection deletes the session, and that must stick.
  std::vector<tb::auth::Factor> factors;
  if (refreshed) {
    auto listed = tb::auth::users::ListFactors(**txn, refreshed->user.id);
    if (!listed) return AuthErrorFrom(listed.error());
    factors = std::move(*listed);
  }
  if (Status s = (*txn)->Commit(); !s) return AuthErrorFrom(s.error());
  if (!refreshed) return AuthErrorFrom(refreshed.error());
  return SessionResponse(refreshed->session, refreshed->user, factors);
}

}  // namespace

http::Response Signup(http::Request& request, const AuthContext& context) {
  if (auto identity = Authenticate(request, context); !identity) return AuthErrorFrom(identity.error());
  auto body = ParseObject(request.body);
  if (!body) return AuthError(400, "bad_json", body.error().message);
  auto credentials = CredentialFields(*body);
  if (!credentials) return BadRequest(credentials.error().message);
  auto& [email_field, password_field, data] = *credentials;
  if (body->HasMember("phone") && !(*body)["phone"].IsNull()) {
    return AuthError(422, "phone_provider_disabled", "Phone signups are disabled");
  }
  if (!email_field) return BadRequest("To signup, please provide your email");
  const std::string email = tb::auth::NormalizeEmail(*email_field);
  if (email.empty()) {
    return AuthError(400, "email_address_invalid", "Unable to validate email address: invalid format");
  }
  if (!WithinRateLimits(context, request, "signup", email)) return RateLimited();
  if (!password_field) return BadRequest("Signup requires a valid password");
  if (!StrongEnough(context, *password_field)) return WeakPassword(context);

  // argon2 takes tens of milliseconds: hash before taking the writer.
  auto hash = crypto::HashPassword(*password_field);
  if (!hash) return AuthErrorFrom(hash.error());

  auto txn = context.store->Begin(store::Access::kWrite);
  if (!txn) return AuthErrorFrom(txn.error());
  auto existing = tb::auth::users::FindByEmail(**txn, email);
  if (!existing) return AuthErrorFrom(existing.error());
  if (*existing) {
    if (context.config->confirm_email) return ObfuscatedUser(email, *context.clock);
    return AuthError(422, "user_already_exists", "User already registered");
  }
  tb::auth::NewUser fields;
  fields.email = email;
  fields.encrypted_password = *hash;
  if (!data.empty()) fields.user_metadata = data;
  fields.confirmed = !context.config->confirm_email;
  auto user = tb::auth::users::Create(**txn, fields);
  if (!user) return AuthErrorFrom(user.error());

  if (context.config->confirm_email) {
    auto message = context.email_tokens->Issue(**txn, *user, EmailPurpose::kSignup, email, ClientOf(request),
                                                request.QueryParam("redirect_to"));
    if (!message) return AuthErrorFrom(message.error());
    auto reloaded = tb::auth::users::FindById(**txn, user->id);
    if (!reloaded || !*reloaded) return AuthErrorFrom(Error::Make(ErrorCode::kInternal, "reload failed"));
    if (Status s = (*txn)->Commit(); !s) return AuthErrorFrom(s.error());
    if (http::Response sent = SendMail(context, *message); sent.status != 200) return sent;
    return UserResponse(**reloaded, {});
  }
  auto session = context.sessions->Create(**txn, *user, "password", ClientOf(request));
  if (!session) return AuthErrorFrom(session.error());
  auto reloaded = tb::auth::users::FindById(**txn, user->id);
  if (!reloaded || !*reloaded) return AuthErrorFrom(Error::Make(ErrorCode::kInternal, "reload failed"));
  if (Status s = (*txn)->Commit(); !s) return AuthErrorFrom(s.error());
  return SessionResponse(*session, **reloaded, {});
}

http::Response Token(http::Request& request, const AuthContext& context) {
  if (auto identity = Authenticate(request, context); !identity) return AuthErrorFrom(identity.error());
  auto body = ParseObject(request.body);
  if (!body) return AuthError(400, "bad_json", body.error().message);
  const std::string grant = request.QueryParam("grant_type");
  if (grant == "password") return PasswordGrant(request, context, *body);
  if (grant == "refresh_token") return RefreshGrant(context, *body);
  return AuthError(400, "unsupported_grant_type",
                   "unsupported_grant_type: use password or refresh_token");
}

http::Response GetUser(http::Request& request, const AuthContext& context) {
  auto identity = Authenticate(request, context);
  if (!identity) return AuthErrorFrom(identity.error());
  if (!identity->is_user()) return AuthError(403, "bad_jwt", "invalid claim: missing sub claim");
  auto loaded = LoadUser(context, identity->user_id);
  if (!loaded) return AuthErrorFrom(loaded.error());
  return UserResponse(loaded->first, loaded->second);
}

http::Response UpdateUser(http::Request& request, const AuthContext& context) {
  auto identity = Authenticate(request, context);
  if (!identity) return AuthErrorFrom(identity.error());
  if (!identity->is_user()) return AuthError(403, "bad_jwt", "invalid claim: missing sub claim");
  auto body = ParseObject(request.body);
  if (!body) return AuthError(400, "bad_json", body.error().message);
  auto credentials = CredentialFields(*body);
  if (!credentials) return BadRequest(credentials.error().message);
  auto& [email_field, password_field, data] = *credentials;
  std::string new_hash;
  if (password_field) {
    if (!StrongEnough(context, *password_field)) return WeakPassword(context);
    auto current = LoadUser(context, identity->user_id);
    if (!current) return AuthErrorFrom(current.error());
    if (crypto::VerifyPassword(*password_field, current->first.encrypted_password)) {
      return AuthError(422, "same_password", "New password should be different from the old password.");
    }
    auto hash = crypto::HashPassword(*password_field);
    if (!hash) return AuthErrorFrom(hash.error());
    new_hash = std::move(*hash);
  }
  std::string new_email;
  if (email_field) {
    new_email = tb::auth::NormalizeEmail(*email_field);
    if (new_email.empty()) {
      return AuthError(400, "email_address_invalid", "Unable to validate email address: invalid format");
    }
  }

  auto txn = context.store->Begin(store::Access::kWrite);
  if (!txn) return AuthErrorFrom(txn.error());
  auto user = tb::auth::users::FindById(**txn, identity->user_id);
  if (!user) return AuthErrorFrom(user.error());
  if (!*user) return AuthError(404, "user_not_found", "User not found");
  if (!new_hash.empty()) {
    if (Status s = tb::auth::users::SetColumn(**txn, identity->user_id, tb::auth::users::kEncryptedPassword, new_hash); !s) {
      return AuthErrorFrom(s.error());
    }
    // As GoTrue does: a new password signs out every other session of the user.
    if (Status s = context.sessions->Logout(**txn, *identity, tb::auth::LogoutScope::kOthers); !s) {
      return AuthErrorFrom(s.error());
    }
  }
  if (!data.empty()) {
    // GoTrue merges the given keys into user_metadata; a null value removes a key.
    auto merged = tb::auth::MergeMetadata((*user)->raw_user_meta_data, data);
    if (!merged) return AuthErrorFrom(merged.error());
    if (Status s = tb::auth::users::SetColumn(**txn, identity->user_id, tb::auth::users::kRawUserMetaData, *merged); !s) {
      return AuthErrorFrom(s.error());
    }
  }
  std::optional<mail::Message> message;
  if (!new_email.empty() && new_email != (*user)->email) {
    auto taken = tb::auth::users::FindByEmail(**txn, new_email);
    if (!taken) return AuthErrorFrom(taken.error());
    if (*taken) return AuthError(422, "email_exists", "A user with this email address has already been registered");
    if (!context.config->confirm_email) {
      // Without email confirmation (GoTrue's autoconfirm) the new address applies at once.
      if (Status s = tb::auth::users::SetColumn(**txn, identity->user_id, tb::auth::users::kEmail, new_email); !s) {
        return AuthErrorFrom(s.error());
      }
    } else {
      auto issued = context.email_tokens->Issue(**txn, **user, EmailPurpose::kEmailChange, new_email,
                                               ClientOf(request), request.QueryParam("redirect_to"));
      if (!issued) return AuthErrorFrom(issued.error());
      message = std::move(*issued);
    }
  }
  auto updated = tb::auth::users::FindById(**txn, identity->user_id);
  auto factors = tb::auth::users::ListFactors(**txn, identity->user_id);
  if (!updated || !*updated || !factors) return AuthErrorFrom(Error::Make(ErrorCode::kInternal, "reload failed"));
  if (Status s = (*txn)->Commit(); !s) return AuthErrorFrom(s.error());
  if (message) {
    if (http::Response sent = SendMail(context, *message); sent.status != 200) return sent;
  }
  return UserResponse(**updated, *factors);
}

http::Response Logout(http::Request& request, const AuthContext& context) {
  auto identity = Authenticate(request, context);
  if (!identity) return AuthErrorFrom(identity.error());
  if (!identity->is_user()) return AuthError(403, "bad_jwt", "invalid claim: missing sub claim");
  const std::string scope_text = request.QueryParam("scope");
  tb::auth::LogoutScope scope = tb::auth::LogoutScope::kGlobal;
  if (scope_text == "local") {
    scope = tb::auth::LogoutScope::kLocal;
  } else if (scope_text == "others") {
    scope = tb::auth::LogoutScope::kOthers;
  } else if (!scope_text.empty() && scope_text != "global") {
    return BadRequest("scope must be global, local or others");
  }
  auto txn = context.store->Begin(store::Access::kWrite);
  if (!txn) return AuthErrorFrom(txn.error());
  if (Status s = context.sessions->Logout(**txn, *identity, scope); !s) return AuthErrorFrom(s.error());
  if (Status s = (*txn)->Commit(); !s) return AuthErrorFrom(s.error());
  http::Response response;
  response.status = 204;
  return response;
}

http::Response Settings(http::Request& request, const AuthContext& context) {
  if (auto identity = Authenticate(request, context); !identity) return AuthErrorFrom(identity.error());
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("external");
  w.StartObject();
  for (const char* provider : {"anonymous_users", "apple", "azure", "bitbucket", "discord",
                               "facebook", "figma", "github", "gitlab", "google", "keycloak",
                               "linkedin", "notion", "phone", "saml", "slack", "spotify",
                               "twitch", "twitter", "workos", "zoom"}) {
    w.Key(provider);
    w.Bool(false);
  }
  w.Key("email");
  w.Bool(true);
  w.EndObject();
  w.Key("disable_signup");
  w.Bool(false);
  w.Key("mailer_autoconfirm");
  w.Bool(!context.config->confirm_email);
  w.Key("phone_autoconfirm");
  w.Bool(false);
  w.Key("sms_provider");
  w.String("");
  w.Key("saml_enabled");
  w.Bool(false);
  w.EndObject();
  return http::Response::Json(200, std::string(buffer.GetString(), buffer.GetSize()));
}

}  // namespace tb::api::auth
