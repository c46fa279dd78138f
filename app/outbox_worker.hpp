// OutboxWorker: a thread that delivers pending messages from the outbox to
// the message sink, at least once: a message is marked delivered only after
// the sink accepted it, so a crash in between sends it again after restart.
// Failures are retried with exponential back-off; after the last attempt
// the message is marked failed.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "engine/clock.hpp"
#include "engine/ports.hpp"
#include "storage/outbox.hpp"

namespace dsr::app {

class OutboxWorker {
 public:
  OutboxWorker(storage::Outbox& outbox, MessageSink& sink, const Clock& clock);
  ~OutboxWorker();  // stops the thread
  // Wakes the worker early (after a commit that queued messages).
  void poke();

 private:
  void loop();
  void deliver_due();

  storage::Outbox& outbox_;
  MessageSink& sink_;
  const Clock& clock_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  bool poked_ = false;     // guarded by mutex_
  std::thread thread_;
};

}  // namespace dsr::app
