#include "api/sla_report_html.hpp"

#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>
#include <map>

#include "api/html_text.hpp"
#include "engine/report_calendar.hpp"

namespace dsr::api {
namespace {

// Every word the page shows, in Indonesian and English.
namespace label {
const Text kTitle{"Laporan SLA", "SLA report"};
const Text kPeriod{"Permintaan yang diterima dari {} sampai {}. Dibuat {}.", "Requests received from {} to {}. Made {}."};
const Text kOnTimeLegal{"dijawab tepat waktu (batas waktu undang-undang)", "answered on time (legal deadlines)"};
const Text kLateLegal{"dijawab terlambat (batas waktu undang-undang)", "answered late (legal deadlines)"};
const Text kReceivedInPeriod{"diterima dalam periode ini", "received in the period"};
const Text kOpenNow{"belum selesai saat ini", "open now"};
const Text kOverdueNow{"lewat batas waktu saat ini", "overdue now"};
const Text kDueSoon{"jatuh tempo dalam 24 jam", "due within 24 hours"};
const Text kOnTimeChart{"Dijawab tepat waktu, per jenis permintaan", "Answered on time, per request type"};
const Text kNothingAnswered{"Tidak ada permintaan yang dijawab dalam periode ini.", "Nothing was answered in this period."};
const Text kWeeklyChart{"Permintaan diterima per minggu", "Requests received per week"};
const Text kNoWeek{"Tidak ada minggu dalam periode ini.", "No week in this period."};
const Text kWeeksBegin{"Minggu dimulai hari Senin pukul 00.00 ({}).", "Weeks begin on Monday at 00:00 ({})."};
const Text kOutcomes{"Hasil per jenis permintaan", "Outcomes per request type"};
const Text kTiming{"Target dan waktu penyelesaian", "Targets and time taken"};
const Text kType{"Jenis", "Type"};
const Text kReceived{"Diterima", "Received"};
const Text kOnTime{"Tepat waktu", "On time"};
const Text kLate{"Terlambat", "Late"};
const Text kOpen{"Belum selesai", "Open"};
const Text kCompleted{"Selesai", "Completed"};
const Text kPartly{"Sebagian", "Partly"};
const Text kRejected{"Ditolak", "Rejected"};
const Text kWithdrawn{"Dicabut", "Withdrawn"};
const Text kExpired{"Kedaluwarsa", "Expired"};
const Text kTarget{"Target", "Target"};
const Text kInternal{"internal", "internal"};
const Text kExtended{"Diperpanjang", "Extended"};
const Text kNeverVerified{"Tidak pernah diverifikasi", "Never verified"};
const Text kWaiting{"Menunggu subjek", "Waiting on subject"};
const Text kMedian{"Median", "Median"};
const Text kP90{"Persentil ke-90", "90th percentile"};
const Text kOverdueList{"Lewat batas waktu saat ini, terlama dahulu", "Overdue now, longest first"};
const Text kNoneOverdue{"Tidak ada permintaan yang lewat batas waktu.", "No request is overdue."};
const Text kRequest{"Permintaan", "Request"};
const Text kState{"Status", "State"};
const Text kAssignee{"Petugas", "Assignee"};
const Text kDue{"Batas waktu", "Due"};
const Text kWorkload{"Beban kerja saat ini", "Workload now"};
const Text kNobody{"belum ditugaskan", "nobody"};
const Text kOverdue{"Lewat batas waktu", "Overdue"};
const Text kNotices{"Pemberitahuan kepada penerima yang belum dikonfirmasi: {}; gagal: {}. Target undang-undang dan "
                    "target internal dihitung terpisah; arti setiap angka ada di docs/reports.md.",
                    "Notices to recipients not yet acknowledged: {}; failed: {}. Legal and internal targets are "
                    "counted apart; what each figure means is in docs/reports.md."};
const Text kMinutes{"menit", "min"};
const Text kHours{"jam", "h"};
const Text kDays{"hari", "d"};
}  // namespace label


// Indonesian writes a decimal comma.
std::string decimal(double value, Locale l) {
  std::string text = fmt::format("{:.1f}", value);
  if (l == Locale::id) std::replace(text.begin(), text.end(), '.', ',');
  return text;
}

std::string percent(std::int64_t on_time, std::int64_t late, Locale l) {
  auto r = on_time_rate(on_time, late);
  return r ? decimal(100.0 * *r, l) + "%" : "&ndash;";
}

std::string duration(const std::optional<std::int64_t>& seconds, Locale l) {
  if (!seconds) return "&ndash;";
  if (*seconds < 3600) return fmt::format("{} {}", (*seconds + 30) / 60, label::kMinutes.in(l));
  if (*seconds < 3600 * 48) return decimal(static_cast<double>(*seconds) / 3600.0, l) + " " + std::string(label::kHours.in(l));
  return decimal(static_cast<double>(*seconds) / 86400.0, l) + " " + std::string(label::kDays.in(l));
}

// The policy's target in words of the page's language ("72 jam",
// "1 month"); the report's own wording when the rule is not in the catalogue.
std::string target(const SlaCatalog& policies, const SlaTypeFigures& f, Locale l) {
  const SlaPolicy* policy = policies.policy(f.policy);
  const SlaRule* rule = policy ? policy->rule_for(f.type) : nullptr;
  if (rule == nullptr) return escape(f.target);
  const Period& p = rule->period;
  bool one = p.duration == 1;
  std::string_view unit;
  switch (p.unit) {
    case PeriodUnit::hours: unit = l == Locale::id ? "jam" : one ? "hour" : "hours"; break;
    case PeriodUnit::calendar_days: unit = l == Locale::id ? "hari kalender" : one ? "calendar day" : "calendar days"; break;
    case PeriodUnit::business_days: unit = l == Locale::id ? "hari kerja" : one ? "business day" : "business days"; break;
    case PeriodUnit::months: unit = l == Locale::id ? "bulan" : one ? "month" : "months"; break;
  }
  return fmt::format("{} {}", p.duration, unit);
}

// A number in a table cell, marked with what it is, so that a reader (or a
// test) can take the figures back out of the page.
std::string cell(std::string_view row, std::string_view field, std::int64_t value) {
  return fmt::format("<td data-row=\"{}\" data-field=\"{}\">{}</td>", escape(row), field, value);
}

// Phones: chart text drawn larger (charts scale down with the page); wide
// tables scroll sideways in their own box. Print (A4, 182 mm between the margins): smaller type, and
// headers and dates may wrap, so that every table fits the page.
constexpr const char* kStyle = R"css(
:root { color-scheme: light; --ink: #1b2430; --muted: #5b6675; --line: #d7dce2; --ok: #1f7a4d; --late: #b3261e; --bar: #2f5d8a; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); margin: 0 auto; padding: 16px; max-width: 1040px; }
h1 { font-size: 1.5rem; margin: 0 0 4px; } h2 { font-size: 1.15rem; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.meta { color: var(--muted); margin: 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 10px; margin-top: 16px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.card .value { font-size: 1.6rem; font-weight: 600; } .card .label { color: var(--muted); font-size: .85rem; }
.late { color: var(--late); } .ok { color: var(--ok); }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 6px; text-align: right; white-space: nowrap; }
th { white-space: normal; vertical-align: bottom; }
th:first-child, td:first-child { text-align: left; }
th { background: #f3f5f8; font-weight: 600; }
svg { display: block; width: 100%; height: auto; } svg text { font: 12px system-ui, sans-serif; fill: var(--ink); }
.note { color: var(--muted); font-size: .85rem; }
@media (max-width: 600px) { body { padding: 12px; } svg text { font-size: 22px; } }
@page { size: A4; margin: 14mm; }
@media print {
  body { padding: 0; max-width: none; font-size: 10pt; } h2 { break-after: avoid; }
  table { font-size: 8pt; } td.when, td:first-child { white-space: normal; } th, td { padding: 3px 4px; }
  table, svg, .card { break-inside: avoid; } .scroll { overflow: visible; }
}
)css";

// Charts are 700 units wide and scale with the page. On a phone their text
// is drawn larger (the style sheet), so labels sit above the bars and week
// labels are spaced for that size.
std::string on_time_chart(const SlaReport& report, Locale l) {
  std::vector<const SlaTypeFigures*> rows;
  for (const auto& f : report.types)
    if (on_time_rate(f.answered_on_time, f.answered_late)) rows.push_back(&f);
  if (rows.empty()) return fmt::format("<p class=\"note\">{}</p>", label::kNothingAnswered.in(l));
  const int width = 700, label_height = 26, bar = 18, gap = 14, row = label_height + bar + gap;
  int height = static_cast<int>(rows.size()) * row + 24;
  std::string svg = fmt::format("<svg viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"{}\">", width, height,
                                label::kOnTimeChart.in(l));
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& f = *rows[i];
    double rate = *on_time_rate(f.answered_on_time, f.answered_late);
    int y = static_cast<int>(i) * row;
    svg += fmt::format("<text x=\"0\" y=\"{}\">{} {}{}</text>", y + label_height - 8, escape(f.policy), escape(f.type),
                       f.statutory ? "" : fmt::format(" ({})", label::kInternal.in(l)));
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}%</text>", width, y + label_height - 8,
                       decimal(rate * 100.0, l));
    svg += fmt::format("<rect x=\"0\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#e6e9ee\"/>", y + label_height, width, bar);
    svg += fmt::format("<rect x=\"0\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>", y + label_height,
                       static_cast<int>(rate * width), bar, rate >= 0.95 ? "#1f7a4d" : rate >= 0.8 ? "#b7791f" : "#b3261e");
  }
  int axis = static_cast<int>(rows.size()) * row + 14;
  svg += fmt::format("<text x=\"0\" y=\"{}\">0%</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">100%</text></svg>",
                     axis, width, axis);
  return svg;
}

std::string weekly_chart(const SlaReport& report, Locale l) {
  if (report.weeks.empty()) return fmt::format("<p class=\"note\">{}</p>", label::kNoWeek.in(l));
  std::map<std::string, std::int64_t> by_week;  // policies added together, by week
  for (const auto& w : report.weeks) by_week[w.week_start] += w.received;
  std::int64_t most = 1;
  for (const auto& [week, n] : by_week) most = std::max(most, n);
  const int width = 700, height = 240, bottom = 196, top = 28;
  int slot = std::max(1, (width - 40) / static_cast<int>(by_week.size()));
  // A date under every k-th bar, 80 units apart at least (room for a date
  // in the phone's larger type); counts over the bars while they fit.
  int every = (80 + slot - 1) / slot;
  std::string svg = fmt::format("<svg viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"{}\">", width, height,
                                label::kWeeklyChart.in(l));
  int i = 0;
  for (const auto& [week, n] : by_week) {
    int h = static_cast<int>(static_cast<double>(n) / static_cast<double>(most) * (bottom - top));
    int x = 20 + i * slot;
    int margin = std::min(4, slot / 8);
    svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#2f5d8a\"><title>{}: {}</title></rect>",
                       x + margin, bottom - h, std::max(1, slot - 2 * margin), h, escape(week), n);
    if (slot >= 60)
      svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>", x + slot / 2, bottom - h - 6, n);
    if (i % every == 0)
      svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>", x + slot / 2, bottom + 24,
                         escape(week.substr(5)));
    ++i;
  }
  svg += fmt::format("<line x1=\"20\" y1=\"{0}\" x2=\"{1}\" y2=\"{0}\" stroke=\"#5b6675\"/></svg>", bottom, width - 20);
  return svg;
}

