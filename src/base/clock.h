// base/clock.h
//
// Wall-clock time and its one text form. Timestamps are stored and returned as
// ISO 8601 UTC with microseconds and an explicit offset, "2026-11-28T04:34:55.123456+00:00":
// the form PostgreSQL's JSON gives for timestamptz, and one whose text order is time order,
// so SQLite can compare stored values as strings.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tb {

using SystemTime = std::chrono::time_point<std::chrono::system_clock, std::chrono::microseconds>;

// Time source. Production uses SystemClock; tests can pass a clock they move by hand.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual SystemTime Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  SystemTime Now() const override;
  static const SystemClock& Instance();
};

// "2026-11-28T04:34:55.123456+00:00"
std::string FormatTimestamp(SystemTime t);
// Accepts ISO 8601 / PostgreSQL forms: date and time separated by 'T' or ' ', optional
// fraction (up to 6 digits), and 'Z', '+HH', '+HH:MM' or '+HHMM' offsets (none means UTC).
// Returns nullopt for anything else or an impossible date.
std::optional<SystemTime> ParseTimestamp(std::string_view text);

// Seconds since the Unix epoch.
int64_t UnixSeconds(SystemTime t);

}  // namespace tb
