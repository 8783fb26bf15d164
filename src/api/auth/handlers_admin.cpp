// The service_role's user administration: GoTrue's /admin/users, which supabase-js calls
// as auth.admin.createUser / listUsers / getUserById / updateUserById / deleteUser. Only
// the service_role key passes (GoTrue's requireAdmin); the rules live in
// domain/auth/admin_users.h. Fields GoTrue takes that Tenantbase does not implement
// (phone, password_hash, a chosen id, another role or audience) are refused with 400
// rather than silently ignored.
#include <charconv>

#include "api/auth/auth_handlers.h"
#include "api/auth/auth_response.h"
#include "api/auth/authenticate.h"
#include "api/auth/handler_support.h"
#include "api/json.h"
#include "base/strings.h"
#include "crypto/password.h"
#include "domain/auth/admin_users.h"

namespace tb::api::auth {

namespace {

using tb::auth::AdminUsers;
using tb::auth::UserAttributes;

constexpr uint64_t kDefaultPerPage = 50;
constexpr uint64_t kMaxPerPage = 1000;

http::Response BadRequest(std::string_view message) {
  return AuthError(400, "validation_failed", message);
}

// A user's token or the anon key is 403 not_admin, as GoTrue answers; a bad credential
// keeps Authenticate's own refusal.
std::optional<http::Response> RefuseUnlessAdmin(const http::Request& request, const AuthContext& context) {
  auto identity = Authenticate(request, context);
  if (!identity) return AuthErrorFrom(identity.error());
  if (!identity->is_service_role()) return AuthError(403, "not_admin", "User not allowed");
  return std::nullopt;
}

// GoTrue answers a path id that is not a UUID with 404 validation_failed.
std::optional<std::string> UserIdOf(const http::Request& request) {
  const std::string_view id = request.PathParam("id");
  if (!LooksLikeUuid(id)) return std::nullopt;
  return AsciiLower(id);
}

http::Response NotAUuid() { return AuthError(404, "validation_failed", "user_id must be an UUID"); }

// A create or update request's body, checked. `refusal` is set when the body is refused.
struct AdminRequest {
  UserAttributes attributes;
  std::optional<std::string> password;  // as sent; hashed outside the writer
  std::optional<http::Response> refusal;
};

// Refuses what GoTrue would act on but Tenantbase cannot: better a clear 400 than a user
// created without the phone or id the caller asked for.
std::optional<http::Response> RefuseUnsupported(const rapidjson::Document& body, bool creating) {
  const auto given = [&body](const char* name) {
    const auto it = body.FindMember(name);
    return it != body.MemberEnd() && !it->value.IsNull() &&
           !(it->value.IsString() && it->value.GetStringLength() == 0);
  };
  for (const char* name : {"phone", "password_hash"}) {
    if (given(name)) return BadRequest(std::string(name) + " is not supported");
  }
  // On update the path names the user, and GoTrue ignores an id in the body.
  if (creating && given("id")) return BadRequest("id is not supported: the server chooses it");
  for (const char* name : {"role", "aud"}) {
    if (!given(name)) continue;
    const auto& value = body[name];
    const bool ok = value.IsString() &&
                    std::string_view(value.GetString(), value.GetStringLength()) == "authenticated";
    if (!ok) {
      return BadRequest(std::string(name) + " must be \"authenticated\"");
    }
  }
  return std::nullopt;
}

AdminRequest Refused(http::Response response) {
  AdminRequest out;
  out.refusal = std::move(response);
  return out;
}

AdminRequest ReadAttributes(const http::Request& request, bool creating) {
  auto body = ParseObject(request.body);
  if (!body) return Refused(AuthError(400, "bad_json", body.error().message));
  if (auto refused = RefuseUnsupported(*body, creating)) return Refused(std::move(*refused));
  auto email = StringField(*body, "email");
  auto password = StringField(*body, "password");
  auto confirm = BoolField(*body, "email_confirm");
  auto ban = StringField(*body, "ban_duration");
  auto user_metadata = ObjectField(*body, "user_metadata");
  auto app_metadata = ObjectField(*body, "app_metadata");
  if (!email) return Refused(BadRequest(email.error().message));
  if (!password) return Refused(BadRequest(password.error().message));
  if (!confirm) return Refused(BadRequest(confirm.error().message));
  if (!ban) return Refused(BadRequest(ban.error().message));
  if (!user_metadata) return Refused(BadRequest(user_metadata.error().message));
  if (!app_metadata) return Refused(BadRequest(app_metadata.error().message));

  AdminRequest out;
  if (*email && !(*email)->empty()) {
    std::string normalized = tb::auth::NormalizeEmail(**email);
    if (normalized.empty()) {
      return Refused(
          AuthError(400, "email_address_invalid", "Unable to validate email address: invalid format"));
    }
    out.attributes.email = std::move(normalized);
  }
  out.password = std::move(*password);
  out.attributes.confirm_email = confirm->value_or(false);
  if (!user_metadata->empty()) out.attributes.user_metadata = std::move(*user_metadata);
  if (!app_metadata->empty()) out.attributes.app_metadata = std::move(*app_metadata);
  if (*ban && !(*ban)->empty()) {
    if (**ban == "none") {
      out.attributes.ban = std::chrono::nanoseconds(0);
    } else {
      auto duration = tb::auth::ParseGoDuration(**ban);
      if (!duration) {
        return Refused(BadRequest("invalid format for ban duration: " + duration.error().message));
      }
      out.attributes.ban = *duration;
    }
  }
  return out;
}

// A page or per_page value: `fallback` when empty (auth-js sends "page=&per_page=" when
// not told), otherwise a whole number of at least 1.
std::optional<uint64_t> PositiveNumber(std::string_view text, uint64_t fallback) {
  if (text.empty()) return fallback;
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value == 0) return std::nullopt;
  return value;
}

// GoTrue's Link header: rel="next" while pages remain, and always rel="last". auth-js
// takes the page number from the text after the first '=' of each link, so page comes
// first in the query.
std::string PaginationLinks(std::string_view path, uint64_t page, uint64_t per_page, int64_t total) {
  const uint64_t last = (static_cast<uint64_t>(total) + per_page - 1) / per_page;
  const auto link = [&](uint64_t n, std::string_view rel) {
    return "<" + std::string(path) + "?page=" + std::to_string(n) + "&per_page=" + std::to_string(per_page) +
           ">; rel=\"" + std::string(rel) + "\"";
  };
  std::string header;
  if (last > page) header = link(page + 1, "next") + ", ";
  return header + link(last, "last");
}

}  // namespace