// With one policy in the report a row is named by its type alone; a long
// name may break after each "_" or "/" where it must (print, phones).
std::string row_name(const SlaReport& report, const SlaTypeFigures& f) {
  bool one_policy = std::all_of(report.types.begin(), report.types.end(),
                                [&](const SlaTypeFigures& t) { return t.policy == f.policy; });
  std::string out;
  for (char c : escape(one_policy ? f.type : f.policy + "/" + f.type)) {
    out += c;
    if (c == '_' || c == '/') out += "<wbr>";
  }
  return out;
}

std::string header_row(std::initializer_list<const Text*> columns, Locale l) {
  std::string out = "<thead><tr>";
  for (const Text* c : columns) out += fmt::format("<th>{}</th>", c->in(l));
  return out + "</tr></thead>";
}

std::string outcomes_table(const SlaReport& report, Locale l) {
  using namespace label;
  std::string out = "<div class=\"scroll\"><table>" +
                    header_row({&kType, &kReceived, &kOnTime, &kLate, &kOpen, &kCompleted, &kPartly, &kRejected,
                                &kWithdrawn, &kExpired}, l) + "<tbody>";
  for (const auto& f : report.types) {
    std::string row = f.policy + "/" + f.type;
    out += fmt::format("<tr><td>{}</td>", row_name(report, f));
    for (auto [field, value] : {std::pair{"received", f.received}, {"answered_on_time", f.answered_on_time},
                                {"answered_late", f.answered_late}, {"open", f.open}, {"completed", f.completed},
                                {"partially_completed", f.partially_completed}, {"rejected", f.rejected},
                                {"withdrawn", f.withdrawn}, {"expired", f.expired}})
      out += cell(row, field, value);
    out += "</tr>";
  }
  return out + "</tbody></table></div>";
}

