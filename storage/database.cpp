#include "storage/database.hpp"
#include "storage/sqlite_values.hpp"

#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>

#include <sqlite3.h>

#include <chrono>
#include <exception>
#include <filesystem>

#include "storage/connection.hpp"
#include "storage/migrations.hpp"

namespace dsr::storage {
namespace {

// The purpose keys the database keeps, once a rotation has run (see
// MasterKey); until then they derive from the key file's first key.
Status adopt_purpose_keys(SQLite::Database& db, MasterKey& keys) {
  if (!db.tableExists("sealed_keys")) return ok_status();
  SQLite::Statement q(db, "SELECT key_id, sealed FROM sealed_keys WHERE name = 'purpose'");
  if (!q.executeStep()) return ok_status();
  return keys.adopt_purpose_keys(Wrapped{q.getColumn(0).getString(), column_blob(q.getColumn(1))});
}

// A database remembers which master key wrote it; another key would make
// every sealed row unreadable, so it is refused at the door.
Status check_master_key(SQLite::Database& db, MasterKey& keys) {
  if (Status matches = verify_master_key(db, keys); !matches) return matches;
  // Only a new database is written to here: an existing one may be on a
  // read-only disk, and must still open.
  if (db.execAndGet("SELECT COUNT(*) FROM meta WHERE key = 'master_key_check'").getInt() > 0)
    return adopt_purpose_keys(db, keys);
  SQLite::Statement insert(db, "INSERT INTO meta (key, value) VALUES ('master_key_check', ?)");
  Bytes expected = keys.check_value();
  insert.bind(1, expected.data(), static_cast<int>(expected.size()));
  insert.exec();
  return ok_status();
}

}  // namespace

Status verify_master_key(SQLite::Database& db, const MasterKey& keys) {
  SQLite::Statement q(db, "SELECT value FROM meta WHERE key = 'master_key_check'");
  if (q.executeStep() && !keys.matches_check(column_blob(q.getColumn(0))))
    return fail(Error::forbidden(
        "the master key does not match this database: give the --key-file it was created with"));
  return ok_status();
}

Database::Database(std::string path, const MasterKeySet& master_keys, std::function<Result<MasterKeySet>()> reload)
    : path_(std::move(path)), keys_(master_keys, std::move(reload)) {}

Database::~Database() {
  writer_.reset();  // finish pending writes before the readers go
}

Result<std::unique_ptr<Database>> Database::open(const std::string& path, const Key& master_key, Options options) {
  return open(path, MasterKeySet{master_key, std::nullopt}, {}, options);
}

Result<std::unique_ptr<Database>> Database::open(const std::string& path, const MasterKeySet& master_keys,
                                                 std::function<Result<MasterKeySet>()> reload, Options options) {
  bool created = false;
  if (path != ":memory:") {
    std::error_code ec;
    auto dir = std::filesystem::path(path).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir, ec);
    if (ec) return fail(Error::unavailable(fmt::format("cannot create the directory {}: {}", dir.string(), ec.message())));
    created = !std::filesystem::exists(path, ec);
  }
  std::unique_ptr<Database> db(new Database(path, master_keys, std::move(reload)));
  std::string target = connection_target(path);
  db->target_ = target;
  auto opened = guarded(fmt::format("opening {}", path), [&]() -> Status {
    auto writer = open_writer(target);
    // Only its owner may read a new database (the WAL inherits the mode).
    if (created) std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    if (auto migrated = migrate(*writer); !migrated) return migrated;
    if (auto checked = check_master_key(*writer, db->keys_); !checked) return checked;
    db->journal_.reload(*writer);
    JournalAppender* journal = &db->journal_;
    Database* self = db.get();
    GroupCommitWriter::Hooks hooks{{},
                                   [journal](WriteConnection& c) { journal->reload(c.db()); },
                                   [self](WriteConnection& c) { return self->reopen_connections(c); }};
    db->writer_ = std::make_unique<GroupCommitWriter>(std::move(writer), std::move(hooks));
    // A read-only file cannot be given its leaves: it is read as it is.
    if (db->writer_->writable())
      if (Status filled = db->writer_->run([journal](WriteConnection& c) {
            Status s = backfill_audit_leaves(c);
            journal->reload(c.db());  // the tree may have grown
            return s;
          });
          !filled)
        return filled;
    if (path != ":memory:") {
      for (std::size_t i = 0; i < options.readers; ++i) {
        db->readers_.push_back(std::make_unique<WriteConnection>(open_reader(target)));
        db->idle_.push_back(db->readers_.back().get());
      }
    }
    return ok_status();
  });
  if (!opened) return fail(opened.error());
  return db;
}

// SQLite shares one shared-memory index (the -shm file) among a process's
// connections to a file; opened read-only, it stays read-only until every
// one of them has closed. So all close, then all open again. While the
// pool drains no new reader is leased (else steady reads would never let
// it drain); a reader still leased after two seconds puts this off to a
// later batch. The readers are opened again even if the writer cannot be,
// so that reads go on; the first failure is rethrown.
bool Database::reopen_connections(WriteConnection& writer) {
  std::unique_lock lock(pool_mutex_);
  draining_ = true;
  bool drained = pool_returned_.wait_for(lock, std::chrono::seconds(2), [this] { return idle_.size() == readers_.size(); });
  struct EndDrain {
    Database& db;
    ~EndDrain() {
      db.draining_ = false;
      db.pool_returned_.notify_all();
    }
  } end_drain{*this};
  if (!drained) return false;
  for (auto& reader : readers_) reader->replace(nullptr);
  writer.replace(nullptr);
  std::exception_ptr failure;
  try {
    writer.replace(open_writer(target_));
    journal_.reload(writer.db());
  } catch (...) {
    failure = std::current_exception();
  }
  for (auto& reader : readers_) {
    try {
      reader->replace(open_reader(target_));
    } catch (...) {
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
  return sqlite3_db_readonly(writer.db().getHandle(), "main") != 1;
}

Database::Lease::Lease(Database& db) : owner(db) {
  std::unique_lock lock(owner.pool_mutex_);
  owner.pool_returned_.wait(lock, [&] { return !owner.draining_ && !owner.idle_.empty(); });
  connection = owner.idle_.back();
  owner.idle_.pop_back();
}

// Every waiter is woken: leases waiting for a connection, and a reopen
// waiting for all of them.
Database::Lease::~Lease() {
  // Statements the lease used are reset here, after a throw as after a
  // return: a statement left stepping would hold its read snapshot, and
  // the connection's next reader would see the database as it was then.
  connection->reset_used();
  {
    std::lock_guard lock(owner.pool_mutex_);
    owner.idle_.push_back(connection);
  }
  owner.pool_returned_.notify_all();
}

}  // namespace dsr::storage
