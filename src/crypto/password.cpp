#include "crypto/password.h"

#include <sodium.h>

#include "crypto/random.h"

namespace tb::crypto {

Result<std::string> HashPassword(std::string_view password, const PasswordParams& params) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), params.ops, params.mem_bytes,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Error::Make(ErrorCode::kInternal, "could not hash the password",
                       "crypto_pwhash_str_alg failed (out of memory?)");
  }
  return std::string(out);
}

bool VerifyPassword(std::string_view password, std::string_view encoded) {
  if (encoded.empty() || encoded.size() >= crypto_pwhash_STRBYTES) return false;
  const std::string terminated(encoded);  // libsodium wants a NUL-terminated string
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

const std::string& DummyPasswordHash() {
  static const std::string hash = [] {
    auto h = HashPassword(RandomHex(16));
    return h.ok() ? *h : std::string();
  }();
  return hash;
}

}  // namespace tb::crypto
