// The SLA report as one self-contained HTML page: no script, no external
// asset; headline figures, inline SVG charts (on-time rate per type, weekly
// volume), outcomes and timing per type, the overdue list and the workload.
// Readable on a phone and printed on A4. In Indonesian or English; times in
// `zone` (the policy's, WIB for id-pdp). Every figure in a table carries
// data-row and data-field attributes (the JSON's names, in either
// language), so that it can be read back.
#pragma once

#include <string>
#include <string_view>

#include "api/problem.hpp"
#include "engine/sla_policy.hpp"
#include "engine/sla_report.hpp"

namespace dsr::api {

// The Content-Security-Policy to serve the page with: nothing may load,
// and the one style that may apply is the page's own (by its hash).
std::string sla_report_content_security_policy();
// That hash as a CSP source ('sha256-...'): a page that embeds the report
// (the console) allows it too.
std::string sla_report_style_source();

std::string sla_report_html(const SlaReport& report, const SlaCatalog& policies, std::string_view zone, Locale locale);

}  // namespace dsr::api
