#include "api/sla_report_html.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "engine/report_calendar.hpp"

namespace dsr::api {
namespace {

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string percent(std::int64_t on_time, std::int64_t late) {
  auto r = on_time_rate(on_time, late);
  return r ? fmt::format("{:.1f}%", 100.0 * *r) : "&ndash;";
}

std::string duration(const std::optional<std::int64_t>& seconds) {
  if (!seconds) return "&ndash;";
  if (*seconds < 3600 * 48) return fmt::format("{:.1f} h", static_cast<double>(*seconds) / 3600.0);
  return fmt::format("{:.1f} d", static_cast<double>(*seconds) / 86400.0);
}

// A number in a table cell, marked with what it is, so that a reader (or a
// test) can take the figures back out of the page.
std::string cell(std::string_view row, std::string_view field, std::int64_t value) {
  return fmt::format("<td data-row=\"{}\" data-field=\"{}\">{}</td>", escape(row), field, value);
}

constexpr const char* kStyle = R"css(
:root { color-scheme: light; --ink: #1b2430; --muted: #5b6675; --line: #d7dce2; --ok: #1f7a4d; --late: #b3261e; --bar: #2f5d8a; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); margin: 0 auto; padding: 16px; max-width: 1000px; }
h1 { font-size: 1.5rem; margin: 0 0 4px; } h2 { font-size: 1.15rem; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.meta { color: var(--muted); margin: 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 10px; margin-top: 16px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.card .value { font-size: 1.6rem; font-weight: 600; } .card .label { color: var(--muted); font-size: .85rem; }
.late { color: var(--late); } .ok { color: var(--ok); }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 6px; text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
th { background: #f3f5f8; font-weight: 600; }
svg { width: 100%; height: auto; } svg text { font: 12px system-ui, sans-serif; fill: var(--ink); }
.note { color: var(--muted); font-size: .85rem; }
@page { size: A4; margin: 14mm; }
@media print { body { padding: 0; max-width: none; font-size: 10.5pt; } h2 { break-after: avoid; } table, svg, .card { break-inside: avoid; } .scroll { overflow: visible; } }
)css";

std::string on_time_chart(const SlaReport& report) {
  std::vector<const SlaTypeFigures*> rows;
  for (const auto& f : report.types)
    if (on_time_rate(f.answered_on_time, f.answered_late)) rows.push_back(&f);
  if (rows.empty()) return "<p class=\"note\">Nothing was answered in this period.</p>";
  const int bar = 22, gap = 8, left = 230, width = 700;
  int height = static_cast<int>(rows.size()) * (bar + gap) + 24;
  std::string svg = fmt::format(
      "<svg viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"Share answered on time, per request type\">", width, height);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& f = *rows[i];
    double rate = *on_time_rate(f.answered_on_time, f.answered_late);
    int y = static_cast<int>(i) * (bar + gap);
    int w = static_cast<int>(rate * (width - left - 70));
    svg += fmt::format("<text x=\"0\" y=\"{}\">{} {}{}</text>", y + 16, escape(f.policy), escape(f.type),
                       f.statutory ? "" : " (internal)");
    svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#e6e9ee\"/>", left, y, width - left - 70, bar);
    svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>", left, y, w, bar,
                       rate >= 0.95 ? "#1f7a4d" : rate >= 0.8 ? "#b7791f" : "#b3261e");
    svg += fmt::format("<text x=\"{}\" y=\"{}\">{:.1f}%</text>", width - 62, y + 16, rate * 100.0);
  }
  int axis = static_cast<int>(rows.size()) * (bar + gap) + 14;
  svg += fmt::format("<text x=\"{}\" y=\"{}\">0%</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">100%</text></svg>",
                     left, axis, width - 70, axis);
  return svg;
}

std::string weekly_chart(const SlaReport& report) {
  if (report.weeks.empty()) return "<p class=\"note\">No week in this period.</p>";
  std::map<std::string, std::int64_t> by_week;  // policies added together, by week
  for (const auto& w : report.weeks) by_week[w.week_start] += w.received;
  std::int64_t most = 1;
  for (const auto& [week, n] : by_week) most = std::max(most, n);
  const int width = 700, height = 220, bottom = 180, top = 20;
  int slot = std::max(1, (width - 40) / static_cast<int>(by_week.size()));
  std::string svg = fmt::format("<svg viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"Requests received per week\">",
                                width, height);
  int i = 0;
  for (const auto& [week, n] : by_week) {
    int h = static_cast<int>(static_cast<double>(n) / static_cast<double>(most) * (bottom - top));
    int x = 20 + i * slot;
    svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#2f5d8a\"/>", x + 4, bottom - h,
                       std::max(2, slot - 8), h);
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>", x + slot / 2, bottom - h - 4, n);
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>", x + slot / 2, bottom + 16,
                       escape(week.substr(5)));
    ++i;
  }
  svg += fmt::format("<line x1=\"20\" y1=\"{0}\" x2=\"{1}\" y2=\"{0}\" stroke=\"#5b6675\"/></svg>", bottom, width - 20);
  return svg;
}

}  // namespace

