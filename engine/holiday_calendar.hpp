// HolidayCalendar: the working days of one region (weekends and public
// holidays by year), loaded from workflows/calendars/<id>.json. A date in a
// year the file does not cover is an error, never a silent guess: a wrong
// deadline is worse than none. Immutable after loading; thread-safe.
#pragma once

#include <array>
#include <chrono>
#include <map>
#include <string>

#include "engine/result.hpp"

namespace dsr {

using CalendarDate = std::chrono::sys_days;

class HolidayCalendar {
 public:
  std::string id;
  std::string title;
  std::string source;
  std::array<bool, 7> weekend{};  // indexed by weekday: 0 = Sunday
  std::map<int, std::map<CalendarDate, std::string>> holidays_by_year;
  std::map<int, std::string> provisional_years;  // year -> why its dates are estimates

  bool covers(int year) const { return holidays_by_year.contains(year); }
  Result<bool> is_working_day(CalendarDate day) const;
  // The holiday's name, or empty for an ordinary day (or a weekend).
  std::string holiday_name(CalendarDate day) const;
  // `day` if it is a working day, else the next one.
  Result<CalendarDate> on_or_next_working_day(CalendarDate day) const;
  // The `n`-th working day after `day` (n >= 1; `day` itself is not counted).
  Result<CalendarDate> add_working_days(CalendarDate day, int n) const;

  // "calendar uk-eaw has no 2031": the error for an uncovered year.
  Error missing_year(int year) const;
};

}  // namespace dsr
