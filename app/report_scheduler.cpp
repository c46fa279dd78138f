#include "app/report_scheduler.hpp"

#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include "api/sla_report_csv.hpp"
#include "api/sla_report_html.hpp"
#include "api/sla_report_json.hpp"
#include "app/atomic_file.hpp"

namespace dsr::app {

Result<std::filesystem::path> ReportScheduler::run_once() {
  TimePoint now = clock_.now();
  ReportSlot slot = latest_report_slot(schedule_, zone_, now);
  std::filesystem::path json = dir_ / fmt::format("sla-{}.json", slot.date);
  std::error_code ec;
  if (std::filesystem::exists(json, ec)) return std::filesystem::path();
  if (std::filesystem::create_directories(dir_, ec); ec)
    return fail(Error::unavailable(fmt::format("cannot create {}: {}", dir_.string(), ec.message())));
  // The last 30 days up to the scheduled time; figures about now as of now
  // (later than the slot when the run was missed).
  auto report = reports_.report(slot.at - std::chrono::days(30), slot.at, now);
  if (!report) return fail(report.error());
  // The JSON file last: its presence says the day's report is done.
  for (const auto& [extension, text] : {std::pair{"csv", api::sla_report_csv(*report, policies_)},
                                        std::pair{"html", api::sla_report_html(*report, policies_, zone_)}})
    if (Status written = write_file_atomically(dir_ / fmt::format("sla-{}.{}", slot.date, extension), text); !written)
      return fail(written.error());
  if (Status written = write_file_atomically(json, boost::json::serialize(api::sla_report_json(*report, policies_)) + "\n");
      !written)
    return fail(written.error());
  return json;
}

}  // namespace dsr::app
