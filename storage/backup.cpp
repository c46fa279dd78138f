#include "storage/backup.hpp"

#include <SQLiteCpp/Backup.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "storage/database.hpp"
#include "storage/journal.hpp"
#include "storage/migrations.hpp"
#include "storage/sqlite_error.hpp"

namespace dsr::storage {
namespace {

namespace fs = std::filesystem;

Status sync_path(const fs::path& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return fail(Error::unavailable(fmt::format("cannot open {}: {}", path.string(), std::strerror(errno))));
  int synced = ::fsync(fd);
  int saved = errno;
  ::close(fd);
  if (synced != 0)
    return fail(Error::unavailable(fmt::format("cannot flush {} to disk: {}", path.string(), std::strerror(saved))));
  return ok_status();
}

// A scratch name beside `target`, so that the final rename stays on one
// file system; hidden, and never a name a backup would be given.
fs::path scratch_beside(const fs::path& target) {
  return target.parent_path() / fmt::format(".{}.partial-{}", target.filename().string(), random_id(6));
}

// Removes the scratch copy (and any journal SQLite left beside it) unless
// released: every error path leaves nothing behind.
class Scratch {
 public:
  explicit Scratch(fs::path path) : path_(std::move(path)) {}
  ~Scratch() {
    if (released_) return;
    std::error_code ec;
    for (const char* suffix : {"", "-journal", "-wal", "-shm"}) fs::remove(path_.string() + suffix, ec);
  }
  const fs::path& path() const { return path_; }
  void release() { released_ = true; }

 private:
  fs::path path_;
  bool released_ = false;
};

Status refuse_existing(const fs::path& to, std::string_view what) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal"})
    if (fs::exists(to.string() + suffix, ec))
      return fail(Error::conflict(fmt::format("{} already exists; {}", to.string() + suffix, what)));
  if (!to.parent_path().empty() && !fs::is_directory(to.parent_path(), ec))
    return fail(Error::invalid_argument(fmt::format("{} is not a directory", to.parent_path().string())));
  return ok_status();
}

// Gives the checked scratch file its name, durably: the file's data first,
// then the rename, then the directory that holds the new name.
Status publish(Scratch& scratch, const fs::path& to) {
  if (Status s = sync_path(scratch.path(), O_RDONLY); !s) return s;
  std::error_code ec;
  fs::rename(scratch.path(), to, ec);
  if (ec) return fail(Error::unavailable(fmt::format("cannot name the copy {}: {}", to.string(), ec.message())));
  scratch.release();
  fs::path dir = to.parent_path().empty() ? fs::path(".") : to.parent_path();
  return sync_path(dir, O_RDONLY | O_DIRECTORY);
}

}  // namespace

Result<DatabaseFileCheck> check_database_file(const fs::path& path, const MasterKey& keys) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    return fail(Error::invalid_argument(fmt::format("{} is not a file", path.string())));
  return guarded(fmt::format("checking {}", path.string()), [&]() -> Result<DatabaseFileCheck> {
    SQLite::Database db(path.string(), SQLite::OPEN_READONLY);
    if (!db.tableExists("meta") || !db.tableExists("journal"))
      return fail(Error::invalid_argument(fmt::format("{} is not a dsr database", path.string())));
    SQLite::Statement integrity(db, "PRAGMA integrity_check");
    std::string verdict = integrity.executeStep() ? integrity.getColumn(0).getString() : "no answer";
    if (verdict != "ok")
      return fail(Error::conflict(fmt::format("{} is damaged (integrity_check: {})", path.string(), verdict)));
    if (Status matches = verify_master_key(db, keys); !matches) return fail(matches.error());
    auto journal = verify_journal(db, keys.journal_mac());
    if (!journal) return fail(journal.error());
    if (!journal->ok)
      return fail(Error::conflict(fmt::format("the journal in {} does not verify at event {}: {}", path.string(),
                                              journal->first_bad_event.value_or(0), journal->problem)));
    DatabaseFileCheck check;
    check.events = journal->events;
    check.schema_version = schema_version(db);
    check.requests = db.execAndGet("SELECT COUNT(*) FROM requests").getInt64();
    check.bytes = fs::file_size(path);
    return check;
  });
}

Result<DatabaseFileCheck> backup_database(const fs::path& source, const fs::path& to, const MasterKey& keys) {
  std::error_code ec;
  if (!fs::is_regular_file(source, ec))
    return fail(Error::invalid_argument(fmt::format("no database at {}", source.string())));
  if (Status free = refuse_existing(to, "a backup is never written over; give another name"); !free)
    return fail(free.error());
  Scratch scratch(scratch_beside(to));
  // Made here, private to its owner, before SQLite opens it: the copy is
  // as confidential as the database.
  int fd = ::open(scratch.path().c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return fail(Error::unavailable(fmt::format("cannot write in {}: {}", to.parent_path().string(), std::strerror(errno))));
  ::close(fd);
  Status copied = guarded(fmt::format("copying {}", source.string()), [&]() -> Status {
    // Read-only: a backup never writes to what it copies. One step copies
    // every page inside one read transaction: a consistent snapshot, and in
    // WAL mode the server's writer goes on meanwhile.
    SQLite::Database from(source.string(), SQLite::OPEN_READONLY);
    from.setBusyTimeout(10000);
    if (Status matches = verify_master_key(from, keys); !matches) return matches;
    SQLite::Database copy(scratch.path().string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    SQLite::Backup backup(copy, from);
    backup.executeStep(-1);
    // One self-contained file: no -wal to forget when it is moved. dsr
    // serve puts a restored database back into WAL mode when it opens it.
    copy.exec("PRAGMA journal_mode = DELETE");
    return ok_status();
  });
  if (!copied) return fail(copied.error());
  auto checked = check_database_file(scratch.path(), keys);
  if (!checked) return fail(Error(checked.error().code, "the copy failed its check, so no backup was written: " +
                                                          checked.error().message));
  if (Status named = publish(scratch, to); !named) return fail(named.error());
  return checked;
}

Result<DatabaseFileCheck> restore_database(const fs::path& from, const fs::path& to, const MasterKey& keys) {
  if (Status free = refuse_existing(to, "restore only into an empty place (move the old database away first)"); !free)
    return fail(free.error());
  auto before = check_database_file(from, keys);
  if (!before) return fail(before.error());
  Scratch scratch(scratch_beside(to));
  std::error_code ec;
  fs::copy_file(from, scratch.path(), ec);
  if (ec) return fail(Error::unavailable(fmt::format("cannot copy {}: {}", from.string(), ec.message())));
  fs::permissions(scratch.path(), fs::perms::owner_read | fs::perms::owner_write, ec);
  // What is checked is what will be served: the copy, not the original.
  auto after = check_database_file(scratch.path(), keys);
  if (!after) return fail(after.error());
  if (Status named = publish(scratch, to); !named) return fail(named.error());
  return after;
}

}  // namespace dsr::storage
