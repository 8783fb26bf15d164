// base/strings.h
//
// Small string helpers the standard library lacks. ASCII only: HTTP header names,
// SQL identifiers and our own formats are ASCII.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tb {

std::string AsciiLower(std::string_view text);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
bool StartsWithIgnoreCase(std::string_view text, std::string_view prefix);
std::string_view Trim(std::string_view text);
// Splits on every `sep`; "a,,b" gives {"a", "", "b"}; "" gives {""}.
std::vector<std::string_view> Split(std::string_view text, char sep);
// Percent-encodes every byte but RFC 3986's unreserved ones (A-Z a-z 0-9 - . _ ~), so the
// result is safe as one URL query value or fragment value.
std::string PercentEncode(std::string_view text);
// The whole of `text` as a decimal int64 ("-12"); nullopt for anything else, "" included.
std::optional<int64_t> ParseInt64(std::string_view text);
// True for the 8-4-4-4-12 hexadecimal form of a UUID (either case).
bool LooksLikeUuid(std::string_view text);

// Hashes a std::string key by its characters, so that an unordered_map<std::string, …,
// TextHash, std::equal_to<>> finds by string_view without copying the key.
struct TextHash {
  using is_transparent = void;
  size_t operator()(std::string_view key) const { return std::hash<std::string_view>{}(key); }
};

}  // namespace tb
