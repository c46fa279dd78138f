// The SLA report as JSON: stable field names, documented in
// docs/reports.md. Instants in RFC 3339 UTC; each overdue request also
// carries its due date as a local date in its policy's zone.
#pragma once

#include <boost/json/object.hpp>

#include "engine/sla_policy.hpp"
#include "engine/sla_report.hpp"

namespace dsr::api {

boost::json::object sla_report_json(const SlaReport& report, const SlaCatalog& policies);

}  // namespace dsr::api
