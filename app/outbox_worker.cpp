#include "app/outbox_worker.hpp"

#include <fmt/format.h>

#include "storage/crypto.hpp"

namespace dsr::app {

double retry_jitter() {
  auto bytes = storage::random_bytes(2);
  return static_cast<double>((bytes[0] << 8) | bytes[1]) / 65536.0;
}

OutboxWorker::OutboxWorker(storage::Outbox& outbox, MessageSink& sink, const Clock& clock, RetrySchedule retries)
    : outbox_(outbox), sink_(sink), clock_(clock), retries_(retries),
      worker_(std::chrono::milliseconds(200), [this] { return deliver_due(); }) {}

bool OutboxWorker::deliver_due() {
  constexpr int kBatch = 100;
  auto due = outbox_.due(clock_.now(), kBatch);
  if (!due) {
    fmt::print(stderr, "dsr: outbox: {}\n", due.error().message);
    return false;
  }
  if (due->empty()) return false;
  std::vector<OutgoingMessage> batch;
  for (const auto& pending : *due) batch.push_back(pending.message);
  std::vector<Status> results = sink_.send_all(batch);
  std::vector<std::string> delivered;  // marked together: one commit for the batch
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
  if (Status marked = outbox_.delivered(delivered); !marked)
    fmt::print(stderr, "dsr: outbox: {}\n", marked.error().message);
  return static_cast<int>(due->size()) == kBatch;
}

}  // namespace dsr::app
