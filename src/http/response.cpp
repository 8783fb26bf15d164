#include "http/response.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <unistd.h>

#include <utility>

#include "base/strings.h"

namespace tb::http {

namespace {

using ValidatingWriter = rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<>,
                                           rapidjson::UTF8<>, rapidjson::CrtAllocator,
                                           rapidjson::kWriteValidateEncodingFlag>;

// Serializes {"error": code, "message": message}. Returns false when a string is not
// valid UTF-8 (the writer refuses it rather than emitting invalid JSON).
bool WriteErrorJson(std::string_view code, std::string_view message, std::string& out) {
  rapidjson::StringBuffer buffer;
  ValidatingWriter writer(buffer);
  bool ok = writer.StartObject();
  ok = ok && writer.Key("error");
  ok = ok && writer.String(code.data(), static_cast<rapidjson::SizeType>(code.size()));
  ok = ok && writer.Key("message");
  ok = ok && writer.String(message.data(), static_cast<rapidjson::SizeType>(message.size()));
  ok = ok && writer.EndObject();
  if (ok) out.assign(buffer.GetString(), buffer.GetSize());
  return ok;
}

// Messages may quote client bytes (a decoded path, say) that are not UTF-8.
std::string ReplaceNonAscii(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) >= 0x80) c = '?';
  }
  return out;
}

}  // namespace

BodyFile::~BodyFile() {
  if (fd_ >= 0) ::close(fd_);
}

Response Response::Json(int status, std::string json) {
  Response response;
  response.status = status;
  response.headers.push_back({"Content-Type", "application/json; charset=utf-8"});
  response.body = std::move(json);
  return response;
}

Response Response::Error(int status, std::string_view code, std::string_view message) {
  std::string body;
  if (!WriteErrorJson(code, message, body)) {
    WriteErrorJson(ReplaceNonAscii(code), ReplaceNonAscii(message), body);
  }
  return Json(status, std::move(body));
}

void Response::SetHeader(std::string_view name, std::string_view value) {
  bool replaced = false;
  for (auto it = headers.begin(); it != headers.end();) {
    if (!EqualsIgnoreCase(it->name, name)) {
      ++it;
    } else if (!replaced) {
      it->value.assign(value);
      replaced = true;
      ++it;
    } else {
      it = headers.erase(it);
    }
  }
  if (!replaced) headers.push_back({std::string(name), std::string(value)});
}

std::string_view Response::HeaderValue(std::string_view name) const {
  for (const Header& header : headers) {
    if (EqualsIgnoreCase(header.name, name)) return header.value;
  }
  return {};
}

}  // namespace tb::http
