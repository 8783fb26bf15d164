#include "domain/billing/json_path.h"

#include <rapidjson/error/en.h>

#include "base/clock.h"
#include "base/strings.h"

namespace tb::billing::json {

namespace {

Error WrongType(std::string_view path, const char* wanted) {
  return Error::Make(ErrorCode::kInvalidArgument, std::string(path) + " must be " + wanted);
}

}  // namespace

Result<rapidjson::Document> ParseObject(std::string_view body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError()) {
    return Error::Make(ErrorCode::kInvalidArgument,
                       std::string("malformed JSON: ") + rapidjson::GetParseError_En(doc.GetParseError()));
  }
  if (!doc.IsObject()) return Error::Make(ErrorCode::kInvalidArgument, "the body must be a JSON object");
  return doc;
}

const rapidjson::Value* Find(const rapidjson::Value& root, std::string_view path) {
  const rapidjson::Value* at = &root;
  while (!path.empty()) {
    const size_t dot = path.find('.');
    const std::string_view step = path.substr(0, dot);
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
    if (!at->IsObject()) return nullptr;
    auto it = at->FindMember(rapidjson::Value(rapidjson::StringRef(step.data(), static_cast<rapidjson::SizeType>(step.size()))));
    if (it == at->MemberEnd()) return nullptr;
    at = &it->value;
  }
  return at->IsNull() ? nullptr : at;
}

Result<std::optional<std::string>> String(const rapidjson::Value& root, std::string_view path) {
  const rapidjson::Value* v = Find(root, path);
  if (v == nullptr) return std::optional<std::string>();
  if (v->IsString()) return std::optional<std::string>(std::string(v->GetString(), v->GetStringLength()));
  // Lemon Squeezy sends some ids as numbers.
  if (v->IsInt64()) return std::optional<std::string>(std::to_string(v->GetInt64()));
  return WrongType(path, "a string");
}

Result<std::optional<int64_t>> Int(const rapidjson::Value& root, std::string_view path) {
  const rapidjson::Value* v = Find(root, path);
  if (v == nullptr) return std::optional<int64_t>();
  if (v->IsInt64()) return std::optional<int64_t>(v->GetInt64());
  if (v->IsString()) {
    if (auto n = ParseInt64(std::string_view(v->GetString(), v->GetStringLength()))) return std::optional<int64_t>(*n);
  }
  return WrongType(path, "an integer");
}

Result<std::optional<bool>> Bool(const rapidjson::Value& root, std::string_view path) {
  const rapidjson::Value* v = Find(root, path);
  if (v == nullptr) return std::optional<bool>();
  if (v->IsBool()) return std::optional<bool>(v->GetBool());
  return WrongType(path, "a boolean");
}

Result<const rapidjson::Value*> Object(const rapidjson::Value& root, std::string_view path) {
  const rapidjson::Value* v = Find(root, path);
  if (v != nullptr && !v->IsObject()) return WrongType(path, "an object");
  return v;
}

Result<const rapidjson::Value*> Array(const rapidjson::Value& root, std::string_view path) {
  const rapidjson::Value* v = Find(root, path);
  if (v != nullptr && !v->IsArray()) return WrongType(path, "an array");
  return v;
}

Result<std::string> RequiredString(const rapidjson::Value& root, std::string_view path) {
  auto s = String(root, path);
  if (!s) return std::move(s).error();
  if (!*s || (*s)->empty()) return Error::Make(ErrorCode::kInvalidArgument, std::string(path) + " is missing");
  return std::move(**s);
}

std::string FromUnixSeconds(int64_t seconds) {
  return FormatTimestamp(SystemTime(std::chrono::seconds(seconds)));
}

Result<std::optional<std::string>> Timestamp(const rapidjson::Value& root, std::string_view path) {
  auto s = String(root, path);
  if (!s) return std::move(s).error();
  if (!*s) return std::optional<std::string>();
  auto t = ParseTimestamp(**s);
  if (!t) return Error::Make(ErrorCode::kInvalidArgument, std::string(path) + " is not a timestamp: " + **s);
  return std::optional<std::string>(FormatTimestamp(*t));
}

}  // namespace tb::billing::json
