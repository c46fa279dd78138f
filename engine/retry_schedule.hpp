// RetrySchedule: when an undelivered message or notice is tried again.
// Exponential back-off from `first_delay`, capped at `max_delay`, spread
// by jitter so that many failures do not retry in lock-step, and never past
// `horizon` counted from when the message was queued: the last attempt is
// made at the horizon, after which the message is a dead letter.
// A plain value; thread-safe.
#pragma once

#include <chrono>
#include <optional>

#include "engine/time.hpp"

namespace dsr {

struct RetrySchedule {
  std::chrono::seconds first_delay{30};
  std::chrono::seconds max_delay{std::chrono::hours(1)};
  std::chrono::seconds horizon{std::chrono::hours(72)};

  // After `attempts` failed attempts (1 for the first failure), the time of
  // the next one, or nullopt for a dead letter. `jitter` in [0, 1) scales
  // the delay between 0.75x and 1.25x.
  std::optional<TimePoint> next_attempt(int attempts, TimePoint queued_at, TimePoint now, double jitter) const;
};

}  // namespace dsr
