// OutboxWorker: delivers pending messages to subjects from the outbox to
// the message sink, at least once: a message is marked delivered only after
// the sink accepted it, so a crash in between sends it again after restart.
// Failures are retried on the RetrySchedule; past its horizon the message
// is marked failed (a dead letter, counted in /metrics).
#pragma once

#include "app/periodic_worker.hpp"
#include "engine/clock.hpp"
#include "engine/ports.hpp"
#include "engine/retry_schedule.hpp"
#include "storage/outbox.hpp"

namespace dsr::app {

class OutboxWorker {
 public:
  OutboxWorker(storage::Outbox& outbox, MessageSink& sink, const Clock& clock, RetrySchedule retries);
  // Wakes the worker early (after a commit that queued messages).
  void poke() { worker_.poke(); }

 private:
  // True when a full batch went out: more may be waiting.
  bool deliver_due();

  storage::Outbox& outbox_;
  MessageSink& sink_;
  const Clock& clock_;
  RetrySchedule retries_;
  PeriodicWorker worker_;  // last: its thread uses the members above
};

// A fraction in [0, 1) from the CSPRNG, to spread retries.
double retry_jitter();

}  // namespace dsr::app
