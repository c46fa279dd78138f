#include "storage/postgres/pg_journal.hpp"

#include "engine/workflow.hpp"
#include "storage/audit_leaf.hpp"
#include "storage/journal.hpp"

#include <stdexcept>

namespace dsr::storage::pg {

Result<Event> event_at(const Rows& rows, int row, int first) {
  auto column = [&](int i) { return first + i; };
  auto role = parse_role(rows.text(row, column(3)));
  auto clock = parse_clock_effect(rows.text(row, column(9)));
  auto data = decode_event_data(rows.bytes(row, column(11)));
  if (!role || !clock || !data) return fail(Error::internal("a journal row holds values dsr never writes"));
  Event e;
  e.sequence = rows.integer(row, column(0));
  e.name = rows.text(row, column(1));
  e.actor = {rows.text(row, column(2)), *role};
  e.at = TimePoint{std::chrono::seconds{rows.integer(row, column(4))}};
  e.reason = rows.text(row, column(5));
  e.reason_public = rows.boolean(row, column(6));
  e.from_state = rows.text(row, column(7));
  e.to_state = rows.text(row, column(8));
  e.clock = *clock;
  e.outcome = rows.text(row, column(10));
  e.data = std::move(data).value();
  return e;
}

Result<std::string> leaf_at(const Rows& rows, int row, int first) {
  try {
    if (!rows.null(row, first + 15)) {  // a staff access entry
      auto entry = access_entry_of(rows.text(row, first + 2), rows.text(row, first + 3), rows.text(row, first + 4),
                                   rows.integer(row, first + 5), rows.bytes(row, first + 12),
                                   rows.text(row, first + 15));
      if (!entry) return fail(entry.error());
      return access_leaf(*entry, rows.text(row, first + 13));
    }
    auto e = event_at(rows, row, first + 1);
    if (!e) return fail(e.error());
    std::optional<std::string> erased;
    if (!rows.null(row, first + 14)) erased = rows.text(row, first + 14);
    return event_leaf(rows.text(row, first), *e, rows.text(row, first + 13), erased);
  } catch (const std::invalid_argument& bad_salt) {
    return fail(Error::internal(bad_salt.what()));
  }
}

}  // namespace dsr::storage::pg
