#include "engine/request_timers.hpp"

#include <algorithm>
#include <future>
#include <set>

namespace dsr {
namespace {

const Actor kScheduler{"dsr-scheduler", Role::scheduler};

}  // namespace

std::vector<std::string> RequestTimers::states_of_kind(StepKind kind) const {
  std::set<std::string> names;
  for (const auto& type : workflows_.types())
    for (const auto& s : workflows_.find(type)->states)
      if (s.kind == kind) names.insert(s.name);
  return {names.begin(), names.end()};
}

std::vector<RequestSummary> RequestTimers::requests_in(const std::vector<std::string>& states,
                                                       std::optional<TimePoint> before) const {
  std::vector<RequestSummary> out;
  for (const auto& state : states) {
    RequestQuery q;
    q.state = state;
    q.received_before = before;
    q.now = clock_.now();
    q.limit = 200;
    for (;;) {
      auto page = store_.list(q);
      if (!page) break;  // the next run tries again
      out.insert(out.end(), page->items.begin(), page->items.end());
      if (!page->next_cursor) break;
      q.after = page->next_cursor;
    }
  }
  return out;
}

Result<Request> RequestTimers::fire(const std::string& id, Command command) {
  std::promise<Result<Request>> fired;
  requests_.fire(id, std::move(command), [&fired](Result<Request> r) { fired.set_value(std::move(r)); });
  return fired.get_future().get();
}

RequestTimers::Outcome RequestTimers::run_once() {
  Outcome outcome;
  TimePoint now = clock_.now();
  std::chrono::hours earliest = std::chrono::hours::max();
  for (const auto& id : policies_.policy_ids()) earliest = std::min(earliest, policies_.policy(id)->verification.remind_after);

  for (const auto& summary : requests_in(states_of_kind(StepKind::verification), now - earliest)) {
    const SlaPolicy* policy = policies_.policy(summary.policy);
    const Workflow* workflow = workflows_.find(summary.type);
    if (policy == nullptr || workflow == nullptr) continue;
    auto waited = now - summary.received_at;
    std::string event;
    if (waited >= policy->verification.expire_after && workflow->find(summary.state, "expire")) {
      event = "expire";
    } else if (waited >= policy->verification.remind_after && workflow->find(summary.state, "remind")) {
      auto request = store_.load(summary.id);
      if (!request) continue;
      bool reminded = std::any_of(request->events.begin(), request->events.end(),
                                  [](const Event& e) { return e.name == "remind"; });
      if (reminded) continue;
      event = "remind";
    } else {
      continue;
    }
    auto fired = fire(summary.id, Command{event, kScheduler, "", summary.version, {}, {}});
    if (!fired) {
      ++outcome.failed;
    } else {
      ++(event == "expire" ? outcome.expired : outcome.reminded);
    }
  }

  for (const auto& summary : requests_in(states_of_kind(StepKind::recipient_notification), std::nullopt)) {
    std::promise<Result<Request>> settled;
    requests_.settle(summary.id, [&settled](Result<Request> r) { settled.set_value(std::move(r)); });
    auto r = settled.get_future().get();
    if (!r) {
      ++outcome.failed;
    } else if (r->state != summary.state) {
      ++outcome.completed;
    }
  }
  return outcome;
}

}  // namespace dsr