std::string sla_report_html(const SlaReport& report, const SlaCatalog& policies, std::string_view zone) {
  std::string z(zone);
  std::string out = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">";
  out += fmt::format("<title>SLA report {} to {}</title><style>{}</style></head><body>\n",
                     escape(local_date(z, report.from)), escape(local_date(z, report.to)), kStyle);
  out += "<header><h1>SLA report</h1>";
  out += fmt::format("<p class=\"meta\">Requests received from {} to {}. Made {}.</p></header>\n",
                     escape(local_date_time(z, report.from)), escape(local_date_time(z, report.to)),
                     escape(local_date_time(z, report.generated_at)));

  const SlaTotals& law = report.statutory;
  out += "<section class=\"cards\">";
  auto card = [&out](std::string_view field, std::string value, std::string_view label, std::string_view css = "") {
    out += fmt::format("<div class=\"card\"><div class=\"value {}\" data-field=\"{}\">{}</div><div class=\"label\">{}</div></div>",
                       css, field, value, label);
  };
  card("statutory_on_time_rate", percent(law.answered_on_time, law.answered_late), "answered on time (legal deadlines)",
       law.answered_late == 0 ? "ok" : "");
  card("statutory_answered_late", std::to_string(law.answered_late), "answered late (legal deadlines)",
       law.answered_late > 0 ? "late" : "");
  card("received", std::to_string(law.received + report.internal.received), "received in the period");
  card("open_now", std::to_string(report.open_now), "open now");
  card("overdue_now", std::to_string(report.overdue_now), "overdue now", report.overdue_now > 0 ? "late" : "ok");
  card("due_within_24_hours", std::to_string(report.due_within_24_hours), "due within 24 hours");
  out += "</section>\n";

  out += "<h2>Answered on time, per request type</h2>" + on_time_chart(report);
  out += "<h2>Requests received per week</h2>" + weekly_chart(report);
  out += fmt::format("<p class=\"note\">Weeks begin on Monday at 00:00 ({}).</p>", escape(z));

  out += "<h2>Per request type</h2><div class=\"scroll\"><table><thead><tr><th>Policy / type</th><th>Target</th>"
         "<th>Received</th><th>On time</th><th>Late</th><th>Open</th><th>Completed</th><th>Partly</th><th>Rejected</th>"
         "<th>Withdrawn</th><th>Expired</th><th>Never verified</th><th>Extended</th><th>Median</th><th>90th pct.</th>"
         "</tr></thead><tbody>";
  for (const auto& f : report.types) {
    std::string row = f.policy + "/" + f.type;
    out += fmt::format("<tr><td>{}</td><td>{}{}</td>", escape(row), escape(f.target), f.statutory ? "" : " (internal)");
    for (auto [field, value] : {std::pair{"received", f.received}, {"answered_on_time", f.answered_on_time},
                                {"answered_late", f.answered_late}, {"open", f.open}, {"completed", f.completed},
                                {"partially_completed", f.partially_completed}, {"rejected", f.rejected},
                                {"withdrawn", f.withdrawn}, {"expired", f.expired}, {"never_verified", f.never_verified},
                                {"extensions_used", f.extended}})
      out += cell(row, field, value);
    out += fmt::format("<td>{}</td><td>{}</td></tr>", duration(f.median_seconds_to_completion),
                       duration(f.p90_seconds_to_completion));
  }
  out += "</tbody></table></div>";

  out += "<h2>Overdue now, longest first</h2>";
  if (report.oldest_overdue.empty()) {
    out += "<p class=\"ok\">No request is overdue.</p>";
  } else {
    out += "<div class=\"scroll\"><table><thead><tr><th>Request</th><th>Type</th><th>State</th><th>Assignee</th>"
           "<th>Received</th><th>Due</th></tr></thead><tbody>";
    for (const auto& r : report.oldest_overdue) {
      std::string rz = policies.time_zone_of(r.policy);
      out += fmt::format("<tr data-overdue=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"late\">{}</td></tr>",
                         escape(r.id), escape(r.id), escape(r.type), escape(r.state), escape(r.assignee.value_or("nobody")),
                         escape(local_date_time(rz, r.received_at)), escape(local_date_time(rz, r.due_at)));
    }
    out += "</tbody></table></div>";
  }

  out += "<h2>Workload now</h2><div class=\"scroll\"><table><thead><tr><th>Assignee</th><th>Open</th><th>Overdue</th>"
         "</tr></thead><tbody>";
  for (const auto& w : report.workload) {
    std::string who = w.assignee.empty() ? "nobody" : w.assignee;
    out += fmt::format("<tr><td>{}</td>{}{}</tr>", escape(who), cell(who, "open", w.open), cell(who, "overdue", w.overdue));
  }
  out += "</tbody></table></div>";
  out += fmt::format("<p class=\"note\">Notices to recipients not yet acknowledged: <span data-field=\"recipient_notices_outstanding\">{}</span>; "
                     "failed: <span data-field=\"recipient_notices_failed\">{}</span>. Legal and internal targets are "
                     "counted apart; what each figure means is in docs/reports.md.</p>",
                     report.recipient_notices_outstanding, report.recipient_notices_failed);
  out += "</body></html>\n";
  return out;
}

}  // namespace dsr::api
