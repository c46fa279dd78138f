// Backups of a dsr database: an online copy taken while `dsr serve` writes
// (SQLite's backup API, one consistent snapshot), checked before it counts,
// and the same check for a copy about to be restored. A copy is checked as
// an audit is: SQLite's integrity_check, the master key's check value, and
// the journal verified end to end.
//
// The master key is never in a backup: without it the copy is unreadable.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "engine/result.hpp"
#include "storage/crypto.hpp"

namespace dsr::storage {

struct DatabaseFileCheck {
  std::int64_t events = 0;          // journal entries, all verified
  int schema_version = 0;
  std::int64_t requests = 0;
  std::uintmax_t bytes = 0;
};

// Checks the SQLite file at `path` (read-only): invalid_argument if it is
// not a dsr database, forbidden if `keys` are not the ones it was written
// with, conflict if it is damaged or its journal does not verify (the
// message says where).
Result<DatabaseFileCheck> check_database_file(const std::filesystem::path& path, const MasterKey& keys);

// Copies the database at `source` to `to` while other connections may
// write to it: a snapshot in one read transaction, made a self-contained
// file (no -wal), checked, flushed, and only then given its name. `to` must
// not exist; on any error nothing is left at `to` or beside it.
Result<DatabaseFileCheck> backup_database(const std::filesystem::path& source, const std::filesystem::path& to,
                                          const MasterKey& keys);

// Puts the backup `from` in place as a new database at `to` (which must
// not exist), checked with `keys` before and after the copy, atomically.
Result<DatabaseFileCheck> restore_database(const std::filesystem::path& from, const std::filesystem::path& to,
                                           const MasterKey& keys);

}  // namespace dsr::storage
