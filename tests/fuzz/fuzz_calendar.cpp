// Fuzz target: any bytes as a holiday calendar file (calendars/*.json).
// For a calendar that loads, its coverage check and the working-day
// arithmetic business-day deadlines use, over each year it covers: what an
// operator's edit of a calendar can reach.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/holiday_calendar.hpp"
#include "engine/sla_policy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<dsr::SourceFile> files{{"calendars/xx.json", std::string(reinterpret_cast<const char*>(data), size)}};
  auto catalog = dsr::load_sla_catalog(files);
  if (!catalog) {
    for (const auto& e : catalog.error()) (void)e.to_string();
    return 0;
  }
  const dsr::HolidayCalendar* calendar = catalog->calendar("xx");
  if (calendar == nullptr) return 0;
  const int years[] = {2026, 2027};
  (void)dsr::check_calendar_coverage(*catalog, years);
  for (const auto& [year, holidays] : calendar->holidays_by_year) {
    if (year < 1971 || year > 2999) continue;
    using namespace std::chrono;
    sys_days day = sys_days(std::chrono::year{year} / January / 1);
    for (int step = 0; step < 12; ++step, day += days(31)) {
      (void)calendar->is_working_day(day);
      (void)calendar->holiday_name(day);
      (void)calendar->on_or_next_working_day(day);
      (void)calendar->add_working_days(day, 1 + step * 3);
    }
  }
  return 0;
}
