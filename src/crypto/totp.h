// crypto/totp.h
//
// One-time codes for authenticator apps: HOTP (RFC 4226) and TOTP (RFC 6238) with
// HMAC-SHA1, 30-second steps and 6 digits — the parameters every authenticator app
// assumes when an otpauth:// URI names none. Also the base32 form (RFC 4648) in which
// apps receive the secret, and the sealing that keeps secrets unreadable at rest.
//
// Thread-safety: every function is pure (or uses only the CSPRNG); call from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tb::crypto {

inline constexpr int kTotpDigits = 6;
inline constexpr int64_t kTotpPeriodSeconds = 30;
// Size of a generated TOTP secret: 160 bits, the HMAC-SHA1 block RFC 4226 recommends.
inline constexpr std::size_t kTotpSecretBytes = 20;

// The HOTP value of `key` at `counter`: `digits` decimal digits, zero-padded.
// REQUIRES: 1 <= digits <= 9.
std::string Hotp(std::string_view key, uint64_t counter, int digits = kTotpDigits);

// The time step that `unix_seconds` falls in (floor division, so negative times work).
int64_t TotpStep(int64_t unix_seconds);

// The TOTP code of `key` at `unix_seconds`.
std::string Totp(std::string_view key, int64_t unix_seconds);

// Checks `code` against the steps from (now - window) to (now + window), skipping every
// step below `min_step` — pass the last step already used plus one, so an accepted code
// can never be accepted again. Returns the step that matched, or nullopt. Each candidate
// is compared in constant time; a code that is not exactly kTotpDigits ASCII digits
// never matches.
std::optional<int64_t> VerifyTotp(std::string_view key, std::string_view code,
                                  int64_t unix_seconds, int window = 1,
                                  int64_t min_step = INT64_MIN);

// RFC 4648 base32 (A–Z, 2–7) without padding, as otpauth:// URIs carry secrets.
std::string Base32Encode(std::string_view bytes);
// Decodes base32: case-insensitive, trailing '=' padding optional. Returns nullopt for any
// other character, misplaced padding, or a length no encoder produces.
std::optional<std::string> Base32Decode(std::string_view text);

// Encrypts `plaintext` (XSalsa20-Poly1305, libsodium secretbox) under a key derived from
// `server_secret` for this one purpose, with a fresh random nonce. Returns standard
// base64 of nonce || ciphertext.
std::string SealTotpSecret(std::string_view plaintext, std::string_view server_secret);
// Reverses SealTotpSecret. Returns nullopt when `sealed` is not valid base64, is too
// short, was sealed under another server secret, or was altered.
std::optional<std::string> OpenTotpSecret(std::string_view sealed, std::string_view server_secret);

}  // namespace tb::crypto
