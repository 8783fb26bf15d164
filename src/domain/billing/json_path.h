// domain/billing/json_path.h
//
// Reading providers' webhook JSON by dotted path ("data.object.items.data"): each getter
// returns nullopt when a step is missing or null, and kInvalidArgument when the value has
// another type, naming the path — so a mapper says exactly what was wrong with a payload.
//
// Thread-safety: pure functions over a document the caller owns.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace tb::billing::json {

// Parses `body`, which must be a JSON object; kInvalidArgument otherwise.
Result<rapidjson::Document> ParseObject(std::string_view body);

// The value at `path` under `root`, or nullptr when a step is missing or null.
const rapidjson::Value* Find(const rapidjson::Value& root, std::string_view path);

Result<std::optional<std::string>> String(const rapidjson::Value& root, std::string_view path);
// An integer (a JSON integer, or a string of digits as Paddle sends amounts).
Result<std::optional<int64_t>> Int(const rapidjson::Value& root, std::string_view path);
Result<std::optional<bool>> Bool(const rapidjson::Value& root, std::string_view path);
// An object or array at `path` (nullptr when absent or null); kInvalidArgument for another type.
Result<const rapidjson::Value*> Object(const rapidjson::Value& root, std::string_view path);
Result<const rapidjson::Value*> Array(const rapidjson::Value& root, std::string_view path);

// The string at `path`, which must be present: kInvalidArgument naming the path otherwise.
Result<std::string> RequiredString(const rapidjson::Value& root, std::string_view path);

// A Unix time in seconds (Stripe) as a timestamp in FormatTimestamp form.
std::string FromUnixSeconds(int64_t seconds);
// An ISO 8601 time (Lemon Squeezy, Paddle) in FormatTimestamp form; kInvalidArgument naming
// `path` when it does not parse.
Result<std::optional<std::string>> Timestamp(const rapidjson::Value& root, std::string_view path);

}  // namespace tb::billing::json
