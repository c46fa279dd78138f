// Database: one dsr database file (or a private in-memory one), opened,
// migrated and checked against the master key. It owns the single writer
// (GroupCommitWriter), a small pool of read-only connections, the derived
// keys and the journal chain. The stores (SqliteStore, SqliteVault, ...)
// are views onto it.
//
// Thread-safety: read() from any thread (each call gets a connection of its
// own); writes go through writer(). Lives longer than every store using it.
#pragma once

#include <SQLiteCpp/Database.h>

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/result.hpp"
#include "storage/crypto.hpp"
#include "storage/group_commit_writer.hpp"
#include "storage/journal.hpp"
#include "storage/sqlite_error.hpp"

namespace dsr::storage {

// forbidden if `db` was written under another master key; ok if it was
// written under `keys` or holds no check value yet.
Status verify_master_key(SQLite::Database& db, const MasterKey& keys);

class Database {
 public:
  struct Options {
    std::size_t readers = 4;
  };

  // Creates the file (and its directory) if needed, migrates it, and refuses
  // a database written under another master key.
  static Result<std::unique_ptr<Database>> open(const std::string& path, const Key& master_key, Options options);
  // The same with the key file's set of keys (two during a rotation) and a
  // way to read the file again (MasterKey).
  static Result<std::unique_ptr<Database>> open(const std::string& path, const MasterKeySet& master_keys,
                                                std::function<Result<MasterKeySet>()> reload, Options options);
  static Result<std::unique_ptr<Database>> open(const std::string& path, const Key& master_key) {
    return open(path, master_key, Options{});
  }
  ~Database();

  GroupCommitWriter& writer() { return *writer_; }
  // False while the file can only be read (see GroupCommitWriter).
  bool writable() const { return writer_->writable(); }
  // Has the writer try to open the file for writing again now (a batch
  // with nothing in it), without waiting: for /readyz, which may be all
  // that comes while a load balancer holds traffic off a read-only node.
  void retry_writing() { writer_->submit([](WriteConnection&) { return ok_status(); }, [](Status) {}); }
  const MasterKey& keys() const { return keys_; }
  // Used only by jobs on the writer thread.
  JournalAppender& journal() { return journal_; }
  const std::string& path() const { return path_; }

  // Runs `f(SQLite::Database&)` on a read-only connection; exceptions
  // become errors naming `what`.
  template <class F>
  auto read(std::string_view what, F&& f) -> decltype(f(std::declval<SQLite::Database&>())) {
    return guarded(what, [&] {
      if (readers_.empty()) return writer_->with_connection(f);
      Lease lease(*this);
      return f(lease.connection->db());
    });
  }

  // The same, with the connection's prepared statements kept for reuse
  // (for the hot paths: every request reads a token and a request).
  template <class F>
  auto read_cached(std::string_view what, F&& f) -> decltype(f(std::declval<WriteConnection&>())) {
    return guarded(what, [&] {
      if (readers_.empty()) return writer_->with_cached_connection(f);
      Lease lease(*this);  // resets the statements used when it ends
      return f(*lease.connection);
    });
  }

 private:
  Database(std::string path, const MasterKeySet& master_keys, std::function<Result<MasterKeySet>()> reload);
  // The writer's reopen hook: closes every connection, opens them again,
  // and says whether the writer can now write.
  bool reopen_connections(WriteConnection& writer);

  struct Lease {
    explicit Lease(Database& db);
    ~Lease();
    Database& owner;
    WriteConnection* connection;
  };

  std::string path_;
  std::string target_;  // what SQLite opens (connection_target)
  MasterKey keys_;
  JournalAppender journal_;
  std::unique_ptr<GroupCommitWriter> writer_;

  std::mutex pool_mutex_;
  std::condition_variable pool_returned_;
  std::vector<std::unique_ptr<WriteConnection>> readers_;  // owned, fixed after open()
  std::vector<WriteConnection*> idle_;                     // guarded by pool_mutex_
  bool draining_ = false;  // guarded by pool_mutex_: reopen_connections() waits for every reader
};

}  // namespace dsr::storage
