#include "storage/access_log.hpp"

#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>

#include <charconv>

#include "storage/journal.hpp"
#include "storage/sqlite_values.hpp"

namespace dsr::storage {

std::optional<std::int64_t> access_cursor_position(std::string_view cursor) {
  std::int64_t position = 0;
  auto [end, ec] = std::from_chars(cursor.data(), cursor.data() + cursor.size(), position);
  if (ec != std::errc{} || end != cursor.data() + cursor.size() || position < 1) return std::nullopt;
  return position;
}

void SqliteAccessLog::record(std::vector<AccessEntry> entries, std::function<void(Status)> done) {
  if (entries.empty()) return done(ok_status());
  // The leaves (salt, JSON, hash) are made here, off the writer thread.
  std::vector<AuditLeaf> leaves;
  for (const auto& e : entries) leaves.push_back(make_access_leaf(e));
  db_.writer().submit(
      [this, entries = std::move(entries), leaves = std::move(leaves)](WriteConnection& db) -> Status {
        JournalAppender& journal = db_.journal();
        JournalAppender::Position before = journal.position();
        try {
          for (std::size_t i = 0; i < entries.size(); ++i) journal.append_access(db, entries[i], leaves[i]);
        } catch (...) {
          journal.restore(std::move(before));
          throw;
        }
        return ok_status();
      },
      std::move(done));
}

Result<AccessLogPage> SqliteAccessLog::for_subject(std::string_view subject_ref, int limit,
                                                   std::optional<std::string> cursor) const {
  return db_.read("reading the access log", [&](SQLite::Database& db) -> Result<AccessLogPage> {
    std::optional<std::int64_t> after;
    if (cursor) {
      after = access_cursor_position(*cursor);
      // A cursor is the position of an entry of this subject that a page ended on.
      bool known = false;
      if (after) {
        SQLite::Statement q(db, "SELECT 1 FROM journal WHERE seq = ? AND subject_ref = ?");
        q.bind(1, *after);
        q.bind(2, std::string(subject_ref));
        known = q.executeStep();
      }
      if (!known) return fail(Error::invalid_argument("not a cursor this list gave out; start again without one"));
    }
    SQLite::Statement q(db, fmt::format("SELECT seq, {} FROM journal WHERE subject_ref = ?1 AND (?2 IS NULL OR seq < ?2) "
                                        "ORDER BY seq DESC LIMIT ?3",
                                        kAccessColumns));
    q.bind(1, std::string(subject_ref));
    if (after) q.bind(2, *after);
    else q.bind(2);
    q.bind(3, limit + 1);
    AccessLogPage page;
    std::int64_t last = 0;
    while (q.executeStep()) {
      if (static_cast<int>(page.items.size()) == limit) {
        page.next_cursor = std::to_string(last);
        break;
      }
      auto entry = access_entry_of(q.getColumn(1).getString(), q.getColumn(2).getString(), q.getColumn(3).getString(),
                                   q.getColumn(4).getInt64(), column_blob(q.getColumn(5)), q.getColumn(6).getString());
      if (!entry) return fail(entry.error());
      last = q.getColumn(0).getInt64();
      page.items.push_back(std::move(entry).value());
    }
    return page;
  });
}

}  // namespace dsr::storage
