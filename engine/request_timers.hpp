// RequestTimers: what happens to requests because time passed, not because
// someone acted. A request still waiting for its subject to confirm their
// identity gets one reminder and later expires (the policy's
// "verification" timers); a request waiting on its recipients is settled
// (completed once every notice is acknowledged) in case the moment that
// should have settled it was lost to a restart.
//
// run_once() blocks until its commits are durable: call it from a timer
// thread, never from an I/O thread. Not re-entrant.
#pragma once

#include "engine/clock.hpp"
#include "engine/request_service.hpp"
#include "engine/sla_policy.hpp"
#include "engine/store.hpp"
#include "engine/workflow_set.hpp"

namespace dsr {

class RequestTimers {
 public:
  RequestTimers(RequestService& requests, const Store& store, const WorkflowSet& workflows, const SlaCatalog& policies,
                const Clock& clock)
      : requests_(requests), store_(store), workflows_(workflows), policies_(policies), clock_(clock) {}

  struct Outcome {
    int reminded = 0;
    int expired = 0;
    int completed = 0;  // settled: every recipient had acknowledged
    int failed = 0;     // events refused or not stored; tried again next time
  };
  Outcome run_once();

 private:
  // Every request in one of `states`, received before `before` (if set).
  std::vector<RequestSummary> requests_in(const std::vector<std::string>& states, std::optional<TimePoint> before) const;
  std::vector<std::string> states_of_kind(StepKind kind) const;
  Result<Request> fire(const std::string& id, Command command);

  RequestService& requests_;
  const Store& store_;
  const WorkflowSet& workflows_;
  const SlaCatalog& policies_;
  const Clock& clock_;
};

}  // namespace dsr
