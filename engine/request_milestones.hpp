// RequestMilestones: the moments of a request that reports count (SLA
// reports, issue "SLA reports"): when it closed, when the subject's
// identity was confirmed, and how long it waited on the subject. Computed
// from the request's events and its workflow's step kinds, so that the
// store keeps them as plain columns and a report is an SQL aggregate, not a
// fold of every journal.
#pragma once

#include <cstdint>
#include <optional>

#include "engine/request.hpp"
#include "engine/workflow.hpp"

namespace dsr {

struct RequestMilestones {
  std::optional<TimePoint> closed_at;         // entered a terminal step
  std::optional<TimePoint> verified_at;       // left the verification step for one that is not terminal
  std::int64_t awaiting_subject_seconds = 0;  // time in subject-input steps, finished stays only
  std::optional<TimePoint> awaiting_since;    // in a subject-input step now, since then

  friend bool operator==(const RequestMilestones&, const RequestMilestones&) = default;
};

RequestMilestones milestones_of(const Request& request, const Workflow& workflow);

}  // namespace dsr
