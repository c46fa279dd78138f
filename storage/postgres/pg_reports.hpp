// The SLA report on PostgreSQL, with the figures storage/sla_report_query.hpp
// reads on SQLite (docs/reports.md), from SQL aggregates in one snapshot
// (REPEATABLE READ, read only). The shape of the report (the types
// without requests, the targets, the totals) is the one shared function.
#pragma once

#include "engine/sla_policy.hpp"
#include "engine/sla_report.hpp"
#include "storage/postgres/pg_pool.hpp"

namespace dsr::storage::pg {

class PgSlaReports final : public SlaReports {
 public:
  PgSlaReports(Pool& pool, const SlaCatalog& policies) : pool_(pool), policies_(policies) {}
  Result<SlaReport> report(TimePoint from, TimePoint to, TimePoint now) const override;

 private:
  Pool& pool_;
  const SlaCatalog& policies_;
};

}  // namespace dsr::storage::pg
