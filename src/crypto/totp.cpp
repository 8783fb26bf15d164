#include "crypto/totp.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include <array>

#include "crypto/base64.h"
#include "crypto/hash.h"
#include "crypto/random.h"

namespace tb::crypto {

namespace {

constexpr char kBase32Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

// Value of one base32 character, or -1.
int Base32Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

bool IsSixDigits(std::string_view code) {
  if (code.size() != static_cast<std::size_t>(kTotpDigits)) return false;
  for (char c : code) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Context of the sealing key (libsodium's KDF wants exactly 8 bytes). Changing it makes
// every stored secret unreadable: it names the purpose and the format's version.
constexpr char kSealContext[crypto_kdf_CONTEXTBYTES + 1] = "tbtotp01";
constexpr uint64_t kSealSubkeyId = 1;

using SealKey = std::array<unsigned char, crypto_secretbox_KEYBYTES>;

// The sealing key: BLAKE2b of the server secret as the KDF master key, then the subkey
// for this purpose, so the JWT signing key itself never encrypts anything.
SealKey DeriveSealKey(std::string_view server_secret) {
  static_assert(crypto_kdf_KEYBYTES == crypto_generichash_BYTES);
  static_assert(crypto_secretbox_KEYBYTES >= crypto_kdf_BYTES_MIN &&
                crypto_secretbox_KEYBYTES <= crypto_kdf_BYTES_MAX);
  unsigned char master[crypto_kdf_KEYBYTES];
  crypto_generichash(master, sizeof master,
                     reinterpret_cast<const unsigned char*>(server_secret.data()),
                     server_secret.size(), nullptr, 0);
  SealKey key;
  crypto_kdf_derive_from_key(key.data(), key.size(), kSealSubkeyId, kSealContext, master);
  sodium_memzero(master, sizeof master);
  return key;
}

}  // namespace

std::string Hotp(std::string_view key, uint64_t counter, int digits) {
  unsigned char message[8];
  for (int i = 7; i >= 0; --i) {
    message[i] = static_cast<unsigned char>(counter & 0xff);
    counter >>= 8;
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), message, sizeof message, mac,
       &mac_len);
  // Dynamic truncation (RFC 4226 §5.3): four bytes at the offset the last nibble names.
  const unsigned offset = mac[mac_len - 1] & 0x0f;
  const uint32_t binary = (static_cast<uint32_t>(mac[offset] & 0x7f) << 24) |
                          (static_cast<uint32_t>(mac[offset + 1]) << 16) |
                          (static_cast<uint32_t>(mac[offset + 2]) << 8) |
                          static_cast<uint32_t>(mac[offset + 3]);
  uint32_t modulus = 1;
  for (int i = 0; i < digits; ++i) modulus *= 10;
  std::string code = std::to_string(binary % modulus);
  return std::string(static_cast<std::size_t>(digits) - code.size(), '0') + code;
}

int64_t TotpStep(int64_t unix_seconds) {
  int64_t step = unix_seconds / kTotpPeriodSeconds;
  if (unix_seconds % kTotpPeriodSeconds < 0) --step;
  return step;
}

std::string Totp(std::string_view key, int64_t unix_seconds) {
  return Hotp(key, static_cast<uint64_t>(TotpStep(unix_seconds)));
}

std::optional<int64_t> VerifyTotp(std::string_view key, std::string_view code,
                                  int64_t unix_seconds, int window, int64_t min_step) {
  if (!IsSixDigits(code) || window < 0) return std::nullopt;
  const int64_t now = TotpStep(unix_seconds);
  std::optional<int64_t> matched;
  // Every candidate is computed and compared, so timing does not say which one matched.
  for (int64_t step = now - window; step <= now + window; ++step) {
    if (step < 0) continue;
    const bool equal = ConstantTimeEquals(Hotp(key, static_cast<uint64_t>(step)), code);
    // The latest matching step wins, so last_used_step only moves forward.
    if (equal && step >= min_step) matched = step;
  }
  return matched;
}

std::string Base32Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 8 + 4) / 5);
  uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += kBase32Alphabet[(buffer >> bits) & 31];
    }
  }
  if (bits > 0) out += kBase32Alphabet[(buffer << (5 - bits)) & 31];
  return out;
}

std::optional<std::string> Base32Decode(std::string_view text) {
  std::size_t data_len = text.size();
  while (data_len > 0 && text[data_len - 1] == '=') --data_len;
  if (data_len != text.size() && text.size() % 8 != 0) return std::nullopt;
  // Lengths an encoder produces for 0..4 trailing bytes: a multiple of 8 plus 0, 2, 4, 5, 7.
  const std::size_t tail = data_len % 8;
  if (tail == 1 || tail == 3 || tail == 6) return std::nullopt;
  if (data_len != text.size() && text.size() - data_len != (8 - tail) % 8) return std::nullopt;

  std::string out;
  out.reserve(data_len * 5 / 8);
  uint32_t buffer = 0;
  int bits = 0;
  for (std::size_t i = 0; i < data_len; ++i) {
    const int value = Base32Value(text[i]);
    if (value < 0) return std::nullopt;
    buffer = (buffer << 5) | static_cast<uint32_t>(value);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  // The leftover bits are padding an encoder sets to zero; anything else is not canonical.
  if ((buffer & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

std::string SealTotpSecret(std::string_view plaintext, std::string_view server_secret) {
  SealKey key = DeriveSealKey(server_secret);
  const std::string nonce = RandomBytes(crypto_secretbox_NONCEBYTES);
  std::string sealed = nonce;
  sealed.resize(nonce.size() + crypto_secretbox_MACBYTES + plaintext.size());
  crypto_secretbox_easy(reinterpret_cast<unsigned char*>(sealed.data() + nonce.size()),
                        reinterpret_cast<const unsigned char*>(plaintext.data()),
                        plaintext.size(), reinterpret_cast<const unsigned char*>(nonce.data()),
                        key.data());
  sodium_memzero(key.data(), key.size());
  return Base64Encode(sealed);
}

std::optional<std::string> OpenTotpSecret(std::string_view sealed, std::string_view server_secret) {
  const auto raw = Base64Decode(sealed);
  if (!raw || raw->size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
    return std::nullopt;
  }
  const auto* nonce = reinterpret_cast<const unsigned char*>(raw->data());
  const auto* box = nonce + crypto_secretbox_NONCEBYTES;
  const std::size_t box_len = raw->size() - crypto_secretbox_NONCEBYTES;
  std::string plaintext(box_len - crypto_secretbox_MACBYTES, '\0');
  SealKey key = DeriveSealKey(server_secret);
  const int opened = crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plaintext.data()),
                                                box, box_len, nonce, key.data());
  sodium_memzero(key.data(), key.size());
  if (opened != 0) return std::nullopt;
  return plaintext;
}

}  // namespace tb::crypto
