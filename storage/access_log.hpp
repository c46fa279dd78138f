// The staff access log on SQLite (docs/access-log.md): each read of a
// subject's data by staff is a journal row of its own, a leaf of the audit
// log's tree, written through the group-commit writer so that concurrent
// reads share one commit (one fsync for the batch).
//
// Thread-safe like the other stores: reads from any thread, writes through
// the writer.
#pragma once

#include "engine/ports.hpp"
#include "storage/database.hpp"

namespace dsr::storage {

// The statement both backends page a subject's entries with, newest first:
// the position column (seq here, id on PostgreSQL) is the cursor.
inline constexpr const char* kAccessColumns = "name, principal, role, at, data, subject_ref";

// A cursor as a position; nullopt if it is not a number.
std::optional<std::int64_t> access_cursor_position(std::string_view cursor);

class SqliteAccessLog final : public AccessLog {
 public:
  explicit SqliteAccessLog(Database& db) : db_(db) {}
  void record(std::vector<AccessEntry> entries, std::function<void(Status)> done) override;
  Result<AccessLogPage> for_subject(std::string_view subject_ref, int limit,
                                    std::optional<std::string> cursor) const override;

 private:
  Database& db_;
};

}  // namespace dsr::storage
