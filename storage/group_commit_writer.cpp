#include "storage/group_commit_writer.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <future>

#include "storage/sqlite_error.hpp"

namespace dsr::storage {

GroupCommitWriter::GroupCommitWriter(std::unique_ptr<SQLite::Database> db, Hooks hooks, std::size_t max_batch)
    : db_(std::move(db)), hooks_(std::move(hooks)), max_batch_(max_batch),
      writable_(sqlite3_db_readonly(db_.db().getHandle(), "main") != 1), thread_([this] { loop(); }) {}

GroupCommitWriter::~GroupCommitWriter() {
  {
    std::lock_guard lock(queue_mutex_);
    stopping_ = true;
  }
  queue_ready_.notify_all();
  thread_.join();
}

void GroupCommitWriter::submit(Job job, Completion done) {
  {
    std::lock_guard lock(queue_mutex_);
    if (stopping_) {
      done(fail(Error::unavailable("the database is shutting down; try again")));
      return;
    }
    queue_.push_back({std::move(job), std::move(done)});
  }
  queue_ready_.notify_one();
}

Status GroupCommitWriter::run(Job job) {
  std::promise<Status> result;
  auto future = result.get_future();
  submit(std::move(job), [&result](Status s) { result.set_value(std::move(s)); });
  return future.get();
}

GroupCommitWriter::Stats GroupCommitWriter::stats() const { return {transactions_.load(), jobs_.load()}; }

void GroupCommitWriter::loop() {
  for (;;) {
    std::deque<Pending> batch;
    {
      std::unique_lock lock(queue_mutex_);
      queue_ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to do
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    run_batch(batch);
  }
}

void GroupCommitWriter::reopen_if_read_only() {
  if (writable_ || !hooks_.reopen) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_reopen_ < std::chrono::milliseconds(200)) return;
  last_reopen_ = now;
  try {
    writable_ = hooks_.reopen(db_);
    if (writable_) fmt::print(stderr, "dsr: storage: the database can be written again\n");
  } catch (const std::exception& e) {
    // Not openable yet: this batch fails and says why; the log says it once.
    std::string why = sqlite_error(e, "opening the database again").message;
    if (why != last_reopen_error_) fmt::print(stderr, "dsr: storage: {}\n", why);
    last_reopen_error_ = why;
  }
}

void GroupCommitWriter::run_batch(std::deque<Pending>& batch) {
  std::vector<Status> results(batch.size(), ok_status());
  {
    std::lock_guard lock(connection_mutex_);
    reopen_if_read_only();
    Status batch_status = guarded("committing", [&]() -> Status {
      db_.exec("BEGIN IMMEDIATE");
      try {
        for (std::size_t i = 0; i < batch.size(); ++i) {
          db_.exec("SAVEPOINT job");
          results[i] = guarded("writing", [&] { return batch[i].job(db_); });
          if (!results[i]) db_.exec("ROLLBACK TO job");
          db_.exec("RELEASE job");
        }
        if (hooks_.before_commit) hooks_.before_commit(db_);
        db_.reset_used();
        db_.exec("COMMIT");
        db_.reset_used();
      } catch (...) {
        try {
          db_.db().exec("ROLLBACK");
        } catch (...) {
          // The transaction is already gone (SQLite rolled it back itself).
        }
        throw;
      }
      return ok_status();
    });
    jobs_ += batch.size();
    if (batch_status) {
      ++transactions_;
    } else {
      // Nothing of this batch is durable: every caller hears why.
      for (auto& r : results) r = batch_status;
      try {
        if (hooks_.after_rollback) hooks_.after_rollback(db_);
      } catch (...) {
        // The next batch will fail the same way and report it.
      }
    }
  }
  for (std::size_t i = 0; i < batch.size(); ++i) batch[i].done(std::move(results[i]));
}

}  // namespace dsr::storage
