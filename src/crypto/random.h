// crypto/random.h
//
// Randomness from the operating system's CSPRNG (libsodium's randombytes). Used for
// secrets, tokens and ids; never std::rand or a seeded engine.
//
// Thread-safety: every function is safe to call from any thread.
#pragma once

#include <cstddef>
#include <string>

namespace tb::crypto {

// Initialises libsodium. Returns false if it cannot (then nothing else here is safe).
// Idempotent; called by the App before anything else.
bool Init();

// `n` random bytes.
std::string RandomBytes(std::size_t n);
// `n` random bytes as 2n lower-case hex digits.
std::string RandomHex(std::size_t n);
// A random (version 4) UUID in canonical lower-case form.
std::string RandomUuid();
// Six decimal digits ("004217"), every code equally likely: a one-time code a person types.
std::string RandomSixDigitCode();

}  // namespace tb::crypto
