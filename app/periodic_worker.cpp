#include "app/periodic_worker.hpp"

#include <sys/resource.h>
#include <unistd.h>

namespace dsr::app {

PeriodicWorker::PeriodicWorker(std::chrono::milliseconds interval, std::function<bool()> task,
                               WorkerPriority priority)
    : interval_(interval), task_(std::move(task)), priority_(priority), thread_([this] { loop(); }) {}

PeriodicWorker::~PeriodicWorker() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void PeriodicWorker::poke() {
  {
    std::lock_guard lock(mutex_);
    poked_ = true;
  }
  wake_.notify_all();
}

void PeriodicWorker::loop() {
  // On Linux a thread has its own nice value. Failing to lower it changes
  // only how fast the work gets done, not whether.
  if (priority_ == WorkerPriority::background) (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 19);
  bool more = false;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      if (!more) wake_.wait_for(lock, interval_, [this] { return stopping_ || poked_; });
      if (stopping_) return;
      poked_ = false;
    }
    more = task_();
  }
}

}  // namespace dsr::app
