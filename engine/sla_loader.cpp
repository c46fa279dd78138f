// Loading SLA policies (policies/*.json) and holiday calendars
// (calendars/*.json). Every problem is reported with file and JSON path.
#include <boost/json/value.hpp>
#include <date/tz.h>
#include <fmt/format.h>

#include <charconv>

#include "engine/detail/json_fields.hpp"
#include "engine/sla_policy.hpp"
#include "engine/workflow_set.hpp"

namespace dsr {
namespace {

using detail::Diagnostics;
using detail::ObjectReader;

constexpr std::array<std::pair<PeriodUnit, std::string_view>, 4> kUnits{{
    {PeriodUnit::hours, "hours"},
    {PeriodUnit::calendar_days, "calendar_days"},
    {PeriodUnit::months, "months"},
    {PeriodUnit::business_days, "business_days"},
}};

constexpr std::array<std::pair<Counting, std::string_view>, 3> kCountings{{
    {Counting::from_receipt_instant, "from_receipt_instant"},
    {Counting::day_of_receipt_is_day_one, "day_of_receipt_is_day_one"},
    {Counting::day_of_receipt_not_counted, "day_of_receipt_not_counted"},
}};

constexpr std::array<std::string_view, 7> kWeekdays{"sunday",   "monday", "tuesday", "wednesday",
                                                    "thursday", "friday", "saturday"};

template <class Table>
std::string names_of(const Table& table) {
  std::string out;
  for (const auto& [unused, name] : table) out += (out.empty() ? "" : ", ") + std::string(name);
  return out;
}

std::string stem_in(std::string_view path, std::string_view folder) {
  path.remove_prefix(folder.size());
  if (path.ends_with(".json")) path.remove_suffix(5);
  return std::string(path);
}

std::optional<CalendarDate> parse_date(std::string_view text) {
  int y = 0;
  unsigned m = 0, d = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  auto num = [&](std::size_t at, std::size_t len, auto& out) {
    auto r = std::from_chars(text.data() + at, text.data() + at + len, out);
    return r.ec == std::errc{} && r.ptr == text.data() + at + len;
  };
  if (!num(0, 4, y) || !num(5, 2, m) || !num(8, 2, d)) return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days(ymd);
}

bool zone_exists(const std::string& name) {
  try {
    date::locate_zone(name);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

// A rule as written: every field optional, so "defaults" and a rule can be
// layered before the required fields are checked.
struct PartialRule {
  std::optional<Period> period;
  std::optional<Counting> counting;
  std::optional<bool> roll_forward;
  std::optional<std::optional<Period>> extension;   // null in the file: none
  std::optional<std::optional<Period>> acknowledge;
  std::optional<bool> clock_stops_awaiting_subject;
  std::optional<bool> statutory;
  std::optional<std::string> source;

  void layer_over(const PartialRule& base) {
    if (!period) period = base.period;
    if (!counting) counting = base.counting;
    if (!roll_forward) roll_forward = base.roll_forward;
    if (!extension) extension = base.extension;
    if (!acknowledge) acknowledge = base.acknowledge;
    if (!clock_stops_awaiting_subject) clock_stops_awaiting_subject = base.clock_stops_awaiting_subject;
    if (!statutory) statutory = base.statutory;
    if (!source) source = base.source;
  }
};

class PolicyParser {
 public:
  PolicyParser(const SourceFile& file, Diagnostics& diag) : file_(file), diag_(diag) {}

  std::optional<SlaPolicy> run() {
    auto root = detail::parse_json(file_.content, diag_);
    if (!root) return std::nullopt;
    ObjectReader r(*root, "$", diag_);
    if (!r.valid()) return std::nullopt;
    SlaPolicy policy;
    policy.id = r.string("id", true).value_or("");
    std::string stem = stem_in(file_.path, "policies/");
    if (!policy.id.empty() && policy.id != stem)
      diag_.add("$.id", fmt::format("id \"{}\" does not match the file name \"{}\"", policy.id, stem));
    policy.title = r.string("title", false).value_or("");
    policy.time_zone = r.string("time_zone", true).value_or("");
    if (!policy.time_zone.empty() && !zone_exists(policy.time_zone))
      diag_.add("$.time_zone", fmt::format("unknown time zone \"{}\" (use an IANA name such as "
                                           "\"Asia/Jakarta\")", policy.time_zone));
    policy.calendar = r.string("calendar", false).value_or("");
    if (const auto* v = r.value("verification", false)) policy.verification = parse_verification(*v);
    if (const auto* v = r.value("retention", false)) policy.retention = parse_retention(*v);
    PartialRule defaults;
    if (const auto* d = r.value("defaults", false)) defaults = parse_rule(*d, "$.defaults");
    if (const auto* rules = r.value("rules", true)) {
      if (!rules->is_object()) {
        diag_.add("$.rules", "expected an object of request type -> rule");
      } else {
        for (const auto& [type, value] : rules->get_object()) {
          std::string path = fmt::format("$.rules.{}", std::string_view(type));
          PartialRule partial = parse_rule(value, path);
          partial.layer_over(defaults);
          if (auto rule = complete(partial, policy, path)) policy.rules.emplace(std::string(type), *rule);
        }
      }
    }
    return policy;
  }

 private:
  // {"remind_after_hours": 24, "expire_after_days": 7}; each optional.
  VerificationTimers parse_verification(const boost::json::value& v) {
    VerificationTimers timers;
    ObjectReader r(v, "$.verification", diag_);
    if (!r.valid()) return timers;
    if (auto hours = r.integer("remind_after_hours", false)) {
      if (*hours < 1) diag_.add("$.verification.remind_after_hours", "must be at least 1");
      timers.remind_after = std::chrono::hours(*hours);
    }
    if (auto days = r.integer("expire_after_days", false)) {
      if (*days < 1) diag_.add("$.verification.expire_after_days", "must be at least 1");
      timers.expire_after = std::chrono::hours(24 * *days);
    }
    if (timers.remind_after >= timers.expire_after)
      diag_.add("$.verification", "the reminder must come before the request expires");
    return timers;
  }

  // {"verification_codes_days": 7, "delivered_messages_days": 7,
  //  "idempotency_days": 7, "subject_record_days": 365}; each optional.
  RetentionRules parse_retention(const boost::json::value& v) {
    RetentionRules rules;
    ObjectReader r(v, "$.retention", diag_);
    if (!r.valid()) return rules;
    std::pair<const char*, std::chrono::days*> fields[] = {
        {"verification_codes_days", &rules.verification_codes}, {"delivered_messages_days", &rules.delivered_messages},
        {"idempotency_days", &rules.idempotency_answers}, {"subject_record_days", &rules.subject_record}};
    for (auto [name, days] : fields) {
      auto value = r.integer(name, false);
      if (!value) continue;
      if (*value < 1 || *value > 36500)
        diag_.add(fmt::format("$.retention.{}", name), "must be a number of days from 1 to 36500");
      else
        *days = std::chrono::days(*value);
    }
    return rules;
  }

  std::optional<Period> parse_period(const boost::json::value& v, const std::string& path) {
    ObjectReader r(v, path, diag_);
    if (!r.valid()) return std::nullopt;
    auto duration = r.integer("duration", true);
    auto unit = r.string("unit", true);
    if (!duration || !unit) return std::nullopt;
    Period p;
    if (*duration < 1 || *duration > 1000) {
      diag_.add(path + ".duration", fmt::format("{} is not a sensible duration (1 to 1000)", *duration));
      return std::nullopt;
    }
    p.duration = static_cast<int>(*duration);
    auto found = std::find_if(kUnits.begin(), kUnits.end(), [&](const auto& u) { return u.second == *unit; });
    if (found == kUnits.end()) {
      diag_.add(path + ".unit", fmt::format("unknown unit \"{}\" ({})", *unit, names_of(kUnits)));
      return std::nullopt;
    }
    p.unit = found->first;
    return p;
  }

  // A period, or null for "none" (so a rule can switch off a default).
  std::optional<std::optional<Period>> optional_period(ObjectReader& r, std::string_view key) {
    const auto* v = r.value(key, false);
    if (v == nullptr) return std::nullopt;
    if (v->is_null()) return std::optional<Period>{};
    return parse_period(*v, r.field_path(key));
  }

  PartialRule parse_rule(const boost::json::value& v, const std::string& path) {
    PartialRule p;
    ObjectReader r(v, path, diag_);
    if (!r.valid()) return p;
    if (const auto* period = r.value("period", false)) p.period = parse_period(*period, path + ".period");
    if (auto counting = r.string("counting", false)) {
      auto found = std::find_if(kCountings.begin(), kCountings.end(),
                                [&](const auto& c) { return c.second == *counting; });
      if (found == kCountings.end()) {
        diag_.add(path + ".counting", fmt::format("unknown counting \"{}\" ({})", *counting, names_of(kCountings)));
      } else {
        p.counting = found->first;
      }
    }
    p.roll_forward = r.boolean("roll_forward");
    p.extension = optional_period(r, "extension");
    p.acknowledge = optional_period(r, "acknowledge");
    p.clock_stops_awaiting_subject = r.boolean("clock_stops_awaiting_subject");
    p.statutory = r.boolean("statutory");
    p.source = r.string("source", false);
    return p;
  }

  std::optional<SlaRule> complete(const PartialRule& p, const SlaPolicy& policy, const std::string& path) {
    auto missing = [&](std::string_view field) {
      diag_.add(path, fmt::format("no \"{}\": set it in this rule or in \"defaults\"", field));
    };
    if (!p.period) missing("period");
    if (!p.counting) missing("counting");
    if (!p.statutory) missing("statutory");
    if (!p.source) missing("source");
    if (!p.period || !p.counting || !p.statutory || !p.source) return std::nullopt;

    SlaRule rule;
    rule.period = *p.period;
    rule.counting = *p.counting;
    rule.roll_forward = p.roll_forward.value_or(false);
    rule.extension = p.extension.value_or(std::nullopt);
    rule.acknowledge = p.acknowledge.value_or(std::nullopt);
    rule.clock_stops_awaiting_subject = p.clock_stops_awaiting_subject.value_or(false);
    rule.statutory = *p.statutory;
    rule.source = *p.source;

    bool hourly = rule.period.unit == PeriodUnit::hours;
    if (hourly != (rule.counting == Counting::from_receipt_instant))
      diag_.add(path + ".counting", "\"from_receipt_instant\" goes with \"hours\", and only with hours");
    if (hourly && rule.roll_forward)
      diag_.add(path + ".roll_forward", "a period in hours runs through weekends and holidays; roll_forward "
                                        "applies to periods in days or months");
    bool needs_calendar = rule.roll_forward || rule.period.unit == PeriodUnit::business_days ||
                          (rule.acknowledge && rule.acknowledge->unit == PeriodUnit::business_days) ||
                          (rule.extension && rule.extension->unit == PeriodUnit::business_days);
    if (needs_calendar && policy.calendar.empty())
      diag_.add(path, "working days are needed here, but the policy names no \"calendar\"");
    if (rule.extension) {
      if ((rule.extension->unit == PeriodUnit::hours) != hourly)
        diag_.add(path + ".extension.unit", "the extension must be counted like the period (hours with hours)");
      else if (rule.extension->unit == rule.period.unit && rule.extension->duration <= rule.period.duration)
        diag_.add(path + ".extension.duration",
                  fmt::format("the extension is the whole period once extended, so it must exceed {}",
                              rule.period.duration));
    }
    return rule;
  }

  const SourceFile& file_;
  Diagnostics& diag_;
};

std::optional<HolidayCalendar> parse_calendar(const SourceFile& file, Diagnostics& diag) {
  auto root = detail::parse_json(file.content, diag);
  if (!root) return std::nullopt;
  ObjectReader r(*root, "$", diag);
  if (!r.valid()) return std::nullopt;
  HolidayCalendar cal;
  cal.id = r.string("id", true).value_or("");
  std::string stem = stem_in(file.path, "calendars/");
  if (!cal.id.empty() && cal.id != stem)
    diag.add("$.id", fmt::format("id \"{}\" does not match the file name \"{}\"", cal.id, stem));
  cal.title = r.string("title", false).value_or("");
  cal.source = r.string("source", true).value_or("");
  if (auto weekend = r.strings("weekend", true)) {
    for (std::size_t i = 0; i < weekend->size(); ++i) {
      auto it = std::find(kWeekdays.begin(), kWeekdays.end(), (*weekend)[i]);
      if (it == kWeekdays.end()) {
        diag.add(fmt::format("$.weekend[{}]", i), fmt::format("unknown weekday \"{}\"", (*weekend)[i]));
      } else {
        cal.weekend[static_cast<std::size_t>(it - kWeekdays.begin())] = true;
      }
    }
    if (weekend->size() >= 7) diag.add("$.weekend", "a week with no working day");
  }
  auto year_key = [&](std::string_view key, const std::string& path) -> std::optional<int> {
    int year = 0;
    auto res = std::from_chars(key.data(), key.data() + key.size(), year);
    if (key.size() != 4 || res.ec != std::errc{} || res.ptr != key.data() + key.size()) {
      diag.add(path, fmt::format("\"{}\" is not a year", key));
      return std::nullopt;
    }
    return year;
  };
  if (const auto* years = r.value("years", true)) {
    if (!years->is_object()) {
      diag.add("$.years", "expected an object of year -> holidays");
    } else {
      for (const auto& [key, list] : years->get_object()) {
        std::string path = fmt::format("$.years.{}", std::string_view(key));
        auto year = year_key(key, path);
        if (!year) continue;
        auto& days = cal.holidays_by_year[*year];
        if (!list.is_array()) {
          diag.add(path, "expected an array of holidays");
          continue;
        }
        const auto& rows = list.get_array();
        for (std::size_t i = 0; i < rows.size(); ++i) {
          std::string row_path = fmt::format("{}[{}]", path, i);
          ObjectReader h(rows[i], row_path, diag);
          auto date_text = h.string("date", true);
          auto name = h.string("name", true);
          auto kind = h.string("kind", false);
          if (kind && *kind != "national" && *kind != "cuti_bersama")
            diag.add(row_path + ".kind", fmt::format("unknown kind \"{}\" (national, cuti_bersama)", *kind));
          if (!date_text || !name) continue;
          auto day = parse_date(*date_text);
          if (!day) {
            diag.add(row_path + ".date", fmt::format("\"{}\" is not a date (YYYY-MM-DD)", *date_text));
          } else if (static_cast<int>(std::chrono::year_month_day(*day).year()) != *year) {
            diag.add(row_path + ".date", fmt::format("{} is not in {}", *date_text, *year));
          } else if (!days.emplace(*day, *name).second) {
            diag.add(row_path + ".date", fmt::format("{} is listed twice", *date_text));
          }
        }
      }
    }
  }
  if (const auto* provisional = r.value("provisional", false)) {
    if (!provisional->is_object()) {
      diag.add("$.provisional", "expected an object of year -> why its dates are estimates");
    } else {
      for (const auto& [key, why] : provisional->get_object()) {
        std::string path = fmt::format("$.provisional.{}", std::string_view(key));
        auto year = year_key(key, path);
        if (year && why.is_string()) cal.provisional_years[*year] = std::string(why.get_string());
        if (year && !cal.covers(*year)) diag.add(path, fmt::format("{} has no holidays listed", *year));
      }
    }
  }
  return cal;
}

}  // namespace

std::string_view to_string(PeriodUnit unit) {
  for (const auto& [u, name] : kUnits)
    if (u == unit) return name;
  return "unknown";
}

std::string_view to_string(Counting counting) {
  for (const auto& [c, name] : kCountings)
    if (c == counting) return name;
  return "unknown";
}

const SlaRule* SlaPolicy::rule_for(std::string_view type) const {
  auto it = rules.find(type);
  return it == rules.end() ? nullptr : &it->second;
}

const SlaPolicy* SlaCatalog::policy(std::string_view id) const {
  auto it = policies_.find(id);
  return it == policies_.end() ? nullptr : &it->second;
}

std::string SlaCatalog::time_zone_of(std::string_view id) const {
  const SlaPolicy* p = policy(id);
  return p ? p->time_zone : "UTC";
}

const HolidayCalendar* SlaCatalog::calendar(std::string_view id) const {
  auto it = calendars_.find(id);
  return it == calendars_.end() ? nullptr : &it->second;
}

std::vector<std::string> SlaCatalog::policy_ids() const {
  std::vector<std::string> out;
  for (const auto& [id, unused] : policies_) out.push_back(id);
  return out;
}

std::vector<std::string> SlaCatalog::calendar_ids() const {
  std::vector<std::string> out;
  for (const auto& [id, unused] : calendars_) out.push_back(id);
  return out;
}

void SlaCatalog::add(SlaPolicy policy) {
  std::string id = policy.id;
  policies_.insert_or_assign(std::move(id), std::move(policy));
}

void SlaCatalog::add(HolidayCalendar calendar) {
  std::string id = calendar.id;
  calendars_.insert_or_assign(std::move(id), std::move(calendar));
}

Result<SlaCatalog, DefinitionErrors> load_sla_catalog(std::span<const SourceFile> files) {
  SlaCatalog catalog;
  DefinitionErrors errors;
  std::vector<std::pair<std::string, std::string>> calendar_refs;  // (policy file, calendar id)
  auto keep = [&](Diagnostics& diag) {
    bool clean = diag.empty();
    auto found = diag.take();
    errors.insert(errors.end(), found.begin(), found.end());
    return clean;
  };
  for (const auto& file : files) {
    if (!file.path.ends_with(".json")) continue;
    Diagnostics diag(file.path);
    if (file.path.starts_with("calendars/")) {
      auto cal = parse_calendar(file, diag);
      if (keep(diag) && cal) catalog.add(std::move(*cal));
    } else if (file.path.starts_with("policies/")) {
      auto policy = PolicyParser(file, diag).run();
      if (policy) {
        for (auto type : required_request_types())
          if (!policy->rule_for(type))
            diag.add("$.rules", fmt::format("no rule for the request type \"{}\"", type));
        if (!policy->calendar.empty()) calendar_refs.emplace_back(file.path, policy->calendar);
      }
      if (keep(diag) && policy) catalog.add(std::move(*policy));
    }
  }
  for (const auto& [file, id] : calendar_refs)
    if (!catalog.calendar(id))
      errors.push_back({file, "$.calendar", fmt::format("no calendar \"{}\" (expected calendars/{}.json)", id, id)});
  if (catalog.policy_ids().empty())
    errors.push_back({"policies/", "", "no SLA policy found: at least one policies/<id>.json is needed"});
  if (!errors.empty()) return fail(std::move(errors));
  return catalog;
}

DefinitionErrors check_calendar_coverage(const SlaCatalog& catalog, std::span<const int> years) {
  DefinitionErrors errors;
  for (const auto& id : catalog.calendar_ids()) {
    const HolidayCalendar* cal = catalog.calendar(id);
    for (int year : years)
      if (!cal->covers(year)) errors.push_back({"calendars/" + id + ".json", "$.years", cal->missing_year(year).message});
  }
  return errors;
}

}  // namespace dsr
