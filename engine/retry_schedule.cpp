#include "engine/retry_schedule.hpp"

#include <algorithm>
#include <cmath>

namespace dsr {

std::optional<TimePoint> RetrySchedule::next_attempt(int attempts, TimePoint queued_at, TimePoint now,
                                                     double jitter) const {
  TimePoint last = queued_at + horizon;
  if (now >= last) return std::nullopt;
  double doublings = std::min(std::max(attempts - 1, 0), 30);
  double base = std::min(static_cast<double>(first_delay.count()) * std::pow(2.0, doublings),
                         static_cast<double>(max_delay.count()));
  double spread = std::clamp(jitter, 0.0, 1.0);
  auto delay = std::chrono::seconds(std::max<long long>(1, std::llround(base * (0.75 + 0.5 * spread))));
  return std::min(now + delay, last);
}

}  // namespace dsr
