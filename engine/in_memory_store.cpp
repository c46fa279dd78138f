#include <fmt/format.h>

#include <algorithm>

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
    } else if (change.filing && !change.filing->idempotency_key.empty() &&
               replies_.contains(change.filing->idempotency_key)) {
      status = fail(Error::conflict("this Idempotency-Key was used for another filing"));
    } else if (it == requests_.end()) {
      if (change.filing && !change.filing->idempotency_key.empty())
        replies_.emplace(change.filing->idempotency_key,
                         IdempotentReply{change.filing->request_digest, change.filing->response});
      std::string details = change.filing ? change.filing->details_json : "";
      requests_.emplace(change.header.id, Entry{change.header, std::move(change.events), change.due_at, details, {},
                                                change.milestones.closed_at.has_value()});
    } else {
      auto& events = it->second.events;
      events.insert(events.end(), change.events.begin(), change.events.end());
      if (change.due_at) it->second.due_at = change.due_at;
      it->second.closed = change.milestones.closed_at.has_value();
      if (change.correspondence) it->second.correspondence.push_back(*change.correspondence);
    }
    if (status) {
      messages_.insert(messages_.end(), change.messages.begin(), change.messages.end());
      if (!change.fulfilment.empty()) fulfilments_.emplace_back(change.header.id, change.fulfilment);
    }
  }
  done(status);
}

Result<std::optional<std::string>> InMemoryStore::open_request_of(std::string_view subject_ref,
                                                                  std::string_view type) const {
  std::lock_guard lock(mutex_);
  std::optional<std::pair<TimePoint, std::string>> oldest;
  for (const auto& [id, entry] : requests_) {
    if (entry.closed || entry.header.subject_ref != subject_ref || entry.header.type != type) continue;
    std::pair candidate(entry.events.front().at, id);
    if (!oldest || candidate < *oldest) oldest = candidate;
  }
  if (!oldest) return std::optional<std::string>{};
  return std::optional<std::string>{oldest->second};
}

std::vector<OutgoingMessage> InMemoryStore::messages() const {
  std::lock_guard lock(mutex_);
  return messages_;
}

std::vector<std::pair<std::string, Fulfilment>> InMemoryStore::fulfilments() const {
  std::lock_guard lock(mutex_);
  return fulfilments_;
}

Result<RequestPage> InMemoryStore::list(const RequestQuery& q) const {
  std::lock_guard lock(mutex_);
  std::vector<RequestSummary> all;
  for (const auto& [id, entry] : requests_) {
    Request r = fold_request(entry.header, entry.events);
    if (q.state && r.state != *q.state) continue;
    if (q.type && r.type != *q.type) continue;
    if (q.assignee && r.assignee != *q.assignee) continue;
    if (q.overdue_only && (entry.closed || !(entry.due_at && *entry.due_at < q.now))) continue;
    if (q.received_before && !(r.received_at < *q.received_before)) continue;
    all.push_back({r.id, r.type, r.policy, r.state, r.version, r.received_at, entry.due_at, r.extended, r.assignee,
                   r.duplicate_of});
  }
  auto key = [](const RequestSummary& s) { return std::pair(s.due_at.value_or(TimePoint::max()), s.id); };
  std::sort(all.begin(), all.end(), [&](const auto& a, const auto& b) { return key(a) < key(b); });
  RequestPage page;
  std::optional<std::pair<TimePoint, std::string>> cursor;
  if (q.after) {
    auto at = requests_.find(*q.after);
    if (at == requests_.end()) return fail(Error::invalid_argument("not a cursor this list gave out; start again without one"));
    cursor = std::pair(at->second.due_at.value_or(TimePoint::max()), *q.after);
  }
  for (const auto& s : all) {
    if (cursor && !(*cursor < key(s))) continue;
    if (static_cast<int>(page.items.size()) == q.limit) {
      page.next_cursor = page.items.back().id;
      break;
    }
    page.items.push_back(s);
  }
  return page;
}

Result<std::vector<Correspondence>> InMemoryStore::correspondence(std::string_view id) const {
  std::lock_guard lock(mutex_);
  auto it = requests_.find(id);
  if (it == requests_.end()) return fail(Error::not_found(fmt::format("no request {}", id)));
  return it->second.correspondence;
}

Result<std::optional<IdempotentReply>> InMemoryStore::idempotent_reply(std::string_view key) const {
  std::lock_guard lock(mutex_);
  auto it = replies_.find(key);
  if (it == replies_.end()) return std::optional<IdempotentReply>{};
  return std::optional<IdempotentReply>{it->second};
}

Result<QueueStats> InMemoryStore::stats(TimePoint now) const {
  std::lock_guard lock(mutex_);
  QueueStats out;
  for (const auto& [id, entry] : requests_) {
    Request r = fold_request(entry.header, entry.events);
    ++out.by_state[r.state];
    if (!entry.closed && entry.due_at && *entry.due_at < now) ++out.overdue;
  }
  return out;
}

Result<std::string> InMemoryStore::details(std::string_view id) const {
  std::lock_guard lock(mutex_);
  auto it = requests_.find(id);
  if (it == requests_.end()) return fail(Error::not_found(fmt::format("no request {}", id)));
  return it->second.details_json;
}

}  // namespace dsr
