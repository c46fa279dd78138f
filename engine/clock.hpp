// Clock: the engine's only source of "now". Production uses SystemClock;
// tests use FakeClock and move time by hand, so every deadline, expiry and
// reminder is deterministic. SystemClock is thread-safe; FakeClock is not
// (tests drive it from one thread).
#pragma once

#include "engine/time.hpp"

namespace dsr {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override {
    return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  }
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start) : now_(start) {}
  TimePoint now() const override { return now_; }
  void set(TimePoint t) { now_ = t; }
  void advance(std::chrono::seconds d) { now_ += d; }

 private:
  TimePoint now_;
};

}  // namespace dsr
