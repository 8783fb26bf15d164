// api/json.h
//
// Reading request bodies and writing responses with RapidJSON. Handlers parse a body
// with ParseObject, read fields with the typed getters (which distinguish "absent" from
// "wrong type"), and build output with JsonWriter.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace tb::api {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// Parses `body` as a JSON object. An empty body is an empty object. Fails with
// kInvalidArgument ("Could not parse request body as JSON" / "… must be a JSON object").
Result<rapidjson::Document> ParseObject(std::string_view body);

// A string field: nullopt when absent or null; kInvalidArgument when present with another type.
Result<std::optional<std::string>> StringField(const rapidjson::Value& object, const char* name);
// A boolean field, likewise.
Result<std::optional<bool>> BoolField(const rapidjson::Value& object, const char* name);
// An object field serialized back to JSON text, likewise ("" when absent or null).
Result<std::string> ObjectField(const rapidjson::Value& object, const char* name);

// Serializes any JSON value.
std::string ToJson(const rapidjson::Value& value);

inline void WriteString(JsonWriter& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}
// Writes `s`, or null when it is empty.
inline void WriteStringOrNull(JsonWriter& w, std::string_view s) {
  if (s.empty()) {
    w.Null();
  } else {
    WriteString(w, s);
  }
}
// Writes already-serialized JSON (from the database) as a value; `fallback` when empty.
inline void WriteRaw(JsonWriter& w, std::string_view json, std::string_view fallback = "null") {
  const std::string_view use = json.empty() ? fallback : json;
  w.RawValue(use.data(), use.size(), rapidjson::kObjectType);
}

}  // namespace tb::api