std::string timing_table(const SlaReport& report, const SlaCatalog& policies, Locale l) {
  using namespace label;
  std::string out = "<div class=\"scroll\"><table>" +
                    header_row({&kType, &kTarget, &kExtended, &kNeverVerified, &kWaiting, &kMedian, &kP90}, l) +
                    "<tbody>";
  for (const auto& f : report.types) {
    std::string row = f.policy + "/" + f.type;
    out += fmt::format("<tr><td>{}</td><td>{}{}</td>", row_name(report, f), target(policies, f, l),
                       f.statutory ? "" : fmt::format(" ({})", kInternal.in(l)));
    out += cell(row, "extensions_used", f.extended) + cell(row, "never_verified", f.never_verified);
    std::optional<std::int64_t> waited;
    if (f.awaiting_subject_seconds > 0) waited = f.awaiting_subject_seconds;
    out += fmt::format("<td>{}</td><td>{}</td><td>{}</td></tr>", duration(waited, l),
                       duration(f.median_seconds_to_completion, l), duration(f.p90_seconds_to_completion, l));
  }
  return out + "</tbody></table></div>";
}

std::string overdue_table(const SlaReport& report, const SlaCatalog& policies, Locale l) {
  using namespace label;
  if (report.oldest_overdue.empty()) return fmt::format("<p class=\"ok\">{}</p>", kNoneOverdue.in(l));
  std::string out = "<div class=\"scroll\"><table>" +
                    header_row({&kRequest, &kType, &kState, &kAssignee, &kReceived, &kDue}, l) + "<tbody>";
  for (const auto& r : report.oldest_overdue) {
    std::string rz = policies.time_zone_of(r.policy);
    out += fmt::format("<tr data-overdue=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"when\">{}</td>"
                       "<td class=\"when late\">{}</td></tr>",
                       escape(r.id), escape(r.id), escape(r.type), escape(r.state),
                       escape(r.assignee ? *r.assignee : std::string(kNobody.in(l))),
                       escape(local_date_time(rz, r.received_at)), escape(local_date_time(rz, r.due_at)));
  }
  return out + "</tbody></table></div>";
}

