// Which node writes a scheduled SLA report (dsr serve --report-schedule)
// when several nodes serve one database: the first to claim the slot, for
// a while; if it dies before the report is written, another node claims
// the slot once that claim lapsed. A slot whose report was written is
// never claimed again.
#pragma once

#include <string>

#include "storage/report_slots.hpp"
#include "storage/postgres/pg_lease.hpp"
#include "storage/postgres/pg_pool.hpp"

namespace dsr::storage::pg {

class PgReportSlots final : public ReportSlots {
 public:
  PgReportSlots(Pool& pool, Claimant claimant) : pool_(pool), claimant_(std::move(claimant)) {}
  Result<bool> claim(const std::string& slot) override;
  Status written(const std::string& slot) override;

 private:
  Pool& pool_;
  Claimant claimant_;
};

}  // namespace dsr::storage::pg
