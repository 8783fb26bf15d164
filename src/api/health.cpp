#include "api/health.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace tb::api {

http::Response Healthz(const HealthInfo& info) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("status");
  w.String("ok");
  w.Key("version");
  w.String(info.version.data(), static_cast<rapidjson::SizeType>(info.version.size()));
  w.Key("schema_version");
  w.Int(info.schema_version);
  w.Key("database");
  w.String(info.database.data(), static_cast<rapidjson::SizeType>(info.database.size()));
  w.EndObject();
  return http::Response::Json(200, std::string(buffer.GetString(), buffer.GetSize()));
}

}  // namespace tb::api
