#include "storage/sqlite_error.hpp"

#include <SQLiteCpp/Exception.h>
#include <fmt/format.h>
#include <sqlite3.h>

namespace dsr::storage {

Error sqlite_error(const std::exception& e, std::string_view what) {
  const auto* db_error = dynamic_cast<const SQLite::Exception*>(&e);
  if (db_error == nullptr) return Error::internal(fmt::format("{}: {}", what, e.what()));
  switch (db_error->getErrorCode()) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Error::unavailable(fmt::format("{}: the database is busy; try again", what));
    case SQLITE_FULL:
      return Error::unavailable(fmt::format("{}: the disk is full; free space and try again (nothing was lost)", what));
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CANTOPEN:
      return Error::unavailable(fmt::format("{}: the database cannot be written ({}); check the file's and its "
                                            "directory's permissions, and whether its disk is mounted read-only",
                                            what, db_error->what()));
    case SQLITE_IOERR:
      return Error::unavailable(fmt::format("{}: input/output error ({}); check the disk", what, db_error->what()));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Error::internal(fmt::format("{}: the database file is damaged or not a dsr database ({}); restore "
                                         "it from a backup", what, db_error->what()));
    case SQLITE_CONSTRAINT:
      return Error::conflict(fmt::format("{}: {}", what, db_error->what()));
    default:
      return Error::internal(fmt::format("{}: {}", what, db_error->what()));
  }
}

}  // namespace dsr::storage
