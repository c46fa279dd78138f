#include "engine/holiday_calendar.hpp"

#include <fmt/format.h>

namespace dsr {

namespace {
int year_of(CalendarDate day) { return static_cast<int>(std::chrono::year_month_day(day).year()); }
}  // namespace

Error HolidayCalendar::missing_year(int year) const {
  return Error::invalid_argument(fmt::format(
      "calendar {} has no {}: add that year's holidays to calendars/{}.json", id, year, id));
}

Result<bool> HolidayCalendar::is_working_day(CalendarDate day) const {
  auto year = holidays_by_year.find(year_of(day));
  if (year == holidays_by_year.end()) return fail(missing_year(year_of(day)));
  if (weekend[std::chrono::weekday(day).c_encoding()]) return false;
  return !year->second.contains(day);
}

std::string HolidayCalendar::holiday_name(CalendarDate day) const {
  auto year = holidays_by_year.find(year_of(day));
  if (year == holidays_by_year.end()) return "";
  auto it = year->second.find(day);
  return it == year->second.end() ? "" : it->second;
}

Result<CalendarDate> HolidayCalendar::on_or_next_working_day(CalendarDate day) const {
  // A year has at most a few weeks of holidays; a year without any working
  // day would be a broken file, which the loader refuses.
  for (int i = 0; i < 366; ++i, day += std::chrono::days{1}) {
    auto working = is_working_day(day);
    if (!working) return fail(working.error());
    if (*working) return day;
  }
  return fail(Error::internal(fmt::format("calendar {} has no working day for a year", id)));
}

Result<CalendarDate> HolidayCalendar::add_working_days(CalendarDate day, int n) const {
  for (int counted = 0; counted < n;) {
    day += std::chrono::days{1};
    auto working = is_working_day(day);
    if (!working) return fail(working.error());
    if (*working) ++counted;
  }
  return day;
}

}  // namespace dsr
