// Store: the engine's port to durable storage. storage/ implements it on
// SQLite; InMemoryStore (below) serves tests and is the reference for what
// an implementation must do.
//
// Contract: commit() is atomic (all of a change or none), refuses a change
// whose expected_version is not the stored version (ErrorCode::conflict),
// and calls `done` only once the change is durable, or failed. `done` may
// run on another thread. load() may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/request.hpp"
#include "engine/result.hpp"

namespace dsr {

struct RequestChange {
  RequestHeader header;
  std::int64_t expected_version = 0;  // 0: the request is new
  std::vector<Event> events;          // to append, in sequence order
  std::optional<TimePoint> due_at;    // the deadline after this change, for queues and reports
};

class Store {
 public:
  using Completion = std::function<void(Status)>;

  virtual ~Store() = default;
  virtual Result<Request> load(std::string_view id) const = 0;
  virtual void commit(RequestChange change, Completion done) = 0;
};

// Keeps everything in memory, completes every commit at once. Thread-safe:
// one mutex guards `requests_`.
class InMemoryStore final : public Store {
 public:
  Result<Request> load(std::string_view id) const override;
  void commit(RequestChange change, Completion done) override;

 private:
  struct Entry {
    RequestHeader header;
    std::vector<Event> events;
  };
  mutable std::mutex mutex_;
  std::map<std::string, Entry, std::less<>> requests_;  // guarded by mutex_
};

}  // namespace dsr
