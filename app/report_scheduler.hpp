// ReportScheduler: `dsr serve --report-schedule "daily 07:00"` writes the
// SLA report every day at that time in the policy's zone, into a directory
// (default var/reports), as sla-YYYY-MM-DD.json, .csv and .html, each written
// atomically. A run that was missed while the server was down is made once
// at start: each check writes the report of the latest scheduled time if
// its file is not there yet.
#pragma once

#include <filesystem>
#include <string>

#include "api/problem.hpp"
#include "engine/clock.hpp"
#include "engine/report_calendar.hpp"
#include "engine/sla_policy.hpp"
#include "engine/sla_report.hpp"

namespace dsr::app {

class ReportScheduler {
 public:
  // `locale`: the language of the HTML page.
  ReportScheduler(const SlaReports& reports, const SlaCatalog& policies, std::string zone, ReportSchedule schedule,
                  std::filesystem::path dir, const Clock& clock, api::Locale locale = api::Locale::id)
      : reports_(reports), policies_(policies), zone_(std::move(zone)), schedule_(schedule), dir_(std::move(dir)),
        clock_(clock), locale_(locale) {}

  // Writes the report now owed, if any; the file written, or empty.
  Result<std::filesystem::path> run_once();

 private:
  const SlaReports& reports_;
  const SlaCatalog& policies_;
  std::string zone_;
  ReportSchedule schedule_;
  std::filesystem::path dir_;
  const Clock& clock_;
  api::Locale locale_;
};

}  // namespace dsr::app
