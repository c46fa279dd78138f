#include "api/sla_report_csv.hpp"

#include <fmt/format.h>

#include <initializer_list>

#include "engine/csv_field.hpp"
#include "engine/report_calendar.hpp"

namespace dsr::api {
namespace {

std::string field(std::string_view text) { return csv_field(text); }

class CsvWriter {
 public:
  void section(std::string_view title, std::initializer_list<std::string_view> columns) {
    if (!out_.empty()) out_ += "\r\n";
    out_ += fmt::format("# {}\r\n", title);
    row(std::vector<std::string>(columns.begin(), columns.end()));
  }
  void row(const std::vector<std::string>& fields) {
    for (std::size_t i = 0; i < fields.size(); ++i) out_ += (i ? "," : "") + field(fields[i]);
    out_ += "\r\n";
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

std::string number(std::int64_t n) { return std::to_string(n); }
std::string optional_number(const std::optional<std::int64_t>& n) { return n ? std::to_string(*n) : ""; }
std::string rate(std::int64_t on_time, std::int64_t late) {
  auto r = on_time_rate(on_time, late);
  return r ? fmt::format("{:.4f}", *r) : "";
}

}  // namespace

std::string sla_report_csv(const SlaReport& report, const SlaCatalog& policies) {
  CsvWriter csv;
  csv.section("period", {"from", "to", "generated_at"});
  csv.row({format_rfc3339(report.from), format_rfc3339(report.to), format_rfc3339(report.generated_at)});

  csv.section("types", {"policy", "type", "statutory", "target", "received", "completed", "partially_completed",
                        "rejected", "withdrawn", "expired", "open", "answered_on_time", "answered_late", "on_time_rate",
                        "extensions_used", "awaiting_subject_seconds", "never_verified",
                        "median_seconds_to_completion", "p90_seconds_to_completion", "source"});
  for (const auto& f : report.types)
    csv.row({f.policy, f.type, f.statutory ? "true" : "false", f.target, number(f.received), number(f.completed),
             number(f.partially_completed), number(f.rejected), number(f.withdrawn), number(f.expired), number(f.open),
             number(f.answered_on_time), number(f.answered_late), rate(f.answered_on_time, f.answered_late),
             number(f.extended), number(f.awaiting_subject_seconds), number(f.never_verified),
             optional_number(f.median_seconds_to_completion), optional_number(f.p90_seconds_to_completion), f.source});

  csv.section("totals", {"target", "received", "answered_on_time", "answered_late", "on_time_rate", "open"});
  for (const auto& [name, t] : {std::pair{"statutory", &report.statutory}, std::pair{"internal", &report.internal}})
    csv.row({name, number(t->received), number(t->answered_on_time), number(t->answered_late),
             rate(t->answered_on_time, t->answered_late), number(t->open)});

  csv.section("weeks", {"policy", "week_start", "received"});
  for (const auto& w : report.weeks) csv.row({w.policy, w.week_start, number(w.received)});

  csv.section("now", {"open", "overdue", "due_within_24_hours", "recipient_notices_outstanding",
                      "recipient_notices_failed"});
  csv.row({number(report.open_now), number(report.overdue_now), number(report.due_within_24_hours),
           number(report.recipient_notices_outstanding), number(report.recipient_notices_failed)});

  csv.section("oldest_overdue", {"id", "policy", "type", "state", "assignee", "received_at", "due_at", "due_date_local",
                                 "time_zone"});
  for (const auto& r : report.oldest_overdue) {
    std::string zone = policies.time_zone_of(r.policy);
    csv.row({r.id, r.policy, r.type, r.state, r.assignee.value_or(""), format_rfc3339(r.received_at),
             format_rfc3339(r.due_at), local_date(zone, r.due_at), zone});
  }

  csv.section("workload", {"assignee", "open", "overdue"});
  for (const auto& w : report.workload) csv.row({w.assignee, number(w.open), number(w.overdue)});
  return csv.take();
}

}  // namespace dsr::api
