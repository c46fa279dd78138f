// The SLA report from SQL aggregates over indexes of the requests table
// that answer it alone (migration 8), never by loading requests into
// memory. See docs/reports.md for each figure.
#pragma once

#include "engine/sla_policy.hpp"
#include "engine/sla_report.hpp"
#include "storage/database.hpp"

namespace dsr::storage {

// Requests received in [from, to); figures "now" as of `now`. Every type
// of each policy in use is listed, with zeros where the period had none.
Result<SlaReport> query_sla_report(Database& db, const SlaCatalog& policies, TimePoint from, TimePoint to,
                                   TimePoint now);

class SqliteSlaReports final : public SlaReports {
 public:
  SqliteSlaReports(Database& db, const SlaCatalog& policies) : db_(db), policies_(policies) {}
  Result<SlaReport> report(TimePoint from, TimePoint to, TimePoint now) const override {
    return query_sla_report(db_, policies_, from, to, now);
  }

 private:
  Database& db_;
  const SlaCatalog& policies_;
};

}  // namespace dsr::storage
