// The SLA report as CSV (RFC 4180), in sections that a spreadsheet opens as
// one sheet: each section is a title row ("# types", "# totals", ...), a
// header row and its rows, then an empty row. The columns are the JSON
// report's field names (docs/reports.md).
#pragma once

#include <string>

#include "engine/sla_policy.hpp"
#include "engine/sla_report.hpp"

namespace dsr::api {

std::string sla_report_csv(const SlaReport& report, const SlaCatalog& policies);

}  // namespace dsr::api
