#include <catch2/catch.hpp>

#include "engine/time.hpp"

using namespace dsr;
using namespace std::chrono;

TEST_CASE("RFC 3339 timestamps with an offset are read as the same instant", "[time]") {
  auto wib = parse_rfc3339("2025-03-03T09:15:00+07:00");
  auto utc = parse_rfc3339("2025-03-03T02:15:00Z");
  REQUIRE(wib.has_value());
  REQUIRE(utc.has_value());
  CHECK(*wib == *utc);
  CHECK(format_rfc3339(*wib) == "2025-03-03T02:15:00Z");
}

TEST_CASE("RFC 3339 accepts fractional seconds and lower-case separators", "[time]") {
  auto t = parse_rfc3339("2025-03-03t02:15:00.999z");
  REQUIRE(t.has_value());
  CHECK(format_rfc3339(*t) == "2025-03-03T02:15:00Z");
  CHECK(parse_rfc3339("2025-12-31T23:30:00-05:30") == parse_rfc3339("2026-01-01T05:00:00Z"));
}

TEST_CASE("a timestamp without an offset, or with garbage, is refused", "[time]") {
  CHECK_FALSE(parse_rfc3339("2025-03-03T09:15:00").has_value());
  CHECK_FALSE(parse_rfc3339("2025-03-03").has_value());
  CHECK_FALSE(parse_rfc3339("2025-03-03T09:15:00Zjunk").has_value());
  CHECK_FALSE(parse_rfc3339("2025-13-03T09:15:00Z").has_value());
  CHECK_FALSE(parse_rfc3339("").has_value());
  CHECK_FALSE(parse_rfc3339("yesterday").has_value());
}
