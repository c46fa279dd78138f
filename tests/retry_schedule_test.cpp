// RetrySchedule: when an undelivered notice is tried again, and when dsr
// gives up on it.
#include <catch2/catch.hpp>

#include <chrono>
#include <optional>

#include "engine/retry_schedule.hpp"
#include "test_support.hpp"

using namespace dsr;
using namespace std::chrono_literals;
using test::at;

namespace {

constexpr double kNoJitter = 0.5;  // scales the delay by exactly 1.0

std::chrono::seconds delay_after(const RetrySchedule& s, int attempts, double jitter = kNoJitter) {
  TimePoint queued = at("2026-11-24T03:00:00Z");
  auto next = s.next_attempt(attempts, queued, queued, jitter);
  REQUIRE(next.has_value());
  return std::chrono::duration_cast<std::chrono::seconds>(*next - queued);
}

}  // namespace

TEST_CASE("retries back off by doubling from the first delay", "[retry]") {
  RetrySchedule s;  // 30 s, capped at 1 h, for 72 h
  CHECK(delay_after(s, 1) == 30s);
  CHECK(delay_after(s, 2) == 60s);
  CHECK(delay_after(s, 3) == 120s);
  CHECK(delay_after(s, 4) == 240s);
  CHECK(delay_after(s, 7) == 1920s);

  RetrySchedule quick{5s, 10min, 1h};
  CHECK(delay_after(quick, 1) == 5s);
  CHECK(delay_after(quick, 2) == 10s);
  CHECK(delay_after(quick, 5) == 80s);
}

TEST_CASE("the delay between retries never grows past the cap", "[retry]") {
  RetrySchedule s;
  CHECK(delay_after(s, 8) == 1h);  // 30 s x 128 = 64 min, capped
  CHECK(delay_after(s, 20) == 1h);
  CHECK(delay_after(s, 1000) == 1h);  // no overflow after very many failures
  CHECK(delay_after(s, 1000, 0.0) == 45min);
  CHECK(delay_after(s, 1000, 0.999999) <= 75min);
}

TEST_CASE("jitter spreads each delay between three quarters and five quarters of it", "[retry]") {
  RetrySchedule s;
  CHECK(delay_after(s, 3, 0.0) == 90s);    // 120 s x 0.75
  CHECK(delay_after(s, 3, 0.25) == 105s);  // x 0.875
  CHECK(delay_after(s, 3, 0.75) == 135s);  // x 1.125
  CHECK(delay_after(s, 3, 0.9999) == 150s);
  std::chrono::seconds lowest = 1h, highest = 0s;
  for (int step = 0; step < 100; ++step) {
    auto d = delay_after(s, 3, step / 100.0);
    CHECK(d >= 90s);
    CHECK(d <= 150s);
    lowest = std::min(lowest, d);
    highest = std::max(highest, d);
  }
  CHECK(lowest == 90s);
  CHECK(highest >= 148s);  // the spread is used, not just its middle
  // Out-of-range jitter is held to the same band.
  CHECK(delay_after(s, 3, -3.0) == 90s);
  CHECK(delay_after(s, 3, 7.0) == 150s);
}

TEST_CASE("no retry is scheduled past the horizon, and the last one lands exactly on it", "[retry]") {
  RetrySchedule s;
  TimePoint queued = at("2026-11-24T03:00:00Z");
  TimePoint horizon = queued + 72h;

  auto near_end = s.next_attempt(20, queued, horizon - 10min, kNoJitter);
  REQUIRE(near_end.has_value());
  CHECK(*near_end == horizon);

  // Walking the whole schedule: every attempt before or at the horizon, the
  // times strictly increasing, the last exactly at the horizon, then none.
  TimePoint now = queued;
  int attempts = 0;
  std::optional<TimePoint> last;
  double jitters[] = {0.1, 0.9, 0.5, 0.0, 0.7};
  for (;;) {
    ++attempts;
    REQUIRE(attempts < 1000);
    auto next = s.next_attempt(attempts, queued, now, jitters[attempts % 5]);
    if (!next) break;
    CHECK(*next > now);
    CHECK(*next <= horizon);
    now = *next;
    last = next;
  }
  REQUIRE(last.has_value());
  CHECK(*last == horizon);
  CHECK(attempts > 60);  // 72 h of mostly hourly retries
}

TEST_CASE("once the horizon has passed the message is a dead letter", "[retry]") {
  RetrySchedule s;
  TimePoint queued = at("2026-11-24T03:00:00Z");
  CHECK_FALSE(s.next_attempt(5, queued, queued + 72h, kNoJitter).has_value());
  CHECK_FALSE(s.next_attempt(5, queued, queued + 73h, kNoJitter).has_value());
  CHECK_FALSE(s.next_attempt(1, queued, queued + 72h, 0.0).has_value());
  CHECK(s.next_attempt(5, queued, queued + 72h - 1s, kNoJitter) == queued + 72h);

  RetrySchedule short_horizon{30s, 1h, 10min};
  CHECK(short_horizon.next_attempt(1, queued, queued, kNoJitter) == queued + 30s);
  CHECK(short_horizon.next_attempt(6, queued, queued + 9min, kNoJitter) == queued + 10min);
  CHECK_FALSE(short_horizon.next_attempt(7, queued, queued + 10min, kNoJitter).has_value());
}
