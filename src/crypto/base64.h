// crypto/base64.h
//
// Base64 in the two alphabets we meet: URL-safe without padding (JWT) and standard.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tb::crypto {

std::string Base64UrlEncode(std::string_view bytes);
// Returns nullopt for characters outside the URL-safe alphabet or padding.
std::optional<std::string> Base64UrlDecode(std::string_view text);
std::string Base64Encode(std::string_view bytes);
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace tb::crypto
