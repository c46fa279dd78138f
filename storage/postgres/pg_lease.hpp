// Duties that one node at a time performs (sequencing the audit log,
// sending the receipts), and work claimed row by row (messages), name who
// holds them and until when. A node that dies holding a duty loses it when
// the hold lapses; a node that comes back under the same name takes its
// own duty up again at once.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "engine/result.hpp"
#include "storage/postgres/pg_connection.hpp"

namespace dsr::storage::pg {

// Who claims, and for how long a claim holds.
struct Claimant {
  std::string node;
  std::chrono::seconds hold{60};
};

// Takes or renews the lease on `duty` (a row of `leases`) for `who`: true
// while it is theirs, false while another node's has not lapsed. In a
// transaction, the row stays locked until it ends.
Result<bool> hold_lease(Connection& c, std::string_view duty, const Claimant& who);

}  // namespace dsr::storage::pg
