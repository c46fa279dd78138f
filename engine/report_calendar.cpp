#include "engine/report_calendar.hpp"

#include <date/tz.h>
#include <fmt/format.h>

#include <sstream>

namespace dsr {
namespace {

TimePoint local_midnight(const date::time_zone* tz, date::local_days day) {
  // Midnight may not exist (a DST jump at 00:00): the earliest instant of the day then.
  return date::floor<std::chrono::seconds>(tz->to_sys(date::local_seconds(day), date::choose::earliest));
}

}  // namespace

std::vector<ReportWeek> weeks_between(std::string_view zone, TimePoint from, TimePoint to) {
  const date::time_zone* tz = date::locate_zone(zone);
  auto first_day = date::floor<date::days>(tz->to_local(from));
  date::local_days monday = first_day - (date::weekday(first_day) - date::Monday);
  std::vector<ReportWeek> out;
  for (; local_midnight(tz, monday) < to; monday += date::weeks(1)) {
    out.push_back({date::format("%F", monday), local_midnight(tz, monday), local_midnight(tz, monday + date::weeks(1))});
  }
  return out;
}

Status check_report_period(TimePoint from, TimePoint to) {
  if (to <= from)
    return fail(Error::invalid_argument(fmt::format("the period is empty: --from {} is not before --to {}",
                                                    format_rfc3339(from), format_rfc3339(to))));
  if (to - from > kMaxReportPeriod)
    return fail(Error::invalid_argument(fmt::format(
        "the period from {} to {} is longer than {} days (ten years); make one report for each part of it",
        format_rfc3339(from), format_rfc3339(to), kMaxReportPeriod.count())));
  return ok_status();
}

std::string local_date(std::string_view zone, TimePoint t) {
  const date::time_zone* tz = date::locate_zone(zone);
  return date::format("%F", date::floor<date::days>(tz->to_local(t)));
}

std::string local_date_time(std::string_view zone, TimePoint t) {
  return date::format("%F %R %Z", date::zoned_time<std::chrono::seconds>(date::locate_zone(zone), t));
}

ReportPeriod default_report_period(std::string_view zone, TimePoint now) {
  const date::time_zone* tz = date::locate_zone(zone);
  auto today = date::floor<date::days>(tz->to_local(now));
  return {local_midnight(tz, today - date::days(29)), local_midnight(tz, today + date::days(1))};
}

std::optional<ReportSchedule> parse_report_schedule(std::string_view text) {
  constexpr std::string_view kDaily = "daily ";
  if (!text.starts_with(kDaily) || text.size() != kDaily.size() + 5 || text[kDaily.size() + 2] != ':') return std::nullopt;
  auto two_digits = [&](std::size_t at) -> int {
    char a = text[at], b = text[at + 1];
    if (a < '0' || a > '9' || b < '0' || b > '9') return -1;
    return (a - '0') * 10 + (b - '0');
  };
  int hour = two_digits(kDaily.size()), minute = two_digits(kDaily.size() + 3);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59) return std::nullopt;
  return ReportSchedule{hour, minute};
}

ReportSlot latest_report_slot(const ReportSchedule& schedule, std::string_view zone, TimePoint now) {
  const date::time_zone* tz = date::locate_zone(zone);
  auto day = date::floor<date::days>(tz->to_local(now));
  auto slot_on = [&](date::local_days d) {
    auto local = date::local_seconds(d) + std::chrono::hours(schedule.hour) + std::chrono::minutes(schedule.minute);
    return date::floor<std::chrono::seconds>(tz->to_sys(local, date::choose::earliest));
  };
  if (slot_on(day) > now) day -= date::days(1);
  return {date::format("%F", day), slot_on(day)};
}

std::optional<TimePoint> parse_report_bound(std::string_view text, std::string_view zone) {
  if (text.size() == 10) {
    std::istringstream in{std::string(text)};
    date::local_days day;
    in >> date::parse("%F", day);
    if (in.fail() || in.peek() != std::char_traits<char>::eof()) return std::nullopt;
    return local_midnight(date::locate_zone(zone), day);
  }
  return parse_rfc3339(text);
}

}  // namespace dsr
