// SlaReport: whether requests are answered within the law, for managers
// and auditors (policy C.6, C.7). Plain data: the store fills it from SQL
// aggregates (storage/sla_report_query.hpp), the API and the command line
// render it (json, csv, html). What each figure means is in docs/reports.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/result.hpp"
#include "engine/time.hpp"

namespace dsr {

// Requests received in the period, of one policy and request type.
struct SlaTypeFigures {
  std::string policy;
  std::string type;
  bool statutory = true;  // the rule's target is the law's, not an internal one
  std::string target;     // e.g. "72 hours", "1 month", "15 business days"
  std::string source;     // the law, or why the target is internal

  std::int64_t received = 0;
  std::int64_t completed = 0;
  std::int64_t partially_completed = 0;
  std::int64_t rejected = 0;
  std::int64_t withdrawn = 0;
  std::int64_t expired = 0;
  std::int64_t open = 0;
  // Answered (completed, partially completed or rejected) by the due date
  // in force when answered (extensions and pauses counted), or after it.
  std::int64_t answered_on_time = 0;
  std::int64_t answered_late = 0;
  std::int64_t extended = 0;                  // extensions used
  std::int64_t awaiting_subject_seconds = 0;  // time waiting on the subject, up to the report's "now"
  std::int64_t never_verified = 0;            // closed without the subject's identity confirmed
  // From receipt to completion (completed and partially completed), by
  // nearest rank; absent with nothing completed.
  std::optional<std::int64_t> median_seconds_to_completion;
  std::optional<std::int64_t> p90_seconds_to_completion;
};

// The share answered by the due date, on_time / (on_time + late); nullopt
// when nothing was answered.
inline std::optional<double> on_time_rate(std::int64_t on_time, std::int64_t late) {
  if (on_time + late == 0) return std::nullopt;
  return static_cast<double>(on_time) / static_cast<double>(on_time + late);
}

struct SlaTotals {
  std::int64_t received = 0;
  std::int64_t answered_on_time = 0;
  std::int64_t answered_late = 0;
  std::int64_t open = 0;
};

// An open request past its due date now.
struct OverdueRequest {
  std::string id;
  std::string policy;
  std::string type;
  std::string state;
  std::optional<std::string> assignee;
  TimePoint received_at;
  TimePoint due_at;
};

struct AssigneeWorkload {
  std::string assignee;  // empty: nobody assigned
  std::int64_t open = 0;
  std::int64_t overdue = 0;
};

// Requests received in one week (Monday 00:00 in the policy's zone).
struct WeeklyVolume {
  std::string policy;
  std::string week_start;  // local date, YYYY-MM-DD
  std::int64_t received = 0;
};

struct SlaReport {
  TimePoint from;  // the period: received at or after `from`, before `to`
  TimePoint to;
  TimePoint generated_at;  // "now" for every figure about the present

  std::vector<SlaTypeFigures> types;  // by policy, then type; every type of each policy in use
  SlaTotals statutory;                // over the types with statutory targets
  SlaTotals internal;                 // over the types with internal targets
  std::vector<WeeklyVolume> weeks;

  // Now, over every open request whenever received.
  std::int64_t open_now = 0;
  std::int64_t overdue_now = 0;
  std::int64_t due_within_24_hours = 0;
  std::vector<OverdueRequest> oldest_overdue;  // oldest due first, at most 20
  std::vector<AssigneeWorkload> workload;      // by assignee
  std::int64_t recipient_notices_outstanding = 0;  // not yet acknowledged
  std::int64_t recipient_notices_failed = 0;       // dead letters
};

// Port: builds the report (storage implements it with SQL aggregates).
class SlaReports {
 public:
  virtual ~SlaReports() = default;
  // Requests received in [from, to); figures about the present as of `now`.
  virtual Result<SlaReport> report(TimePoint from, TimePoint to, TimePoint now) const = 0;
};

}  // namespace dsr
