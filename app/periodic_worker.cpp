#include "app/periodic_worker.hpp"

namespace dsr::app {

PeriodicWorker::PeriodicWorker(std::chrono::milliseconds interval, std::function<bool()> task)
    : interval_(interval), task_(std::move(task)), thread_([this] { loop(); }) {}

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
