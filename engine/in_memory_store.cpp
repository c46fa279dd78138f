#include <fmt/format.h>

#include "engine/store.hpp"

namespace dsr {

Result<Request> InMemoryStore::load(std::string_view id) const {
  std::lock_guard lock(mutex_);
  auto it = requests_.find(id);
  if (it == requests_.end()) return fail(Error::not_found(fmt::format("no request {}", id)));
  return fold_request(it->second.header, it->second.events);
}

void InMemoryStore::commit(RequestChange change, Completion done) {
  Status status = ok_status();
  {
    std::lock_guard lock(mutex_);
    auto it = requests_.find(change.header.id);
    auto stored_version = it == requests_.end() ? 0 : static_cast<std::int64_t>(it->second.events.size());
    if (change.expected_version != stored_version) {
      status = fail(Error::conflict(fmt::format("request {} is at version {}, not {}", change.header.id,
                                                stored_version, change.expected_version)));
    } else if (it == requests_.end()) {
      requests_.emplace(change.header.id, Entry{change.header, std::move(change.events)});
    } else {
      auto& events = it->second.events;
      events.insert(events.end(), change.events.begin(), change.events.end());
    }
  }
  done(status);
}

}  // namespace dsr
