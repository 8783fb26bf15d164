// tests/support/fake_clock.h
//
// A Clock that tests move by hand: it starts at the real time (or a chosen one) and moves
// only when Advance is called.
#pragma once

#include <chrono>

#include "base/clock.h"

namespace tb::testing {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(SystemTime start = SystemClock::Instance().Now()) : now_(start) {}
  SystemTime Now() const override { return now_; }
  void Advance(std::chrono::microseconds by) { now_ += by; }

 private:
  SystemTime now_;
};

}  // namespace tb::testing
