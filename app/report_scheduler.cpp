#include "app/report_scheduler.hpp"

#include <fmt/format.h>

#include "api/sla_report_formats.hpp"
#include "app/atomic_file.hpp"

namespace dsr::app {

Result<std::filesystem::path> ReportScheduler::run_once() {
  TimePoint now = clock_.now();
  ReportSlot slot = latest_report_slot(schedule_, zone_, now);
  std::filesystem::path json = dir_ / fmt::format("sla-{}.json", slot.date);
  std::error_code ec;
  if (std::filesystem::exists(json, ec)) return std::filesystem::path();
  if (slots_ != nullptr) {
    auto mine = slots_->claim(slot.date);
    if (!mine) return fail(mine.error());
    if (!*mine) return std::filesystem::path();  // another node writes it, or wrote it
  }
  if (std::filesystem::create_directories(dir_, ec); ec)
    return fail(Error::unavailable(fmt::format("cannot create {}: {}", dir_.string(), ec.message())));
  // The last 30 days up to the scheduled time; figures about now as of now
  // (later than the slot when the run was missed).
  auto report = reports_.report(slot.at - std::chrono::days(30), slot.at, now);
  if (!report) return fail(report.error());
  // The JSON file last: its presence says the day's report is done.
  for (std::string_view format : {"csv", "html", "json"}) {
    std::string text = *api::render_sla_report(*report, policies_, zone_, format, locale_);
    if (Status written = write_file_atomically(dir_ / fmt::format("sla-{}.{}", slot.date, format), text); !written)
      return fail(written.error());
  }
  if (slots_ != nullptr)
    if (Status done = slots_->written(slot.date); !done) return fail(done.error());
  return json;
}

}  // namespace dsr::app