http::Response AdminListUsers(http::Request& request, const AuthContext& context) {
  if (auto refused = RefuseUnlessAdmin(request, context)) return *refused;
  const auto page = PositiveNumber(request.QueryParam("page"), 1);
  const auto per_page = PositiveNumber(request.QueryParam("per_page"), kDefaultPerPage);
  if (!page || !per_page) {
    return BadRequest("Bad Pagination Parameters: page and per_page must be whole numbers of at least 1");
  }
  const uint64_t size = std::min(*per_page, kMaxPerPage);
  auto txn = context.store->Begin(store::Access::kRead);
  if (!txn) return AuthErrorFrom(txn.error());
  auto listed = AdminUsers(*context.clock).List(**txn, *page, size);
  if (!listed) return AuthErrorFrom(listed.error());

  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("users");
  w.StartArray();
  for (const auto& user : listed->users) WriteUser(w, user, {});
  w.EndArray();
  w.Key("aud");
  w.String("authenticated");
  w.EndObject();
  http::Response response = http::Response::Json(200, std::string(buffer.GetString(), buffer.GetSize()));
  response.SetHeader("X-Total-Count", std::to_string(listed->total));
  response.SetHeader("Link", PaginationLinks(request.path, *page, size, listed->total));
  return response;
}

http::Response AdminCreateUser(http::Request& request, const AuthContext& context) {
  if (auto refused = RefuseUnlessAdmin(request, context)) return *refused;
  AdminRequest parsed = ReadAttributes(request, /*creating=*/true);
  if (parsed.refusal) return *parsed.refusal;
  if (!parsed.attributes.email) return BadRequest("Cannot create a user without either an email or phone");
  // No password (or "") leaves the user without one, as GoTrue's random one does in effect:
  // they sign in by email code or recovery until one is set.
  if (parsed.password && !parsed.password->empty()) {
    if (!StrongEnough(context, *parsed.password)) return WeakPassword(context);
    auto hash = crypto::HashPassword(*parsed.password);  // before taking the writer
    if (!hash) return AuthErrorFrom(hash.error());
    parsed.attributes.encrypted_password = std::move(*hash);
  }
  auto txn = context.store->Begin(store::Access::kWrite);
  if (!txn) return AuthErrorFrom(txn.error());
  auto user = AdminUsers(*context.clock).Create(**txn, parsed.attributes);
  if (!user) return AuthErrorFrom(user.error());
  if (Status s = (*txn)->Commit(); !s) return AuthErrorFrom(s.error());
  return UserResponse(*user, {});
}

