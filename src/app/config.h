// app/config.h
//
// Everything the server can be told, with its defaults. main.cpp fills it from flags and
// environment variables (flag wins); nothing else reads the environment.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/log.h"
#include "base/result.h"

namespace tb::app {

inline constexpr std::string_view kVersion = "0.1.0";

struct Config {
  std::string http = "127.0.0.1:54321";  // --http / TENANTBASE_HTTP
  std::string data_dir = "./tenantbase-data";  // --data / TENANTBASE_DATA
  std::string database_url;              // --database / TENANTBASE_DATABASE_URL; "" = SQLite in data dir
  int threads = 0;                       // --threads / TENANTBASE_THREADS; 0 = one per core
  std::string jwt_secret;                // TENANTBASE_JWT_SECRET; "" = generated, kept in data dir
  std::size_t max_body_bytes = 1024 * 1024;  // --max-body-bytes / TENANTBASE_MAX_BODY_BYTES
  std::chrono::milliseconds read_timeout{30'000};  // TENANTBASE_READ_TIMEOUT_MS
  std::chrono::milliseconds idle_timeout{75'000};  // TENANTBASE_IDLE_TIMEOUT_MS
  log::Level log_level = log::Level::kInfo;  // --log-level / TENANTBASE_LOG_LEVEL
};

struct HostPort {
  std::string host;
  uint16_t port = 0;
};

// Parses "HOST:PORT", "[v6]:PORT" or ":PORT" (host 127.0.0.1). Fails with kInvalidArgument.
Result<HostPort> ParseHostPort(std::string_view text);

// Where the SQLite database lives for `config`: "" when the URL selects another backend.
// Fails (kInvalidArgument) for a URL no backend understands, and says that PostgreSQL
// arrives in a later release when given postgres://.
Result<std::string> SqlitePath(const Config& config);

}  // namespace tb::app
