#include "domain/billing/webhook_signatures.h"

#include <cctype>
#include <string>
#include <vector>

#include "base/strings.h"
#include "crypto/hash.h"

namespace tb::billing {

namespace {

Error Invalid(std::string message) { return Error::Make(ErrorCode::kInvalidArgument, std::move(message)); }

// "k=v<sep>k=v…": the time (key `time_key`) and every signature (key `sig_key`).
struct SignatureHeader {
  std::optional<int64_t> time;
  std::vector<std::string> signatures;
};

SignatureHeader ParseHeader(std::string_view header, char separator, std::string_view time_key,
                            std::string_view sig_key) {
  SignatureHeader parsed;
  while (!header.empty()) {
    const size_t end = header.find(separator);
    std::string_view part = header.substr(0, end);
    header = end == std::string_view::npos ? std::string_view() : header.substr(end + 1);
    while (!part.empty() && std::isspace(static_cast<unsigned char>(part.front()))) part.remove_prefix(1);
    const size_t eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view key = part.substr(0, eq);
    const std::string_view value = part.substr(eq + 1);
    if (key == time_key) parsed.time = ParseInt64(value);
    if (key == sig_key) parsed.signatures.emplace_back(value);
  }
  return parsed;
}

// Any of `candidates` (hex) equal to the hex HMAC of `signed_payload`.
bool AnyMatches(const std::vector<std::string>& candidates, std::string_view secret, std::string_view signed_payload) {
  const std::string expected = crypto::ToHex(crypto::HmacSha256(secret, signed_payload));
  bool matched = false;
  for (const std::string& candidate : candidates) {
    std::string lower = candidate;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    matched |= crypto::ConstantTimeEquals(lower, expected);  // every candidate is compared
  }
  return matched;
}

Status VerifyTimed(std::string_view header, std::string_view body, std::string_view secret, SystemTime now,
                   std::chrono::seconds tolerance, char separator, std::string_view time_key, std::string_view sig_key,
                   char joiner, std::string_view header_name) {
  if (header.empty()) return Invalid("missing " + std::string(header_name) + " header");
  const SignatureHeader parsed = ParseHeader(header, separator, time_key, sig_key);
  if (!parsed.time) return Invalid(std::string(header_name) + " has no timestamp (" + std::string(time_key) + "=)");
  if (parsed.signatures.empty()) {
    return Invalid(std::string(header_name) + " has no " + std::string(sig_key) + " signature");
  }
  const int64_t skew = UnixSeconds(now) - *parsed.time;
  if (skew > tolerance.count() || -skew > tolerance.count()) {
    return Invalid(std::string(header_name) + " timestamp is outside the tolerance of " +
                   std::to_string(tolerance.count()) + " s");
  }
  std::string signed_payload = std::to_string(*parsed.time);
  signed_payload += joiner;
  signed_payload += body;
  if (!AnyMatches(parsed.signatures, secret, signed_payload)) {
    return Invalid(std::string(header_name) + " does not match the body");
  }
  return Ok();
}

}  // namespace

Status VerifyStripeSignature(std::string_view header, std::string_view body, std::string_view secret,
                             SystemTime now, std::chrono::seconds tolerance) {
  return VerifyTimed(header, body, secret, now, tolerance, ',', "t", "v1", '.', "Stripe-Signature");
}

Status VerifyPaddleSignature(std::string_view header, std::string_view body, std::string_view secret,
                             SystemTime now, std::chrono::seconds tolerance) {
  return VerifyTimed(header, body, secret, now, tolerance, ';', "ts", "h1", ':', "Paddle-Signature");
}

Status VerifyLemonSqueezySignature(std::string_view header, std::string_view body, std::string_view secret) {
  if (header.empty()) return Invalid("missing X-Signature header");
  if (!AnyMatches({std::string(header)}, secret, body)) return Invalid("X-Signature does not match the body");
  return Ok();
}

}  // namespace tb::billing
