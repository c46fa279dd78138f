// The SLA report as one self-contained HTML page: no script, no external
// asset; headline figures, inline SVG charts (on-time rate per type, weekly
// volume), the per-type table, the overdue list and the workload. Readable
// on a phone and printed on A4. Times in `zone` (the policy's, WIB for
// id-pdp). Every figure in a table carries data-row and data-field
// attributes, so that it can be read back.
#pragma once

#include <string>
#include <string_view>

#include "engine/sla_policy.hpp"
#include "engine/sla_report.hpp"

namespace dsr::api {

std::string sla_report_html(const SlaReport& report, const SlaCatalog& policies, std::string_view zone);

}  // namespace dsr::api
