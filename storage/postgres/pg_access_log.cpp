#include "storage/postgres/pg_access_log.hpp"

#include <fmt/format.h>

#include "storage/access_log.hpp"
#include "storage/journal.hpp"
#include "storage/sqlite_values.hpp"

namespace dsr::storage::pg {

void PgAccessLog::record(std::vector<AccessEntry> entries, std::function<void(Status)> done) {
  if (entries.empty()) return done(ok_status());
  std::vector<Statement> rows;
  for (const auto& e : entries) {
    AuditLeaf leaf = make_access_leaf(e);
    rows.push_back({"INSERT INTO journal (request_id, request_seq, name, principal, role, at, reason, reason_public, "
                    "from_state, to_state, clock, outcome, data, salt, leaf_hash, subject_ref) "
                    "VALUES (NULL, NULL, $1, $2, $3, $4, '', false, '', '', 'none', '', $5, $6, $7, $8)",
                    {e.route, e.principal, std::string(to_string(e.role)), unix_seconds(e.at),
                     encode_event_data(access_data(e)), leaf.salt, Bytes(leaf.hash.begin(), leaf.hash.end()),
                     e.subject_ref}});
  }
  executor_.post([this, rows = std::move(rows), done = std::move(done)]() mutable {
    auto written = pool_.with([&](Connection& c) { return c.transaction(rows); });
    if (!written) return done(fail(written.error()));
    done(ok_status());
  });
}

Result<AccessLogPage> PgAccessLog::for_subject(std::string_view subject_ref, int limit,
                                               std::optional<std::string> cursor) const {
  return pool_.with([&](Connection& c) -> Result<AccessLogPage> {
    std::optional<std::int64_t> after;
    if (cursor) {
      after = access_cursor_position(*cursor);
      bool known = false;
      if (after) {
        auto found = c.exec("SELECT 1 FROM journal WHERE id = $1 AND subject_ref = $2", {*after, std::string(subject_ref)});
        if (!found) return fail(found.error());
        known = !found->empty();
      }
      if (!known) return fail(Error::invalid_argument("not a cursor this list gave out; start again without one"));
    }
    auto rows = c.exec(fmt::format("SELECT id, {} FROM journal WHERE subject_ref = $1 AND ($2::bigint IS NULL OR id < $2) "
                                   "ORDER BY id DESC LIMIT $3",
                                   kAccessColumns),
                       {std::string(subject_ref), after ? Param(*after) : Param(nullptr), std::int64_t{limit + 1}});
    if (!rows) return fail(rows.error());
    AccessLogPage page;
    for (int i = 0; i < rows->size(); ++i) {
      if (i == limit) {
        page.next_cursor = std::to_string(rows->integer(i - 1, 0));
        break;
      }
      auto entry = access_entry_of(rows->text(i, 1), rows->text(i, 2), rows->text(i, 3), rows->integer(i, 4),
                                   rows->bytes(i, 5), rows->text(i, 6));
      if (!entry) return fail(entry.error());
      page.items.push_back(std::move(entry).value());
    }
    return page;
  });
}

}  // namespace dsr::storage::pg
