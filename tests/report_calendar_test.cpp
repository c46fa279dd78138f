// Report dates in the policy's zone (WIB for id-pdp): bounds, the default
// period, weeks, and when a scheduled report falls due.
#include <catch2/catch.hpp>

#include "engine/report_calendar.hpp"
#include "test_support.hpp"

using namespace dsr;
using test::at;

TEST_CASE("a report bound is a local date at midnight or an RFC 3339 timestamp", "[reports][calendar]") {
  CHECK(parse_report_bound("2026-11-01", "Asia/Jakarta") == at("2026-10-31T17:00:00Z"));
  CHECK(parse_report_bound("2026-11-01T09:00:00+07:00", "Asia/Jakarta") == at("2026-11-01T02:00:00Z"));
  CHECK(parse_report_bound("2026-11-01", "Europe/Berlin") == at("2026-10-31T23:00:00Z"));
  for (auto bad : {"2026-13-01", "2026-11-31", "01-11-2026", "2026-11-01T09:00:00", "November", ""})
    CHECK_FALSE(parse_report_bound(bad, "Asia/Jakarta"));
}

TEST_CASE("the default period is the last 30 local days, today included", "[reports][calendar]") {
  auto p = default_report_period("Asia/Jakarta", at("2026-11-24T18:30:00Z"));  // 01:30 WIB on the 25th
  CHECK(p.from == at("2026-10-26T17:00:00Z"));  // 00:00 WIB on 27 October
  CHECK(p.to == at("2026-11-25T17:00:00Z"));    // 00:00 WIB on 26 November
}

TEST_CASE("weeks begin on Monday at 00:00 local time", "[reports][calendar]") {
  auto weeks = weeks_between("Asia/Jakarta", at("2026-11-04T00:00:00Z"), at("2026-11-16T00:00:00Z"));
  REQUIRE(weeks.size() == 3);
  CHECK(weeks[0].start_date == "2026-11-02");
  CHECK(weeks[0].begins == at("2026-11-01T17:00:00Z"));
  CHECK(weeks[0].ends == weeks[1].begins);
  CHECK(weeks[2].start_date == "2026-11-16");  // begins 17:00 UTC on the 15th, inside the period
}

TEST_CASE("a daily report schedule, and the report owed by a given moment", "[reports][calendar]") {
  auto schedule = parse_report_schedule("daily 07:00");
  REQUIRE(schedule);
  CHECK(schedule->hour == 7);
  CHECK(schedule->minute == 0);
  CHECK(parse_report_schedule("daily 23:59"));
  for (auto bad : {"daily 7:00", "daily 24:00", "daily 07:60", "weekly 07:00", "daily 07:00 ", "07:00", ""})
    CHECK_FALSE(parse_report_schedule(bad));

  // 06:30 WIB on the 25th: the 07:00 report of the 24th is the latest owed.
  auto before = latest_report_slot(*schedule, "Asia/Jakarta", at("2026-11-24T23:30:00Z"));
  CHECK(before.date == "2026-11-24");
  CHECK(before.at == at("2026-11-24T00:00:00Z"));
  auto on_time = latest_report_slot(*schedule, "Asia/Jakarta", at("2026-11-25T00:00:00Z"));
  CHECK(on_time.date == "2026-11-25");
  CHECK(on_time.at == at("2026-11-25T00:00:00Z"));
}
