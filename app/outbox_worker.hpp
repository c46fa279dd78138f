// OutboxWorker: delivers messages to subjects to the message sink, at least
// once: the receipts new filings owe (read from the requests table, see
// storage/filing_receipts.hpp) and the messages queued in the outbox. A
// message counts as delivered only after the sink accepted it, so a crash
// in between sends it again after restart. Failures are retried on the
// RetrySchedule; past its horizon the message is marked failed (a dead
// letter, counted in /metrics). The sink is called from two threads.
#pragma once

#include "app/periodic_worker.hpp"
#include "engine/clock.hpp"
#include "engine/ports.hpp"
#include "engine/request_service.hpp"
#include "engine/retry_schedule.hpp"
#include "storage/filing_receipts.hpp"
#include "storage/outbox.hpp"

namespace dsr::app {

// Where receipts come from and how they are written.
struct ReceiptSource {
  storage::FilingReceipts& filings;
  const RequestService& requests;  // its receipt(): the workflow's start message
};

class OutboxWorker {
 public:
  OutboxWorker(storage::Outbox& outbox, ReceiptSource receipts, MessageSink& sink, const Clock& clock,
               RetrySchedule retries);

 private:
  // Each returns true when a full batch went out: more may be waiting.
  bool deliver_receipts();
  bool deliver_queued();

  storage::Outbox& outbox_;
  ReceiptSource receipts_;
  MessageSink& sink_;
  const Clock& clock_;
  RetrySchedule retries_;
  // Last: their threads use the members above. Receipts run in the
  // background: under a burst of filings they wait (owed, never lost)
  // rather than take CPU from the filings themselves; queued messages
  // (verification codes, answers) have a thread of their own, so that a
  // code never waits behind a backlog of receipts.
  PeriodicWorker queued_worker_;
  PeriodicWorker receipt_worker_;
};

// A fraction in [0, 1) from the CSPRNG, to spread retries.
double retry_jitter();

}  // namespace dsr::app
