// OutboxWorker: delivers messages to subjects to the message sink, at least
// once: the receipts new filings owe (read from the requests table, see
// storage/filing_receipts.hpp) and the messages queued in the outbox. A
// message counts as delivered only after the sink accepted it, so a crash
// in between sends it again after restart. Failures are retried on the
// RetrySchedule; past its horizon the message is marked failed (a dead
// letter, counted in /metrics). The sink is called from two threads.
//
// When the database cannot record a delivery (a full or read-only disk),
// the worker keeps what it sent in memory and records that first, before
// sending anything more: the subject is not sent the same message on every
// run until the disk recovers. A failure is logged once, not on every run.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app/periodic_worker.hpp"
#include "app/trouble_log.hpp"
#include "engine/clock.hpp"
#include "engine/ports.hpp"
#include "engine/request_service.hpp"
#include "engine/retry_schedule.hpp"
#include "storage/filing_receipts.hpp"
#include "storage/outbox.hpp"

namespace dsr::app {

// Where receipts come from and how they are written.
struct ReceiptSource {
  storage::ReceiptQueue& filings;
  const RequestService& requests;  // its receipt(): the workflow's start message
};

class OutboxWorker {
 public:
  OutboxWorker(storage::MessageQueue& outbox, ReceiptSource receipts, MessageSink& sink, const Clock& clock,
               RetrySchedule retries);

 private:
  // Each returns true when a full batch went out: more may be waiting.
  bool deliver_receipts();
  bool deliver_queued();
  // Records deliveries already made; false while that still fails.
  bool record_receipts();
  bool record_deliveries();


  // Sent, not yet recorded (each touched by its own worker's thread only).
  struct UnrecordedReceipts {
    std::int64_t through = 0;
    std::vector<storage::UndeliveredReceipt> undelivered;
  };
  std::optional<UnrecordedReceipts> unrecorded_receipts_;
  std::vector<std::string> unrecorded_deliveries_;
  TroubleLog receipt_trouble_{"receipts"};
  TroubleLog outbox_trouble_{"outbox"};

  storage::MessageQueue& outbox_;
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
