#include "api/auth/rate_limiter.h"

namespace tb::auth {

namespace {
// Past this many keys, expired counters are swept so memory stays bounded.
constexpr size_t kSweepAbove = 10'000;
}  // namespace

bool RateLimiter::Allow(std::string_view key, int limit, std::chrono::seconds window) {
  if (limit <= 0) return true;
  const SystemTime now = clock_.Now();
  std::lock_guard lock(mu_);
  if (counters_.size() > kSweepAbove) {
    std::erase_if(counters_, [&](const auto& entry) { return now - entry.second.window_start >= window; });
  }
  Counter& counter = counters_[std::string(key)];
  if (counter.count == 0 || now - counter.window_start >= window) {
    counter.window_start = now;
    counter.count = 0;
  }
  if (counter.count >= limit) return false;
  ++counter.count;
  return true;
}

}  // namespace tb::auth
