#include "api/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace dsr::api {

std::size_t RateLimiter::clients() const {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

double RateLimiter::refilled(const Bucket& bucket, Clock::time_point now) const {
  double rate = per_minute_ / 60.0;
  return std::min<double>(per_minute_, bucket.tokens + rate * std::chrono::duration<double>(now - bucket.stamp).count());
}

void RateLimiter::make_room(Clock::time_point now) {
  std::erase_if(buckets_, [&](const auto& entry) { return refilled(entry.second, now) >= per_minute_; });
  // A sweep is a walk of the whole table: if it freed less than a tenth,
  // the next new address would walk it again, so start afresh instead.
  if (buckets_.size() > capacity_ - capacity_ / 10) buckets_.clear();
}

int RateLimiter::take(const std::string& client, bool count, Clock::time_point now) {
  if (per_minute_ == 0) return 0;
  std::lock_guard lock(mutex_);
  auto found = buckets_.find(client);
  if (found == buckets_.end()) {
    if (buckets_.size() >= capacity_) make_room(now);
    found = buckets_.emplace(client, Bucket{static_cast<double>(per_minute_), now}).first;
  }
  Bucket& bucket = found->second;
  bucket.tokens = refilled(bucket, now);
  bucket.stamp = now;
  if (bucket.tokens >= 1.0) {
    if (count) bucket.tokens -= 1.0;
    return 0;
  }
  double rate = per_minute_ / 60.0;
  return static_cast<int>(std::ceil((1.0 - bucket.tokens) / rate));
}

}  // namespace dsr::api
