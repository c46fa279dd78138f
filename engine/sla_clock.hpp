// The SLA clock: the due date of a request under its policy, with the
// pauses and the extension it has had, and an explanation in words that a
// reviewer, an auditor or a regulator can check by hand. Pure: "now" is an
// argument (it only matters while the clock is paused). Thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/request.hpp"
#include "engine/result.hpp"
#include "engine/sla_policy.hpp"
#include "engine/workflow.hpp"

namespace dsr {

// One stretch of a request's life during which its clock ran or stood.
struct ClockSegment {
  TimePoint start;
  std::optional<TimePoint> end;  // nullopt: still going
  bool paused = false;
  std::string cause;             // the event that began it, e.g. "request_info"

  friend bool operator==(const ClockSegment&, const ClockSegment&) = default;
};

// The segments of a request from its journal: "submit" starts the clock, a
// "pause" event stops it, a "run" event restarts it, a terminal state ends it.
std::vector<ClockSegment> clock_segments(const Workflow& workflow, std::span<const Event> events);

struct Deadline {
  TimePoint due_at;                          // in force now (extended if granted)
  std::optional<TimePoint> extended_due_at;  // what the extension gives; nullopt if the policy has none
  std::optional<TimePoint> acknowledge_by;   // confirm receipt by; nullopt if the law asks none
  bool statutory = true;
  std::string source;
  bool extended = false;
  bool paused_now = false;                   // the clock stands; due_at assumes it restarts now
  std::chrono::seconds paused_for{0};        // counted pauses (only where the policy stops the clock)
  std::string explanation;
};

class SlaClock {
 public:
  explicit SlaClock(const SlaCatalog& catalog) : catalog_(catalog) {}

  // Refuses an unknown policy or type, and a date in a year the calendar
  // does not cover.
  Result<Deadline> deadline(std::string_view policy, std::string_view type, TimePoint received,
                            std::span<const ClockSegment> segments, bool extended, TimePoint now) const;

  // The deadline of a stored request.
  Result<Deadline> deadline(const Request& request, const Workflow& workflow, TimePoint now) const;

 private:
  const SlaCatalog& catalog_;
};

}  // namespace dsr
