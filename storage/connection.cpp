#include "storage/connection.hpp"

#include <fmt/format.h>

#include <sqlite3.h>

#include <atomic>

namespace dsr::storage {
namespace {
constexpr int kBusyTimeoutMs = 5000;
bool in_memory(const std::string& target) { return target.starts_with("file:dsr-memory-"); }
// Process-wide SQLite settings, once, before the first connection: no
// global memory statistics (a mutex every allocation takes).
void configure_sqlite() {
  static const bool configured = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  (void)configured;
}

}  // namespace

std::string connection_target(const std::string& path) {
  if (path != ":memory:") return path;
  static std::atomic<int> counter{0};
  return fmt::format("file:dsr-memory-{}?mode=memory&cache=shared", ++counter);
}

// Each connection is used by one thread at a time (the writer thread, or a
// reader leased from the pool), so SQLite's per-connection mutex is off.
std::unique_ptr<SQLite::Database> open_writer(const std::string& target) {
  configure_sqlite();
  int shared = in_memory(target) ? SQLite::OPEN_FULLMUTEX : SQLite::OPEN_NOMUTEX;
  auto db = std::make_unique<SQLite::Database>(
      target, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_URI | shared);
  db->setBusyTimeout(kBusyTimeoutMs);
  if (!in_memory(target)) db->exec("PRAGMA journal_mode=WAL");
  db->exec("PRAGMA synchronous=FULL");
  db->exec("PRAGMA foreign_keys=ON");
  db->exec("PRAGMA secure_delete=ON");
  return db;
}

std::unique_ptr<SQLite::Database> open_reader(const std::string& target) {
  configure_sqlite();
  auto db = std::make_unique<SQLite::Database>(target, SQLite::OPEN_READONLY | SQLite::OPEN_URI | SQLite::OPEN_NOMUTEX);
  db->setBusyTimeout(kBusyTimeoutMs);
  db->exec("PRAGMA foreign_keys=ON");
  if (in_memory(target)) db->exec("PRAGMA read_uncommitted=OFF");
  return db;
}

}  // namespace dsr::storage
