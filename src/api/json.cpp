#include "api/json.h"

namespace tb::api {

Result<rapidjson::Document> ParseObject(std::string_view body) {
  rapidjson::Document doc;
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    doc.SetObject();
    return doc;
  }
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError()) {
    return Error::Make(ErrorCode::kInvalidArgument, "Could not parse request body as JSON");
  }
  if (!doc.IsObject()) {
    return Error::Make(ErrorCode::kInvalidArgument, "Request body must be a JSON object");
  }
  return doc;
}

namespace {

Error WrongType(const char* name, const char* type) {
  return Error::Make(ErrorCode::kInvalidArgument,
                     std::string("Field '") + name + "' must be " + type);
}

}  // namespace

Result<std::optional<std::string>> StringField(const rapidjson::Value& object, const char* name) {
  const auto it = object.FindMember(name);
  if (it == object.MemberEnd() || it->value.IsNull()) return std::optional<std::string>();
  if (!it->value.IsString()) return WrongType(name, "a string");
  return std::optional<std::string>(std::string(it->value.GetString(), it->value.GetStringLength()));
}

Result<std::optional<bool>> BoolField(const rapidjson::Value& object, const char* name) {
  const auto it = object.FindMember(name);
  if (it == object.MemberEnd() || it->value.IsNull()) return std::optional<bool>();
  if (!it->value.IsBool()) return WrongType(name, "a boolean");
  return std::optional<bool>(it->value.GetBool());
}

Result<std::string> ObjectField(const rapidjson::Value& object, const char* name) {
  const auto it = object.FindMember(name);
  if (it == object.MemberEnd() || it->value.IsNull()) return std::string();
  if (!it->value.IsObject()) return WrongType(name, "an object");
  return ToJson(it->value);
}

std::string ToJson(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  value.Accept(w);
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace tb::api
