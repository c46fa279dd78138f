// GroupCommitWriter: the one thread that writes to the database. Callers
// submit jobs; when several are waiting, the writer runs them all in one
// transaction (group commit), each inside its own savepoint so that one
// refused job (a stale version, say) does not undo the others, commits once
// (one fsync for the batch), and only then completes each caller. This is
// what lets many concurrent durable commands share the cost of a commit.
//
// Thread-safety: submit() from any thread. Jobs and hooks run on the writer
// thread with the connection held; completions run on the writer thread
// after the commit, without the connection.
//
// A database that could not be opened for writing (its file system was
// mounted read-only when dsr started, say) leaves SQLite with a read-only
// connection for good. The writer then has its connections opened again
// before a batch (the `reopen` hook), at most five times a second, so that
// writing resumes by itself once the disk is writable again; until then
// every batch fails with SQLITE_READONLY.
#pragma once

#include "storage/write_connection.hpp"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "engine/result.hpp"

namespace dsr::storage {

class GroupCommitWriter {
 public:
  using Job = std::function<Status(WriteConnection&)>;
  using Completion = std::function<void(Status)>;

  struct Hooks {
    std::function<void(WriteConnection&)> before_commit;  // e.g. seal the journal head
    std::function<void(WriteConnection&)> after_rollback; // e.g. reload cached state
    // Opens the writer's connection (and any other on the same file) again,
    // for a read-only connection; true if it can now write. None: the
    // connection is kept as it is.
    std::function<bool(WriteConnection&)> reopen;
  };

  struct Stats {
    std::uint64_t transactions = 0;  // batches committed
    std::uint64_t jobs = 0;          // jobs run (committed or refused)
  };

  GroupCommitWriter(std::unique_ptr<SQLite::Database> db, Hooks hooks, std::size_t max_batch = 1024);
  ~GroupCommitWriter();  // finishes every submitted job, then stops
  GroupCommitWriter(const GroupCommitWriter&) = delete;
  GroupCommitWriter& operator=(const GroupCommitWriter&) = delete;

  void submit(Job job, Completion done);
  // Submits and waits; for the command line and tests, never on an I/O thread.
  Status run(Job job);

  Stats stats() const;
  // False while the connection is read-only (see above).
  bool writable() const { return writable_.load(); }

  // Runs `f` with the connection while no batch is in flight; for reads of
  // an in-memory database, which has no separate reader connections.
  template <class F>
  auto with_connection(F&& f) {
    std::lock_guard lock(connection_mutex_);
    return f(db_.db());
  }
  template <class F>
  auto with_cached_connection(F&& f) {
    std::lock_guard lock(connection_mutex_);
    // Reset after a throw as after a return (see Database::Lease).
    struct ResetUsed {
      WriteConnection& db;
      ~ResetUsed() { db.reset_used(); }
    } reset{db_};
    return f(db_);
  }

 private:
  struct Pending {
    Job job;
    Completion done;
  };

  void loop();
  void run_batch(std::deque<Pending>& batch);
  // With the connection held: opens a read-only connection again, if due.
  void reopen_if_read_only();

  WriteConnection db_;
  Hooks hooks_;
  std::size_t max_batch_;

  std::mutex connection_mutex_;  // held while a batch runs
  mutable std::mutex queue_mutex_;
  std::condition_variable queue_ready_;
  std::deque<Pending> queue_;    // guarded by queue_mutex_
  bool stopping_ = false;        // guarded by queue_mutex_
  std::atomic<std::uint64_t> transactions_{0};
  std::atomic<std::uint64_t> jobs_{0};
  std::atomic<bool> writable_{true};
  std::chrono::steady_clock::time_point last_reopen_{};  // writer thread only
  std::string last_reopen_error_;                         // writer thread only
  std::thread thread_;
};

}  // namespace dsr::storage
