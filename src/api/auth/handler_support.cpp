#include "api/auth/handler_support.h"

#include <spdlog/spdlog.h>

#include <string>

#include "api/auth/auth_response.h"
#include "api/json.h"
#include "domain/auth/user.h"

namespace tb::api::auth {

bool WithinRateLimits(const AuthContext& context, const http::Request& request,
                      std::string_view family, std::string_view email) {
  const auto& limits = context.config->rate_limits;
  if (!context.rate_limiter->Allow(std::string(family) + ":ip:" + request.remote_address,
                                   limits.per_ip, limits.window)) {
    return false;
  }
  return email.empty() || context.rate_limiter->Allow(std::string(family) + ":email:" + std::string(email),
                                                      limits.per_email, limits.window);
}

http::Response RateLimited() {
  return AuthError(429, "over_request_rate_limit", "Request rate limit reached");
}

http::Response SendMail(const AuthContext& context, const mail::Message& message) {
  if (Status s = context.mailer->Send(message); !s) {
    spdlog::error("could not send mail to {}: {}", message.to, Describe(s.error()));
    return AuthError(500, "unexpected_failure", "Error sending email");
  }
  return http::Response::Json(200, "{}");
}

bool StrongEnough(const AuthContext& context, std::string_view password) {
  return tb::auth::PasswordStrongEnough(password, context.config->min_password_length);
}

http::Response WeakPassword(const AuthContext& context) {
  const std::string msg = "Password should be at least " +
                          std::to_string(context.config->min_password_length) + " characters.";
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("code");
  w.Int(422);
  w.Key("error_code");
  w.String("weak_password");
  w.Key("msg");
  WriteString(w, msg);
  w.Key("weak_password");
  w.StartObject();
  w.Key("reasons");
  w.StartArray();
  w.String("length");
  w.EndArray();
  w.EndObject();
  w.EndObject();
  return http::Response::Json(422, std::string(buffer.GetString(), buffer.GetSize()));
}
}  // namespace tb::api::auth
