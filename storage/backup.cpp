#include "storage/backup.hpp"

#include <SQLiteCpp/Backup.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
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
  // A journal or WAL left beside the name would be rolled into the new file.
  for (const char* suffix : {"", "-wal", "-shm", "-journal"})
    if (fs::exists(to.string() + suffix, ec))
      return fail(Error::conflict(fmt::format("{} already exists; {}", to.string() + suffix, what)));
  fs::path dir = to.parent_path().empty() ? fs::path(".") : to.parent_path();
  if (!fs::is_directory(dir, ec))
    return fail(Error::invalid_argument(fmt::format(
        "the directory {} does not exist; make it first, private to the user that runs dsr (install -d -m 700 {})",
        dir.string(), dir.string())));
  return ok_status();
}

// Gives the checked scratch file its name, durably: the file's data first,
// then the rename, then the directory that holds the new name.
Status publish(Scratch& scratch, const fs::path& to) {
  if (Status s = sync_path(scratch.path(), O_RDONLY); !s) return s;
  // Never over a file that appeared since refuse_existing() looked: another
  // backup to the same name, or a server started on the place restored to.
  if (::renameat2(AT_FDCWD, scratch.path().c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) != 0) {
    int error = errno;
    bool unsupported = error == EINVAL || error == ENOSYS;
    // Where the file system cannot rename without replacing: a hard link
    // also fails on an existing name.
    if (!unsupported || ::link(scratch.path().c_str(), to.c_str()) != 0) {
      if (unsupported) error = errno;
      return fail(Error::conflict(fmt::format("cannot name the copy {}: {}", to.string(), std::strerror(error))));
    }
  } else {
    scratch.release();
  }
  fs::path dir = to.parent_path().empty() ? fs::path(".") : to.parent_path();
  if (Status s = sync_path(dir, O_RDONLY | O_DIRECTORY); !s)
    return fail(Error::unavailable(fmt::format("{} is written and checked, but {} could not be flushed to disk ({}): "
                                               "run sync before relying on it", to.string(), dir.string(),
                                               s.error().message)));
  return ok_status();
}

// A consistent snapshot of the database at `source` in the new file
// `scratch` (mode 0600, made here before SQLite opens it: a copy is as
// confidential as the database): SQLite's backup API copies every page in
// one read transaction, so the writers of a running server go on, and a
// WAL beside the source is part of what is copied. The copy is one
// self-contained file in rollback mode (no -wal to forget when it is
// moved); dsr serve puts it back in WAL mode when it opens it.
Status copy_snapshot(const fs::path& source, const fs::path& scratch, const MasterKey& keys) {
  int fd = ::open(scratch.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return fail(Error::unavailable(fmt::format("cannot write {}: {}", scratch.string(), std::strerror(errno))));
  ::close(fd);
  return guarded(fmt::format("copying {}", source.string()), [&]() -> Status {
    SQLite::Database from(source.string(), SQLite::OPEN_READONLY);
    from.setBusyTimeout(10000);
    if (Status matches = verify_master_key(from, keys); !matches) return matches;
    SQLite::Database copy(scratch.string(), SQLite::OPEN_READWRITE);
    SQLite::Backup backup(copy, from);
    backup.executeStep(-1);
    copy.exec("PRAGMA journal_mode = DELETE");
    return ok_status();
  });
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
    auto journal = verify_journal(db);
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
  if (Status copied = copy_snapshot(source, scratch.path(), keys); !copied) return fail(copied.error());
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
  if (Status copied = copy_snapshot(from, scratch.path(), keys); !copied) return fail(copied.error());
  // What is checked is what will be served: the copy, not the original,
  // and it must hold all that the original held.
  auto after = check_database_file(scratch.path(), keys);
  if (!after) return fail(after.error());
  if (after->events != before->events || after->requests != before->requests)
    return fail(Error::conflict(fmt::format(
        "the copy of {} holds {} events and {} requests, the backup {} and {}: nothing was restored", from.string(),
        after->events, after->requests, before->events, before->requests)));
  if (Status named = publish(scratch, to); !named) return fail(named.error());
  return after;
}

}  // namespace dsr::storage