http::Response AdminGetUser(http::Request& request, const AuthContext& context) {
  if (auto refused = RefuseUnlessAdmin(request, context)) return *refused;
  const auto user_id = UserIdOf(request);
  if (!user_id) return NotAUuid();
  auto txn = context.store->Begin(store::Access::kRead);
  if (!txn) return AuthErrorFrom(txn.error());
  auto user = tb::auth::users::FindById(**txn, *user_id);
  if (!user) return AuthErrorFrom(user.error());
  if (!*user) return AuthError(404, "user_not_found", "User not found");
  auto factors = tb::auth::users::ListFactors(**txn, *user_id);
  if (!factors) return AuthErrorFrom(factors.error());
  return UserResponse(**user, *factors);
}

http::Response AdminUpdateUser(http::Request& request, const AuthContext& context) {
  if (auto refused = RefuseUnlessAdmin(request, context)) return *refused;
  const auto user_id = UserIdOf(request);
  if (!user_id) return NotAUuid();
  AdminRequest parsed = ReadAttributes(request, /*creating=*/false);
  if (parsed.refusal) return *parsed.refusal;
  if (parsed.password) {
    if (!StrongEnough(context, *parsed.password)) return WeakPassword(context);
    auto hash = crypto::HashPassword(*parsed.password);  // before taking the writer
    if (!hash) return AuthErrorFrom(hash.error());
    parsed.attributes.encrypted_password = std::move(*hash);
  }
  auto txn = context.store->Begin(store::Access::kWrite);
  if (!txn) return AuthErrorFrom(txn.error());
  auto user = AdminUsers(*context.clock).Update(**txn, *user_id, parsed.attributes);
  if (!user) return AuthErrorFrom(user.error());
  auto factors = tb::auth::users::ListFactors(**txn, *user_id);
  if (!factors) return AuthErrorFrom(factors.error());
  if (Status s = (*txn)->Commit(); !s) return AuthErrorFrom(s.error());
  return UserResponse(*user, *factors);
}

http::Response AdminDeleteUser(http::Request& request, const AuthContext& context) {
  if (auto refused = RefuseUnlessAdmin(request, context)) return *refused;
  const auto user_id = UserIdOf(request);
  if (!user_id) return NotAUuid();
  auto body = ParseObject(request.body);
  if (!body) return AuthError(400, "bad_json", body.error().message);
  auto soft = BoolField(*body, "should_soft_delete");
  if (!soft) return BadRequest(soft.error().message);
  const auto mode = soft->value_or(false) ? AdminUsers::DeleteMode::kSoft : AdminUsers::DeleteMode::kHard;
  auto txn = context.store->Begin(store::Access::kWrite);
  if (!txn) return AuthErrorFrom(txn.error());
  if (Status s = AdminUsers(*context.clock).Delete(**txn, *user_id, mode); !s) {
    return AuthErrorFrom(s.error());
  }
  if (Status s = (*txn)->Commit(); !s) return AuthErrorFrom(s.error());
  return http::Response::Json(200, "{}");
}

}  // namespace tb::api::auth
