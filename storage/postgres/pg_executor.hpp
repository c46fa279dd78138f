// The threads PostgreSQL's writes run on. A libpq call blocks its thread
// for a round trip to the server; the API's I/O threads must not wait on
// one, so a commit (and every other write the engine completes through a
// callback) is posted here, and its callback runs on one of these threads
// once PostgreSQL has committed, as the SQLite writer's callbacks run on
// the writer thread. Boost.Asio's thread_pool does the work.
//
// Thread-safety: post() from any thread.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>

namespace dsr::storage::pg {

class Executor {
 public:
  explicit Executor(std::size_t threads);
  ~Executor();  // runs everything posted, then joins its threads
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  void post(std::function<void()> work);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Runs `work` on the executor, then `done(work())` on the same thread.
template <class Work, class Done>
void run_then(Executor& executor, Work work, Done done) {
  executor.post([work = std::move(work), done = std::move(done)]() mutable { done(work()); });
}

}  // namespace dsr::storage::pg
