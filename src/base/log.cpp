#include "base/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace tb::log {

void Init(Level level) {
  static bool configured = false;
  if (!configured) {
    auto logger = spdlog::stderr_logger_mt("tenantbase");
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %^%l%$ %v", spdlog::pattern_time_type::utc);
    spdlog::set_default_logger(logger);
    configured = true;
  }
  switch (level) {
    case Level::kDebug: spdlog::set_level(spdlog::level::debug); break;
    case Level::kInfo: spdlog::set_level(spdlog::level::info); break;
    case Level::kWarn: spdlog::set_level(spdlog::level::warn); break;
    case Level::kError: spdlog::set_level(spdlog::level::err); break;
    case Level::kOff: spdlog::set_level(spdlog::level::off); break;
  }
}

bool ParseLevel(std::string_view text, Level& level) {
  if (text == "debug") level = Level::kDebug;
  else if (text == "info") level = Level::kInfo;
  else if (text == "warn") level = Level::kWarn;
  else if (text == "error") level = Level::kError;
  else if (text == "off") level = Level::kOff;
  else return false;
  return true;
}

}  // namespace tb::log
