// The journal's rows on PostgreSQL, read back as the engine's events.
#pragma once

#include "engine/request.hpp"
#include "engine/result.hpp"
#include "storage/postgres/pg_connection.hpp"

namespace dsr::storage::pg {

// The columns event_at reads, in order.
inline constexpr const char* kEventColumns =
    "request_seq, name, principal, role, at, reason, reason_public, from_state, to_state, clock, outcome, data";

// The event in row `row`, whose kEventColumns start at column `first`.
Result<Event> event_at(const Rows& rows, int row, int first);

// The audit log leaf of row `row`, whose columns from `first` are
// kLeafColumns (storage/journal.hpp): an event's, or a staff access entry's.
Result<std::string> leaf_at(const Rows& rows, int row, int first);

}  // namespace dsr::storage::pg
