// ReportScheduler: `dsr serve --report-schedule "daily 07:00"` writes the
// SLA report every day at that time in the policy's zone, into a directory
// (default var/reports), as sla-YYYY-MM-DD.json, .csv and .html, each written
// atomically. A run that was missed while the server was down is made once
// at start: each check writes the report of the latest scheduled time if
// its file is not there yet. With several nodes on one database, the node
// that claims the slot writes it (storage/report_slots.hpp), once.
#pragma once

#include <filesystem>
#include <string>

#include "api/problem.hpp"
#include "engine/clock.hpp"
#include "engine/report_calendar.hpp"
#include "engine/sla_policy.hpp"
#include "engine/sla_report.hpp"
#include "storage/report_slots.hpp"

namespace dsr::app {

class ReportScheduler {
 public:
  // `locale`: the language of the HTML page.
  ReportScheduler(const SlaReports& reports, const SlaCatalog& policies, std::string zone, ReportSchedule schedule,
                  std::filesystem::path dir, const Clock& clock, api::Locale locale = api::Locale::id,
                  storage::ReportSlots* slots = nullptr)
      : reports_(reports), policies_(policies), zone_(std::move(zone)), schedule_(schedule), dir_(std::move(dir)),
        clock_(clock), locale_(locale), slots_(slots) {}

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
  storage::ReportSlots* slots_;  // nullptr: this node writes every report
};

}  // namespace dsr::app
