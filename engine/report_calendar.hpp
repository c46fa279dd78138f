// Calendar arithmetic for reports, in a policy's time zone: where weeks
// begin (Monday 00:00 local) and local dates. Zones come from the tz
// database through Howard Hinnant's date library.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/result.hpp"
#include "engine/time.hpp"

namespace dsr {

struct ReportWeek {
  std::string start_date;  // local, YYYY-MM-DD (a Monday)
  TimePoint begins;        // Monday 00:00 local, as an instant
  TimePoint ends;          // the next Monday 00:00 local
};

// The weeks that overlap [from, to), in `zone`. Throws std::runtime_error
// for an unknown zone (policies are checked at load, so only a bug does).
std::vector<ReportWeek> weeks_between(std::string_view zone, TimePoint from, TimePoint to);

// The longest period one report covers: ten years (522 weeks). Each week
// of a period is a query and a row of the report, so a period of
// centuries (the HTTP fuzzer asked for 2025 to 6119) held a server for
// seconds and hundreds of MB; a longer span is several reports.
inline constexpr std::chrono::days kMaxReportPeriod{3653};
// ok if [from, to) can be reported on; invalid_argument saying why not for
// an empty or reversed period, or one longer than kMaxReportPeriod. Both
// backends check this before they read anything.
Status check_report_period(TimePoint from, TimePoint to);

// The local date of `t` in `zone`, YYYY-MM-DD.
std::string local_date(std::string_view zone, TimePoint t);
// The local date and time of `t` with the zone's abbreviation, e.g.
// "2026-11-25 07:00 WIB".
std::string local_date_time(std::string_view zone, TimePoint t);

// The period a report covers when none is given: the 30 local days up to
// and including today, in `zone` (from 00:00 thirty days ago to 00:00
// tomorrow).
struct ReportPeriod {
  TimePoint from;
  TimePoint to;
};
ReportPeriod default_report_period(std::string_view zone, TimePoint now);

// A daily report time, local to the policy's zone ("daily 07:00").
struct ReportSchedule {
  int hour = 7;
  int minute = 0;
};
// Parses "daily HH:MM" (24-hour clock); nullopt for anything else.
std::optional<ReportSchedule> parse_report_schedule(std::string_view text);

// The latest scheduled moment at or before `now` in `zone`, with its local
// date: the report that should exist by now.
struct ReportSlot {
  std::string date;  // YYYY-MM-DD, local
  TimePoint at;
};
ReportSlot latest_report_slot(const ReportSchedule& schedule, std::string_view zone, TimePoint now);

// A report bound: "YYYY-MM-DD" is that day's 00:00 in `zone`; an RFC 3339
// timestamp with an offset is taken as it is. Nullopt for anything else.
std::optional<TimePoint> parse_report_bound(std::string_view text, std::string_view zone);

}  // namespace dsr
