// crypto/password.h
//
// Password hashing with argon2id (libsodium's crypto_pwhash_str). Parameters follow
// OWASP's argon2id recommendation: 2 passes over 19 MiB, one lane — about 30 ms here,
// so a guessed password costs an attacker the same. The encoded hash carries its own
// parameters and salt, so they can be raised later without invalidating stored hashes.
//
// Thread-safety: pure functions; safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace tb::crypto {

struct PasswordParams {
  unsigned long long ops = 2;
  size_t mem_bytes = 19 * 1024 * 1024;
};

// Returns the encoded hash ("$argon2id$v=19$m=…"). Fails (kInternal) only when the
// machine cannot allocate the memory the parameters ask for.
Result<std::string> HashPassword(std::string_view password, const PasswordParams& params = {});

// True when `password` matches `encoded`. An empty or malformed `encoded` is false.
bool VerifyPassword(std::string_view password, std::string_view encoded);

// A hash of a random password with the default parameters, computed once: verifying
// against it costs what verifying a real user's password costs, so a login for an
// unknown email takes as long as one for a known email.
const std::string& DummyPasswordHash();

}  // namespace tb::crypto
