// The SLA report from SQL aggregates over indexes of the requests table
// that answer it alone (migration 8), never by loading requests into
// memory. See docs/reports.md for each figure.
#pragma once

#include "engine/sla_policy.hpp"
#include "engine/sla_report.hpp"
#include "storage/database.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace dsr::storage {

// Requests received in [from, to); figures "now" as of `now`. Every type
// of each policy in use is listed, with zeros where the period had none.
Result<SlaReport> query_sla_report(Database& db, const SlaCatalog& policies, TimePoint from, TimePoint to,
                                   TimePoint now);

// What both backends share in building the report: which states count as
// answered, the nearest rank ceil(p * n) (1-based), and the report's shape
// once the figures are read (every type of every policy in use, with
// zeros where the period had none; the targets; the totals).
bool is_answered_state(const std::string& state);
std::int64_t nearest_rank(double p, std::int64_t n);
void complete_report(SlaReport& report, const SlaCatalog& policies, const std::vector<std::string>& policies_in_use);
// The figures of one state's requests of a type, added to `f`.
struct StateSums {
  std::int64_t count = 0, open = 0, on_time = 0, extended = 0, awaiting_subject_seconds = 0, never_verified = 0;
};
void add_state(SlaTypeFigures& f, const std::string& state, const StateSums& sums);

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
