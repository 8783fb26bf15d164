// base/log.h
//
// Logging goes through spdlog's default logger (`spdlog::info(...)`); this module only
// configures it once at start: a line per event on stderr with a UTC timestamp.
#pragma once

#include <string_view>

namespace tb::log {

enum class Level { kDebug, kInfo, kWarn, kError, kOff };

// Sets up the default logger. Safe to call again (replaces the level).
void Init(Level level);
// Parses "debug", "info", "warn", "error", "off"; returns false for anything else.
bool ParseLevel(std::string_view text, Level& level);

}  // namespace tb::log
