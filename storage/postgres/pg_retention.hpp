// The retention sweep on PostgreSQL, as storage/retention_sweep.hpp has it
// on SQLite: the same rules, in one transaction. Several nodes may sweep:
// a transaction-level advisory lock lets one at a time do it, and the
// others' sweeps find it done (they answer an empty sweep).
#pragma once

#include "storage/postgres/pg_pool.hpp"
#include "storage/retention_sweep.hpp"

namespace dsr::storage::pg {

Result<RetentionSweep> sweep_retention(Pool& pool, const SlaCatalog& policies, const RetentionRules& defaults,
                                       TimePoint now);

}  // namespace dsr::storage::pg
