// Reports: GET /v1/reports/sla, for supervisors, auditors and admins.
#include <fmt/format.h>

#include "api/route_support.hpp"
#include "api/routes.hpp"
#include "api/sla_report_formats.hpp"
#include "api/sla_report_html.hpp"
#include "engine/report_calendar.hpp"

namespace dsr::api {
namespace {

void sla_report(const HttpRequest& http, ApiContext& context, Respond respond) {
  Locale l = locale_of(http);
  std::string zone = context.policies.time_zone_of(context.default_policy);
  std::vector<FieldError> errors;
  TimePoint now = context.clock.now();
  std::optional<TimePoint> from, to;
  std::string format = "json";
  for (const auto& [key, value] : http.query()) {
    if (key == "from" || key == "to") {
      auto bound = parse_report_bound(value, zone);
      if (!bound)
        errors.push_back({key, l == Locale::en ? "a date (YYYY-MM-DD, in " + zone + ") or an RFC 3339 timestamp"
                                               : "tanggal (YYYY-MM-DD, zona " + zone + ") atau stempel waktu RFC 3339"});
      (key == "from" ? from : to) = bound;
    } else if (key == "format") {
      if (!is_sla_report_format(value)) errors.push_back({key, fmt::format("{} {}", text::kOneOf.in(l), kSlaReportFormats)});
      format = value;
    } else if (key == "lang") {  // the page's language (locale_of above reads it)
      if (!parse_locale(value)) errors.push_back({key, fmt::format("{} id, en", text::kOneOf.in(l))});
    } else {
      errors.push_back({key, std::string(text::kUnknownField.in(l))});
    }
  }
  if (!errors.empty()) return respond(validation_problem(l, errors));
  ReportPeriod fallback = default_report_period(zone, now);
  TimePoint end = to.value_or(fallback.to);
  TimePoint begin = from.value_or(to ? end - std::chrono::days(30) : fallback.from);
  if (context.reports == nullptr) return respond(problem_for(Error::unavailable("reports are not configured"), l));
  auto report = context.reports->report(begin, end, now);
  if (!report) return respond(problem_for(report.error(), l));
  HttpResponse answer;
  answer.body = *render_sla_report(*report, context.policies, zone, format, l);  // the format was checked above
  if (format == "csv") {
    answer.content_type = "text/csv; charset=utf-8";
    answer.headers.emplace_back("Content-Disposition", "attachment; filename=\"sla-report.csv\"");
  } else if (format == "html") {
    answer.content_type = "text/html; charset=utf-8";
    answer.headers.emplace_back("Content-Language", std::string(to_string(l)));
    answer.headers.emplace_back("Vary", "Accept-Language");
    // The page holds no script and loads nothing: a strict policy costs nothing.
    static const std::string kPolicy = sla_report_content_security_policy();
    answer.headers.emplace_back("Content-Security-Policy", kPolicy);
  }
  respond(std::move(answer));
}

}  // namespace

void add_report_routes(Router& router, ApiContext& context) {
  router.add({"GET", "/v1/reports/sla", "SLA report: answers within the law, for a period and now",
              {false, false, {Role::supervisor, Role::auditor, Role::admin}},
              [&context](const HttpRequest& http, const Caller&, const RouteParams&, Respond respond) {
                sla_report(http, context, std::move(respond));
              }});
}

}  // namespace dsr::api
