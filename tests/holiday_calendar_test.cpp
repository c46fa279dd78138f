// Working days from the shipped calendars.
#include <catch2/catch.hpp>

#include "test_support.hpp"

using namespace dsr;
using std::chrono::month;
using std::chrono::sys_days;
using std::chrono::year;

namespace {
CalendarDate on(int y, unsigned m, unsigned d) { return sys_days(year{y} / month{m} / d); }
const HolidayCalendar& calendar(std::string_view id) {
  const HolidayCalendar* c = test::shipped_policies().calendar(id);
  REQUIRE(c != nullptr);
  return *c;
}
}  // namespace

TEST_CASE("weekends and listed holidays are not working days", "[calendar]") {
  const auto& uk = calendar("uk-eaw");
  CHECK(*uk.is_working_day(on(2024, 12, 24)));
  CHECK_FALSE(*uk.is_working_day(on(2024, 12, 25)));
  CHECK_FALSE(*uk.is_working_day(on(2024, 12, 28)));  // Saturday
  CHECK(uk.holiday_name(on(2026, 12, 28)) == "Boxing Day (substitute day)");
  CHECK(uk.holiday_name(on(2026, 12, 29)).empty());
}

TEST_CASE("the next working day and counting working days", "[calendar]") {
  const auto& uk = calendar("uk-eaw");
  CHECK(*uk.on_or_next_working_day(on(2024, 12, 25)) == on(2024, 12, 27));
  CHECK(*uk.on_or_next_working_day(on(2024, 12, 27)) == on(2024, 12, 27));
  const auto& us = calendar("us-ca");
  CHECK(*us.add_working_days(on(2025, 1, 6), 10) == on(2025, 1, 21));
  CHECK(*us.add_working_days(on(2025, 1, 10), 1) == on(2025, 1, 13));  // Friday -> Monday
}

// 2028, added so that dsr serve still starts in 2027 (it wants this year and
// next): the days that move, checked against the rules that move them.
TEST_CASE("2028: substitute and observed days, and the movable feasts", "[calendar]") {
  const auto& uk = calendar("uk-eaw");
  CHECK(uk.holiday_name(on(2028, 1, 3)) == "New Year's Day (substitute day)");  // 1 January is a Saturday
  CHECK(*uk.on_or_next_working_day(on(2028, 4, 14)) == on(2028, 4, 18));         // Good Friday to Tuesday
  const auto& us = calendar("us-ca");
  CHECK(us.holiday_name(on(2028, 11, 10)) == "Veterans Day (observed)");         // 11 November is a Saturday
  CHECK(*us.add_working_days(on(2028, 11, 22), 1) == on(2028, 11, 27));          // past Thanksgiving and the day after
  CHECK_FALSE(*calendar("de").is_working_day(on(2028, 6, 5)));                   // Pfingstmontag: Easter + 50
  CHECK_FALSE(*calendar("fr").is_working_day(on(2028, 5, 25)));                  // Ascension: Easter + 39
  CHECK_FALSE(*calendar("nl").is_working_day(on(2028, 4, 27)));                  // Koningsdag, a Thursday
  CHECK_FALSE(*calendar("id").is_working_day(on(2028, 8, 17)));
}

TEST_CASE("a year the file does not list is an error naming calendar and year", "[calendar]") {
  const auto& uk = calendar("uk-eaw");
  auto r = uk.is_working_day(on(2031, 6, 2));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "calendar uk-eaw has no 2031: add that year's holidays to calendars/uk-eaw.json");
  // 30 Dec 2028 is a Saturday; the next working day falls in 2029.
  CHECK_FALSE(calendar("us-ca").on_or_next_working_day(on(2028, 12, 30)).ok());
}

TEST_CASE("Indonesia lists holidays and cuti bersama, and marks estimated years", "[calendar][id]") {
  const auto& id = calendar("id");
  CHECK_FALSE(*id.is_working_day(on(2025, 3, 31)));  // Idul Fitri 1446 H
  CHECK_FALSE(*id.is_working_day(on(2025, 4, 7)));   // cuti bersama
  CHECK_FALSE(*id.is_working_day(on(2026, 12, 24))); // cuti bersama Natal
  CHECK(id.covers(2025));
  CHECK(id.covers(2026));
  CHECK(id.covers(2027));
  CHECK(id.provisional_years.contains(2027));
  CHECK(id.covers(2028));
  CHECK(id.provisional_years.contains(2028));
  CHECK_FALSE(id.provisional_years.contains(2026));
}

TEST_CASE("start-up coverage check names each calendar without the year", "[calendar]") {
  std::vector<int> years{2026, 2031};
  auto errors = check_calendar_coverage(test::shipped_policies(), years);
  CHECK(errors.size() == test::shipped_policies().calendar_ids().size());
  CHECK(errors.front().to_string().find("has no 2031") != std::string::npos);
  std::vector<int> covered{2026, 2027};
  CHECK(check_calendar_coverage(test::shipped_policies(), covered).empty());
}
