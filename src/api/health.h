// api/health.h
//
// GET /healthz: liveness for load balancers and the HTTP floor for benchmarks. It answers
// from memory (no database round trip) with the schema version the server migrated to.
#pragma once

#include <string_view>

#include "http/request.h"
#include "http/response.h"

namespace tb::api {

struct HealthInfo {
  int schema_version = 0;
  std::string_view version;   // the binary's version
  std::string_view database;  // "sqlite" or "postgres"
};

// {"status":"ok","version":"0.1.0","schema_version":6,"database":"sqlite"}
http::Response Healthz(const HealthInfo& info);

}  // namespace tb::api
