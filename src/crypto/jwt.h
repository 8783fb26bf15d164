// crypto/jwt.h
//
// HS256 JSON Web Tokens: the anon and service_role keys and (later) users' access tokens.
// Only HS256 is produced or accepted; `alg: none` and every other algorithm are refused.
//
// Thread-safety: pure functions; safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace tb::crypto {

// Signs `claims_json` (a serialized JSON object) with `secret`. Returns the compact token.
std::string SignJwtHs256(std::string_view claims_json, std::string_view secret);

// Checks the header (typ JWT or absent, alg HS256), the signature (constant time) and,
// when the claims carry `exp`/`nbf`, that `now_unix` lies inside them.
// Returns the claims as serialized JSON. Fails with kUnauthenticated and a message that
// says which check failed (safe to show a client).
Result<std::string> VerifyJwtHs256(std::string_view token, std::string_view secret,
                                   int64_t now_unix);

}  // namespace tb::crypto
