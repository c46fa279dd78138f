// The SLA report in each format it is served in (json, csv, html), for the
// API, `dsr report sla` and the scheduled reports alike.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/problem.hpp"
#include "engine/sla_policy.hpp"
#include "engine/sla_report.hpp"

namespace dsr::api {

inline constexpr std::string_view kSlaReportFormats = "json, csv, html";
bool is_sla_report_format(std::string_view format);

// The report as text in `format`; nullopt for a format not listed above.
// `zone` and `locale`: the time zone and the language of the HTML page
// (JSON and CSV have fixed field names and UTC instants).
std::optional<std::string> render_sla_report(const SlaReport& report, const SlaCatalog& policies, std::string_view zone,
                                             std::string_view format, Locale locale);

}  // namespace dsr::api
