// The loop under the outbox, the notification worker and the timers: a
// backlog drains without waiting for the next tick, stopping waits for the
// task in hand, and background work yields the CPU.
#include <catch2/catch.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <thread>

#include "app/periodic_worker.hpp"

using namespace std::chrono_literals;

TEST_CASE("a worker runs again at once while its task reports more work", "[worker]") {
  std::atomic<int> runs{0};
  {
    dsr::app::PeriodicWorker worker(1h, [&] { return ++runs < 5; });  // four full batches, then an empty one
    worker.poke();
    for (int i = 0; i < 200 && runs < 5; ++i) std::this_thread::sleep_for(10ms);
    CHECK(runs == 5);
    std::this_thread::sleep_for(100ms);
    CHECK(runs == 5);  // then it waits for the next tick or poke
  }
}

TEST_CASE("a worker that is not poked waits for its interval", "[worker]") {
  std::atomic<int> runs{0};
  dsr::app::PeriodicWorker worker(50ms, [&] {
    ++runs;
    return false;
  });
  std::this_thread::sleep_for(20ms);
  CHECK(runs == 0);
  for (int i = 0; i < 100 && runs < 2; ++i) std::this_thread::sleep_for(10ms);
  CHECK(runs >= 2);
}

TEST_CASE("a background worker runs at the lowest priority, a normal one at the process's", "[worker]") {
  auto nice_of_task = [](dsr::app::WorkerPriority priority) {
    std::atomic<int> seen{-100};
    dsr::app::PeriodicWorker worker(
        1h,
        [&] {
          errno = 0;
          seen = ::getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()));
          return false;
        },
        priority);
    worker.poke();
    for (int i = 0; i < 200 && seen == -100; ++i) std::this_thread::sleep_for(10ms);
    return seen.load();
  };
  int process_nice = ::getpriority(PRIO_PROCESS, 0);
  CHECK(nice_of_task(dsr::app::WorkerPriority::background) == 19);
  CHECK(nice_of_task(dsr::app::WorkerPriority::normal) == process_nice);
}
