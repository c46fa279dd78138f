// Which node writes a scheduled SLA report (dsr serve --report-schedule)
// when several nodes serve one database. On SQLite one process serves the
// file, and the report's own file says whether it was written; PostgreSQL's
// claims are in storage/postgres/pg_report_slots.hpp.
#pragma once

#include <string>

#include "engine/result.hpp"

namespace dsr::storage {

class ReportSlots {
 public:
  virtual ~ReportSlots() = default;
  // True when this node is to write the report of `slot` now: no other
  // node holds the slot and its report was not written yet.
  virtual Result<bool> claim(const std::string& slot) = 0;
  // The report of `slot` was written: no node claims it again.
  virtual Status written(const std::string& slot) = 0;
};

}  // namespace dsr::storage