std::string workload_table(const SlaReport& report, Locale l) {
  using namespace label;
  std::string out = "<div class=\"scroll\"><table>" + header_row({&kAssignee, &kOpen, &kOverdue}, l) + "<tbody>";
  for (const auto& w : report.workload) {
    std::string row = w.assignee.empty() ? "nobody" : w.assignee;  // data-row: the JSON's name, in any language
    std::string shown = w.assignee.empty() ? std::string(kNobody.in(l)) : w.assignee;
    out += fmt::format("<tr><td>{}</td>{}{}</tr>", escape(shown), cell(row, "open", w.open), cell(row, "overdue", w.overdue));
  }
  return out + "</tbody></table></div>";
}

}  // namespace

std::string sla_report_style_source() {
  // The page's one style sheet is a constant: allow exactly it, by hash.
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(kStyle), std::char_traits<char>::length(kStyle));
  char base64[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES, sodium_base64_VARIANT_ORIGINAL)];
  sodium_bin2base64(base64, sizeof base64, digest, sizeof digest, sodium_base64_VARIANT_ORIGINAL);
  return fmt::format("'sha256-{}'", base64);
}

std::string sla_report_content_security_policy() {
  return fmt::format("default-src 'none'; style-src {}; base-uri 'none'; form-action 'none'; frame-ancestors 'self'",
                     sla_report_style_source());
}

