#include "app/outbox_worker.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace dsr::app {
namespace {
constexpr int kMaxAttempts = 12;  // about 1 + 2 + 4 + ... minutes: a day and a half in all
}

OutboxWorker::OutboxWorker(storage::Outbox& outbox, MessageSink& sink, const Clock& clock)
    : outbox_(outbox), sink_(sink), clock_(clock), thread_([this] { loop(); }) {}

OutboxWorker::~OutboxWorker() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void OutboxWorker::poke() {
  {
    std::lock_guard lock(mutex_);
    poked_ = true;
  }
  wake_.notify_all();
}

void OutboxWorker::loop() {
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stopping_ || poked_; });
      if (stopping_) return;
      poked_ = false;
    }
    deliver_due();
  }
}

void OutboxWorker::deliver_due() {
  auto due = outbox_.due(clock_.now(), 100);
  if (!due) {
    fmt::print(stderr, "dsr: outbox: {}\n", due.error().message);
    return;
  }
  for (const auto& pending : *due) {
    Status sent = sink_.send(pending.message);
    if (sent) {
      (void)outbox_.delivered(pending.id);
      continue;
    }
    int attempt = pending.attempts + 1;
    std::optional<TimePoint> retry;
    if (attempt < kMaxAttempts) retry = clock_.now() + std::chrono::minutes(1 << std::min(attempt - 1, 10));
    (void)outbox_.attempt_failed(pending.id, sent.error().message, retry);
    fmt::print(stderr, "dsr: outbox: message {} not delivered (attempt {}): {}\n", pending.id, attempt,
               sent.error().message);
  }
}

}  // namespace dsr::app
