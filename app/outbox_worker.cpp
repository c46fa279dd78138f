#include "app/outbox_worker.hpp"

#include <fmt/format.h>

#include "storage/crypto.hpp"

namespace dsr::app {
namespace {

constexpr int kBatch = 100;

}  // namespace

double retry_jitter() {
  auto bytes = storage::random_bytes(2);
  return static_cast<double>((bytes[0] << 8) | bytes[1]) / 65536.0;
}

OutboxWorker::OutboxWorker(storage::MessageQueue& outbox, ReceiptSource receipts, MessageSink& sink, const Clock& clock,
                           RetrySchedule retries)
    : outbox_(outbox), receipts_(receipts), sink_(sink), clock_(clock), retries_(retries),
      queued_worker_(std::chrono::milliseconds(200), [this] { return deliver_queued(); }),
      receipt_worker_(std::chrono::milliseconds(200), [this] { return deliver_receipts(); },
                      WorkerPriority::background) {}

// Only storage trouble (a full or read-only disk, a busy database) holds
// the worker back until it passes. Any other failure would hold it back
// for good, so what was sent is forgotten instead and sent again on the
// next run (at least once, as after a crash).
bool OutboxWorker::record_receipts() {
  Status handled = receipts_.filings.handled(unrecorded_receipts_->through, unrecorded_receipts_->undelivered);
  if (!handled) receipt_trouble_.failed(handled.error().message);
  if (handled || handled.error().code != ErrorCode::unavailable) unrecorded_receipts_.reset();
  return handled.ok();
}

bool OutboxWorker::record_deliveries() {
  Status marked = outbox_.delivered(unrecorded_deliveries_);
  if (!marked) outbox_trouble_.failed(marked.error().message);
  if (marked || marked.error().code != ErrorCode::unavailable) unrecorded_deliveries_.clear();
  return marked.ok();
}

bool OutboxWorker::deliver_receipts() {
  if (unrecorded_receipts_ && !record_receipts()) return false;
  auto owed = receipts_.filings.owed(kBatch);
  if (!owed) {
    receipt_trouble_.failed(owed.error().message);
    return false;
  }
  if (owed->empty()) {
    receipt_trouble_.succeeded();  // nothing is waiting to be recorded either
    return false;
  }
  std::vector<OutgoingMessage> batch;
  std::vector<const storage::OwedReceipt*> sent_for;  // batch[i] is the receipt of *sent_for[i]
  for (const auto& filing : *owed) {
    // None: the workflow sends no receipt, or the subject has no address
    // dsr may use (e.g. erased since). Nothing is owed then.
    auto receipt = receipts_.requests.receipt(filing.request, filing.received_at, filing.details_json);
    if (!receipt) {
      // Whether it is owed cannot be told now: nothing of this batch is
      // sent, and the mark stays, until it can (a receipt skipped here
      // would be marked sent and never go).
      receipt_trouble_.failed(receipt.error().message);
      return false;
    }
    if (!*receipt) continue;
    batch.push_back(std::move(**receipt));
    sent_for.push_back(&filing);
  }
  std::vector<Status> results = sink_.send_all(batch);
  std::vector<storage::UndeliveredReceipt> undelivered;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (results[i]) continue;
    const auto& filing = *sent_for[i];
    auto retry = retries_.next_attempt(1, filing.received_at, clock_.now(), retry_jitter());
    fmt::print(stderr, "dsr: receipts: the receipt of request {} not delivered (attempt 1{}): {}\n",
               filing.request.id, retry ? "" : ", the last: now a dead letter", results[i].error().message);
    undelivered.push_back({filing.request, std::move(batch[i]), {filing.received_at, results[i].error().message, retry}});
  }
  // A crash before this commit sends the batch again: at least once.
  unrecorded_receipts_ = UnrecordedReceipts{owed->back().position, std::move(undelivered)};
  if (!record_receipts()) return false;
  receipt_trouble_.succeeded();
  return static_cast<int>(owed->size()) == kBatch;
}

bool OutboxWorker::deliver_queued() {
  if (!unrecorded_deliveries_.empty() && !record_deliveries()) return false;
  auto due = outbox_.due(clock_.now(), kBatch);
  if (!due) {
    outbox_trouble_.failed(due.error().message);
    return false;
  }
  if (due->empty()) {
    outbox_trouble_.succeeded();  // nothing is waiting to be recorded either
    return false;
  }
  std::vector<OutgoingMessage> batch;
  for (const auto& pending : *due) batch.push_back(pending.message);
  std::vector<Status> results = sink_.send_all(batch);
  std::vector<std::string>& delivered = unrecorded_deliveries_;  // marked together: one commit for the batch
  for (std::size_t i = 0; i < due->size(); ++i) {
    const auto& pending = (*due)[i];
    const Status& sent = results[i];
    if (sent) {
      delivered.push_back(pending.id);
      continue;
    }
    int attempt = pending.attempts + 1;
    auto retry = retries_.next_attempt(attempt, pending.created_at, clock_.now(), retry_jitter());
    (void)outbox_.attempt_failed(pending.id, sent.error().message, retry);
    fmt::print(stderr, "dsr: outbox: message {} not delivered (attempt {}{}): {}\n", pending.id, attempt,
               retry ? "" : ", the last: now a dead letter", sent.error().message);
  }
  // A crash before this commit sends the batch again: at least once.
  if (!record_deliveries()) return false;
  outbox_trouble_.succeeded();
  return static_cast<int>(due->size()) == kBatch;
}

}  // namespace dsr::app
