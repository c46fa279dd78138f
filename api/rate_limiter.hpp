// A token bucket per client address: `per_minute` allowances, refilled
// evenly. The transport keeps two: filings on the public endpoints, and
// refused credentials (so that tokens cannot be guessed at speed).
//
// The table of clients is bounded: when it is full and a new address
// arrives, clients whose bucket has refilled (no different from a fresh
// one) are dropped first; only if a sweep frees too little, as under a
// flood of addresses each still being limited, is the table emptied, which
// forgets those limits rather than grow without end. Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>

namespace dsr::api {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::size_t kDefaultCapacity = 100'000;

  explicit RateLimiter(unsigned per_minute, std::size_t capacity = kDefaultCapacity)
      : per_minute_(per_minute), capacity_(capacity) {}

  // 0 if allowed now (and counted), else the seconds to wait.
  int admit(const std::string& client, Clock::time_point now = Clock::now()) { return take(client, true, now); }
  // The same, without counting: may the client go on?
  int wait(const std::string& client, Clock::time_point now = Clock::now()) { return take(client, false, now); }

  std::size_t clients() const;  // addresses remembered now

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point stamp;
  };
  int take(const std::string& client, bool count, Clock::time_point now);
  double refilled(const Bucket& bucket, Clock::time_point now) const;
  void make_room(Clock::time_point now);

  unsigned per_minute_;
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::map<std::string, Bucket> buckets_;  // guarded by mutex_
};

}  // namespace dsr::api
