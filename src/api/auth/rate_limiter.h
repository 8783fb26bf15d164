// api/auth/rate_limiter.h
//
// In-memory request limits for the auth endpoints that guess or send mail (sign-up,
// password grant, recover, OTP, MFA verify): a fixed window counter per key, where a key
// is e.g. "token:ip:127.0.0.1" or "otp:email:a@b.c". Exceeding a limit gets GoTrue's
// 429 over_request_rate_limit. Limits reset when the server restarts; one process is the
// unit (documented in docs/auth.md).
//
// Thread-safety: thread-safe.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/clock.h"

namespace tb::auth {

class RateLimiter {
 public:
  explicit RateLimiter(const Clock& clock) : clock_(clock) {}

  // Counts one request for `key`; returns false when `key` already had `limit` requests
  // in the current `window`. A limit of 0 or less means unlimited.
  bool Allow(std::string_view key, int limit, std::chrono::seconds window);

 private:
  struct Counter {
    SystemTime window_start;
    int count = 0;
  };
  const Clock& clock_;
  std::mutex mu_;
  std::unordered_map<std::string, Counter> counters_;  // guarded by mu_
};

}  // namespace tb::auth