std::string sla_report_html(const SlaReport& report, const SlaCatalog& policies, std::string_view zone, Locale l) {
  using namespace label;
  std::string z(zone);
  std::string out = fmt::format("<!doctype html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">"
                                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
                                to_string(l));
  out += fmt::format("<title>{} {} &ndash; {}</title><style>{}</style></head><body>\n", kTitle.in(l),
                     escape(local_date(z, report.from)), escape(local_date(z, report.to)), kStyle);
  out += fmt::format("<header><h1>{}</h1><p class=\"meta\">", kTitle.in(l));
  out += fmt::format(fmt::runtime(kPeriod.in(l)), escape(local_date_time(z, report.from)),
                     escape(local_date_time(z, report.to)), escape(local_date_time(z, report.generated_at)));
  out += "</p></header>\n";

  const SlaTotals& law = report.statutory;
  out += "<section class=\"cards\">";
  auto card = [&out](std::string_view field, std::string value, std::string_view text, std::string_view css = "") {
    out += fmt::format("<div class=\"card\"><div class=\"value {}\" data-field=\"{}\">{}</div><div class=\"label\">{}</div></div>",
                       css, field, value, text);
  };
  card("statutory_on_time_rate", percent(law.answered_on_time, law.answered_late, l), kOnTimeLegal.in(l),
       law.answered_late == 0 ? "ok" : "");
  card("statutory_answered_late", std::to_string(law.answered_late), kLateLegal.in(l), law.answered_late > 0 ? "late" : "");
  card("received", std::to_string(law.received + report.internal.received), kReceivedInPeriod.in(l));
  card("open_now", std::to_string(report.open_now), kOpenNow.in(l));
  card("overdue_now", std::to_string(report.overdue_now), kOverdueNow.in(l), report.overdue_now > 0 ? "late" : "ok");
  card("due_within_24_hours", std::to_string(report.due_within_24_hours), kDueSoon.in(l));
  out += "</section>\n";

  out += fmt::format("<h2>{}</h2>{}", kOnTimeChart.in(l), on_time_chart(report, l));
  out += fmt::format("<h2>{}</h2>{}", kWeeklyChart.in(l), weekly_chart(report, l));
  out += fmt::format("<p class=\"note\">{}</p>", fmt::format(fmt::runtime(kWeeksBegin.in(l)), escape(z)));
  out += fmt::format("<h2>{}</h2>{}", kOutcomes.in(l), outcomes_table(report, l));
  out += fmt::format("<h2>{}</h2>{}", kTiming.in(l), timing_table(report, policies, l));
  out += fmt::format("<h2>{}</h2>{}", kOverdueList.in(l), overdue_table(report, policies, l));
  out += fmt::format("<h2>{}</h2>{}", kWorkload.in(l), workload_table(report, l));
  out += "<p class=\"note\">";
  out += fmt::format(fmt::runtime(kNotices.in(l)),
                     fmt::format("<span data-field=\"recipient_notices_outstanding\">{}</span>", report.recipient_notices_outstanding),
                     fmt::format("<span data-field=\"recipient_notices_failed\">{}</span>", report.recipient_notices_failed));
  out += "</p></body></html>\n";
  return out;
}

}  // namespace dsr::api
