// PeriodicWorker: a thread that runs one task every `interval`, or at once
// when poked, or again at once when the task says more work is waiting
// (a full batch: a backlog drains at full speed), until destroyed. The outbox, the recipient notifications and
// the request timers each run on one; a task never runs twice at once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace dsr::app {

// How the thread competes for the CPU. A background worker runs at the
// lowest priority (nice 19): under load it yields to the threads that
// answer HTTP requests and commit them, and catches up when they are idle.
enum class WorkerPriority { normal, background };

class PeriodicWorker {
 public:
  // `task` answers true when it left work for an immediate next run.
  PeriodicWorker(std::chrono::milliseconds interval, std::function<bool()> task,
                 WorkerPriority priority = WorkerPriority::normal);
  ~PeriodicWorker();  // waits for a running task, then stops
  PeriodicWorker(const PeriodicWorker&) = delete;
  PeriodicWorker& operator=(const PeriodicWorker&) = delete;

  void poke();

 private:
  void loop();

  std::chrono::milliseconds interval_;
  std::function<bool()> task_;
  WorkerPriority priority_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  bool poked_ = false;     // guarded by mutex_
  std::thread thread_;     // last: starts once the rest is set
};

}  // namespace dsr::app
