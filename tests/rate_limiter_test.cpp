#include "api/rate_limiter.hpp"

#include <catch2/catch.hpp>

#include <string>

using dsr::api::RateLimiter;
using namespace std::chrono_literals;

TEST_CASE("a client gets its allowance a minute, refilled evenly, and is told how long to wait", "[api][rate-limit]") {
  RateLimiter limiter(30);
  auto t = RateLimiter::Clock::now();
  for (int i = 0; i < 30; ++i) CHECK(limiter.admit("10.0.0.1", t) == 0);
  CHECK(limiter.admit("10.0.0.1", t) == 2);  // one filing every 2 s
  CHECK(limiter.wait("10.0.0.1", t) == 2);
  CHECK(limiter.admit("10.0.0.2", t) == 0);  // others are not held up
  CHECK(limiter.admit("10.0.0.1", t + 2s) == 0);
  CHECK(limiter.admit("10.0.0.1", t + 2s) == 2);
}

TEST_CASE("a flood of new addresses does not grow the table past its bound, and limits in force are kept",
          "[api][rate-limit][hostile]") {
  constexpr std::size_t kCapacity = 1000;
  RateLimiter limiter(30, kCapacity);
  auto t = RateLimiter::Clock::now();
  // A flood of addresses each let through once (many IPv6 addresses, say),
  // 400 a second for 50 s: each of those buckets refills within 2 s, after
  // which it is no different from a fresh one and may go. Meanwhile one
  // client keeps trying, and keeps its limit: 30 at once, then one each 2 s.
  int admitted = 0;
  for (int i = 0; i < 20'000; ++i) {
    auto at = t + i * 2500us;
    CHECK(limiter.admit("flood-" + std::to_string(i), at) == 0);
    REQUIRE(limiter.clients() <= kCapacity);
    if (limiter.admit("persistent", at) == 0) ++admitted;
  }
  CHECK(admitted >= 30 + 24);
  CHECK(admitted <= 30 + 26);
}

TEST_CASE("when every remembered client is still being limited, the table starts afresh rather than grow",
          "[api][rate-limit][hostile]") {
  constexpr std::size_t kCapacity = 100;
  RateLimiter limiter(1, kCapacity);  // one a minute: nothing refills during the test
  auto t = RateLimiter::Clock::now();
  for (int i = 0; i < 10 * static_cast<int>(kCapacity); ++i) {
    limiter.admit("a-" + std::to_string(i), t);
    REQUIRE(limiter.clients() <= kCapacity);
  }
}

TEST_CASE("a limit of 0 turns the limiter off and remembers no one", "[api][rate-limit]") {
  RateLimiter limiter(0);
  for (int i = 0; i < 1000; ++i) CHECK(limiter.admit("10.0.0.1") == 0);
  CHECK(limiter.clients() == 0);
}
