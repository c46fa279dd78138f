// Due dates. Two shapes of period:
//  - hours: an exact span from the instant of receipt, plus paused time;
//  - days and months: counted on the calendar of the policy's zone, ending
//    at 23:59:59 local time of the due day, moved by whole paused days and
//    then, where the rule says so, rolled past weekends and holidays.
#include "engine/sla_clock.hpp"

#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>

namespace dsr {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

std::string plural(int n, std::string_view unit) {
  return fmt::format("{} {}{}", n, unit, n == 1 ? "" : "s");
}

std::string describe(const Period& p) {
  switch (p.unit) {
    case PeriodUnit::hours: return fmt::format("{} h", p.duration);
    case PeriodUnit::calendar_days: return plural(p.duration, "calendar day");
    case PeriodUnit::months: return plural(p.duration, "month");
    case PeriodUnit::business_days: return plural(p.duration, "business day");
  }
  return "?";
}

std::string describe(seconds d) {
  auto h = std::chrono::duration_cast<hours>(d);
  auto m = std::chrono::duration_cast<minutes>(d - h);
  if (h.count() == 0) return fmt::format("{} min", m.count());
  if (m.count() == 0) return fmt::format("{} h", h.count());
  return fmt::format("{} h {} min", h.count(), m.count());
}

// fmt rather than date::format: these run on every request view, and
// date::format goes through a locale-laden ostringstream each time.
std::string iso(CalendarDate d) {
  std::chrono::year_month_day ymd{d};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()));
}

// The policy's zone, and conversions between instants and local dates.
class LocalTime {
 public:
  explicit LocalTime(const std::string& zone) : zone_(date::locate_zone(zone)) {}

  CalendarDate date_of(TimePoint t) const {
    return CalendarDate{std::chrono::floor<days>(zone_->to_local(t)).time_since_epoch()};
  }

  // 23:59:59 local on `day`, as an instant.
  TimePoint end_of(CalendarDate day) const {
    date::local_seconds local{day.time_since_epoch() + hours{23} + minutes{59} + seconds{59}};
    return std::chrono::floor<seconds>(zone_->to_sys(local, date::choose::earliest));
  }

  std::string minute_text(TimePoint t) const {
    auto local = zone_->to_local(t);
    auto day = std::chrono::floor<days>(local);
    auto time = std::chrono::hh_mm_ss<seconds>(local - day);
    return fmt::format("{} {:02}:{:02} {}", iso(CalendarDate{day.time_since_epoch()}), time.hours().count(),
                       time.minutes().count(), abbreviation_at(t));
  }

  std::string abbreviation_at(TimePoint t) const { return zone_->get_info(t).abbrev; }

 private:
  const date::time_zone* zone_;
};

CalendarDate add_months(CalendarDate from, int months) {
  std::chrono::year_month_day ymd{from};
  auto target = ymd + std::chrono::months{months};
  if (!target.ok()) target = std::chrono::year_month_day_last{target.year(), std::chrono::month_day_last{target.month()}};
  return CalendarDate{target};
}

// Everything a single computation needs, so each step can add its words.
class Computation {
 public:
  Computation(const SlaPolicy& policy, const SlaRule& rule, const HolidayCalendar* calendar, TimePoint received)
      : rule_(rule), calendar_(calendar), local_(policy.time_zone), received_(received) {}

  // The end of `period` counted from receipt, moved by `paused`.
  Result<TimePoint> due(const Period& period, seconds paused, int paused_days, std::vector<std::string>& words) {
    if (period.unit == PeriodUnit::hours) {
      words.push_back(fmt::format("{} from {}", describe(period), local_.minute_text(received_)));
      if (paused.count() > 0) words.push_back(fmt::format("paused {} awaiting subject", describe(paused)));
      return received_ + hours{period.duration} + paused;
    }
    auto day = counted_day(period, words);
    if (!day) return fail(day.error());
    CalendarDate d = *day;
    if (paused_days > 0) {
      d += days{paused_days};
      words.push_back(fmt::format("paused {} awaiting subject, so {}", plural(paused_days, "day"), iso(d)));
    }
    if (rule_.roll_forward) {
      auto rolled = calendar_->on_or_next_working_day(d);
      if (!rolled) return fail(rolled.error());
      if (*rolled != d) words.push_back(fmt::format("{} is not a working day ({}), so {}", iso(d),
                                                    skipped(d, *rolled), iso(*rolled)));
      d = *rolled;
    }
    TimePoint end = local_.end_of(d);
    words.push_back(fmt::format("ends 23:59:59 {} on {}", local_.abbreviation_at(end), iso(d)));
    return end;
  }

 private:
  Result<CalendarDate> counted_day(const Period& period, std::vector<std::string>& words) {
    CalendarDate receipt = local_.date_of(received_);
    std::string from = fmt::format("{} from {}", describe(period), iso(receipt));
    switch (period.unit) {
      case PeriodUnit::business_days: {
        words.push_back(from + " (the day of receipt not counted)");
        return calendar_->add_working_days(receipt, period.duration);
      }
      case PeriodUnit::months: {
        // Both counting rules land on the day bearing the receipt's number
        // (ICO; Reg. 1182/71 Art. 3(2)(c)), or the month's last day.
        CalendarDate d = add_months(receipt, period.duration);
        words.push_back(fmt::format("{} ({}): {}", from, counting_words(), iso(d)));
        return d;
      }
      case PeriodUnit::calendar_days: {
        int n = period.duration - (rule_.counting == Counting::day_of_receipt_is_day_one ? 1 : 0);
        CalendarDate d = receipt + days{n};
        words.push_back(fmt::format("{} ({}): {}", from, counting_words(), iso(d)));
        return d;
      }
      case PeriodUnit::hours: break;
    }
    return fail(Error::internal("hours are not counted in days"));
  }

