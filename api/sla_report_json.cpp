#include "api/sla_report_json.hpp"

#include <boost/json/array.hpp>

#include "engine/report_calendar.hpp"

namespace dsr::api {
namespace {

boost::json::value optional_seconds(const std::optional<std::int64_t>& s) {
  return s ? boost::json::value(*s) : boost::json::value(nullptr);
}

boost::json::value rate(std::int64_t on_time, std::int64_t late) {
  auto r = on_time_rate(on_time, late);
  return r ? boost::json::value(*r) : boost::json::value(nullptr);
}

boost::json::object totals_json(const SlaTotals& t) {
  return {{"received", t.received},
          {"answered_on_time", t.answered_on_time},
          {"answered_late", t.answered_late},
          {"on_time_rate", rate(t.answered_on_time, t.answered_late)},
          {"open", t.open}};
}

boost::json::object type_json(const SlaTypeFigures& f) {
  return {{"policy", f.policy},
          {"type", f.type},
          {"target", {{"statutory", f.statutory}, {"period", f.target}, {"source", f.source}}},
          {"received", f.received},
          {"completed", f.completed},
          {"partially_completed", f.partially_completed},
          {"rejected", f.rejected},
          {"withdrawn", f.withdrawn},
          {"expired", f.expired},
          {"open", f.open},
          {"answered_on_time", f.answered_on_time},
          {"answered_late", f.answered_late},
          {"on_time_rate", rate(f.answered_on_time, f.answered_late)},
          {"extensions_used", f.extended},
          {"awaiting_subject_seconds", f.awaiting_subject_seconds},
          {"never_verified", f.never_verified},
          {"median_seconds_to_completion", optional_seconds(f.median_seconds_to_completion)},
          {"p90_seconds_to_completion", optional_seconds(f.p90_seconds_to_completion)}};
}

}  // namespace

boost::json::object sla_report_json(const SlaReport& report, const SlaCatalog& policies) {
  boost::json::array types, weeks, overdue, workload;
  for (const auto& f : report.types) types.push_back(type_json(f));
  for (const auto& w : report.weeks)
    weeks.push_back({{"policy", w.policy}, {"week_start", w.week_start}, {"received", w.received}});
  for (const auto& r : report.oldest_overdue) {
    std::string zone = policies.time_zone_of(r.policy);
    overdue.push_back({{"id", r.id},
                       {"policy", r.policy},
                       {"type", r.type},
                       {"state", r.state},
                       {"assignee", r.assignee ? boost::json::value(*r.assignee) : nullptr},
                       {"received_at", format_rfc3339(r.received_at)},
                       {"due_at", format_rfc3339(r.due_at)},
                       {"due_date_local", local_date(zone, r.due_at)},
                       {"time_zone", zone}});
  }
  for (const auto& w : report.workload)
    workload.push_back({{"assignee", w.assignee.empty() ? boost::json::value(nullptr) : boost::json::value(w.assignee)},
                        {"open", w.open},
                        {"overdue", w.overdue}});
  return {{"period", {{"from", format_rfc3339(report.from)}, {"to", format_rfc3339(report.to)}}},
          {"generated_at", format_rfc3339(report.generated_at)},
          {"types", std::move(types)},
          {"totals", {{"statutory", totals_json(report.statutory)}, {"internal", totals_json(report.internal)}}},
          {"weeks", std::move(weeks)},
          {"now",
           {{"open", report.open_now},
            {"overdue", report.overdue_now},
            {"due_within_24_hours", report.due_within_24_hours},
            {"oldest_overdue", std::move(overdue)},
            {"workload", std::move(workload)},
            {"recipient_notices", {{"outstanding", report.recipient_notices_outstanding},
                                   {"failed", report.recipient_notices_failed}}}}}};
}

}  // namespace dsr::api
