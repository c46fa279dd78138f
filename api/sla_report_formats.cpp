#include "api/sla_report_formats.hpp"

#include <boost/json/serialize.hpp>

#include "api/sla_report_csv.hpp"
#include "api/sla_report_html.hpp"
#include "api/sla_report_json.hpp"

namespace dsr::api {

bool is_sla_report_format(std::string_view format) { return format == "json" || format == "csv" || format == "html"; }

std::optional<std::string> render_sla_report(const SlaReport& report, const SlaCatalog& policies, std::string_view zone,
                                             std::string_view format, Locale locale) {
  if (format == "json") return boost::json::serialize(sla_report_json(report, policies)) + "\n";
  if (format == "csv") return sla_report_csv(report, policies);
  if (format == "html") return sla_report_html(report, policies, zone, locale);
  return std::nullopt;
}

}  // namespace dsr::api