  std::string counting_words() const {
    return rule_.counting == Counting::day_of_receipt_is_day_one ? "the day of receipt is day 1"
                                                                 : "the day of receipt not counted";
  }

  // "Saturday; 2024-12-25 Christmas Day; ..." for the days rolled over.
  std::string skipped(CalendarDate from, CalendarDate to) const {
    std::string out;
    for (CalendarDate d = from; d < to; d += days{1}) {
      std::string name = calendar_->holiday_name(d);
      if (name.empty()) name = date::format("%A", d);
      out += fmt::format("{}{} {}", out.empty() ? "" : "; ", iso(d), name);
    }
    return out;
  }

  const SlaRule& rule_;
  const HolidayCalendar* calendar_;
  LocalTime local_;
  TimePoint received_;
};

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

}  // namespace

std::vector<ClockSegment> clock_segments(const Workflow& workflow, std::span<const Event> events) {
  std::vector<ClockSegment> segments;
  for (const auto& e : events) {
    bool open = !segments.empty() && !segments.back().end;
    if (e.name == kSubmitEvent) {
      // The clock may have started before the filing (a breach notice's
      // runs from when the breach became known).
      TimePoint start = e.at;
      if (auto from = e.data.find("clock_from"); from != e.data.end())
        if (auto t = parse_rfc3339(from->second); t && *t < e.at) start = *t;
      segments.push_back({start, std::nullopt, false, e.name});
      continue;
    }
    if (!open) continue;
    bool paused = segments.back().paused;
    if (workflow.is_terminal(e.to_state)) {
      segments.back().end = e.at;
    } else if (e.clock == ClockEffect::pause && !paused) {
      segments.back().end = e.at;
      segments.push_back({e.at, std::nullopt, true, e.name});
    } else if (e.clock == ClockEffect::run && paused) {
      segments.back().end = e.at;
      segments.push_back({e.at, std::nullopt, false, e.name});
    }
  }
  return segments;
}

Result<Deadline> SlaClock::deadline(std::string_view policy_id, std::string_view type, TimePoint received,
                                    std::span<const ClockSegment> segments, bool extended, TimePoint now) const {
  const SlaPolicy* policy = catalog_.policy(policy_id);
  if (!policy) {
    std::string known;
    for (const auto& id : catalog_.policy_ids()) known += (known.empty() ? "" : ", ") + id;
    return fail(Error::invalid_argument(fmt::format("unknown policy \"{}\" (known: {})", policy_id, known)));
  }
  const SlaRule* rule = policy->rule_for(type);
  if (!rule) {
    std::string known;
    for (const auto& [t, unused] : policy->rules) known += (known.empty() ? "" : ", ") + t;
    return fail(Error::invalid_argument(
        fmt::format("policy {} has no rule for request type \"{}\" (known: {})", policy_id, type, known)));
  }
  const HolidayCalendar* calendar = policy->calendar.empty() ? nullptr : catalog_.calendar(policy->calendar);

  Deadline out;
  out.statutory = rule->statutory;
  out.source = rule->source;
  out.extended = extended && rule->extension.has_value();

  // Pauses count only where the policy stops the clock for the subject.
  int paused_days = 0;
  LocalTime local(policy->time_zone);
  for (const auto& s : segments) {
    if (!s.paused) continue;
    TimePoint end = s.end.value_or(now);
    if (!s.end) out.paused_now = true;
    if (!rule->clock_stops_awaiting_subject || end <= s.start) continue;
    out.paused_for += end - s.start;
    paused_days += static_cast<int>((local.date_of(end) - local.date_of(s.start)).count());
  }

  Computation computation(*policy, *rule, calendar, received);
  std::vector<std::string> words;
  auto due = computation.due(rule->period, out.paused_for, paused_days, words);
  if (!due) return fail(due.error());
  out.due_at = *due;
  if (rule->extension) {
    std::vector<std::string> extension_words;
    auto extended_due = computation.due(*rule->extension, out.paused_for, paused_days, extension_words);
    if (!extended_due) return fail(extended_due.error());
    out.extended_due_at = *extended_due;
    if (out.extended) {
      out.due_at = *extended_due;
      words = {"extended: " + join(extension_words)};
    }
  }
  if (rule->acknowledge) {
    std::vector<std::string> ack_words;
    auto ack = computation.due(*rule->acknowledge, seconds{0}, 0, ack_words);
    if (!ack) return fail(ack.error());
    out.acknowledge_by = *ack;
  }
  bool ever_paused = std::any_of(segments.begin(), segments.end(), [](const ClockSegment& s) { return s.paused; });
  if (ever_paused && !rule->clock_stops_awaiting_subject) {
    words.push_back("time awaiting the subject does not stop this clock");
  } else if (out.paused_now) {
    words.push_back("the clock stands while awaiting the subject; this due date assumes it restarts now");
  }
  if (extended && !rule->extension) words.push_back("this policy allows no extension");
  if (!rule->statutory) words.push_back("internal target, not a statutory limit");
  out.explanation = join(words);
  return out;
}

Result<Deadline> SlaClock::deadline(const Request& request, const Workflow& workflow, TimePoint now) const {
  auto segments = clock_segments(workflow, request.events);
  TimePoint start = request.clock_from && *request.clock_from < request.received_at ? *request.clock_from
                                                                                     : request.received_at;
  return deadline(request.policy, request.type, start, segments, request.extended, now);
}

}  // namespace dsr
