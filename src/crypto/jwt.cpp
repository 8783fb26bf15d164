#include "crypto/jwt.h"

#include <rapidjson/document.h>

#include "crypto/base64.h"
#include "crypto/hash.h"

namespace tb::crypto {

namespace {

constexpr std::string_view kHeader = R"({"alg":"HS256","typ":"JWT"})";

Error Unauthenticated(std::string message) {
  return Error::Make(ErrorCode::kUnauthenticated, std::move(message));
}

}  // namespace

std::string SignJwtHs256(std::string_view claims_json, std::string_view secret) {
  std::string token = Base64UrlEncode(kHeader);
  token += '.';
  token += Base64UrlEncode(claims_json);
  const std::string signature = HmacSha256(secret, token);
  token += '.';
  token += Base64UrlEncode(signature);
  return token;
}

Result<std::string> VerifyJwtHs256(std::string_view token, std::string_view secret,
                                   int64_t now_unix) {
  const size_t dot1 = token.find('.');
  const size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return Unauthenticated("invalid JWT: token is malformed");
  }
  const auto header = Base64UrlDecode(token.substr(0, dot1));
  const auto claims = Base64UrlDecode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  const auto signature = Base64UrlDecode(token.substr(dot2 + 1));
  if (!header || !claims || !signature) return Unauthenticated("invalid JWT: bad encoding");

  rapidjson::Document h;
  h.Parse(header->data(), header->size());
  if (h.HasParseError() || !h.IsObject()) return Unauthenticated("invalid JWT: bad header");
  const auto alg = h.FindMember("alg");
  if (alg == h.MemberEnd() || !alg->value.IsString() ||
      std::string_view(alg->value.GetString(), alg->value.GetStringLength()) != "HS256") {
    return Unauthenticated("invalid JWT: signing method is not HS256");
  }
  const std::string expected = HmacSha256(secret, token.substr(0, dot2));
  if (!ConstantTimeEquals(expected, *signature)) {
    return Unauthenticated("invalid JWT: signature is invalid");
  }

  rapidjson::Document c;
  c.Parse(claims->data(), claims->size());
  if (c.HasParseError() || !c.IsObject()) return Unauthenticated("invalid JWT: bad claims");
  if (const auto exp = c.FindMember("exp"); exp != c.MemberEnd()) {
    if (!exp->value.IsNumber()) return Unauthenticated("invalid JWT: exp is not a number");
    if (exp->value.GetDouble() <= static_cast<double>(now_unix)) {
      return Unauthenticated("invalid JWT: token is expired");
    }
  }
  if (const auto nbf = c.FindMember("nbf"); nbf != c.MemberEnd()) {
    if (!nbf->value.IsNumber()) return Unauthenticated("invalid JWT: nbf is not a number");
    if (nbf->value.GetDouble() > static_cast<double>(now_unix)) {
      return Unauthenticated("invalid JWT: token is not valid yet");
    }
  }
  return std::move(*claims);
}

}  // namespace tb::crypto
