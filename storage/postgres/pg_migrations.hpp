// PostgreSQL's schema, as numbered migrations run at start. They run in
// one transaction under an advisory lock, so that two nodes starting
// together apply each migration once: the second waits, then finds them
// applied. PostgreSQL's DDL is transactional, so a migration that fails
// leaves nothing half done.
#pragma once

#include "engine/result.hpp"
#include "storage/postgres/pg_connection.hpp"

namespace dsr::storage::pg {

int latest_schema_version();
// The version applied, 0 for an empty database.
Result<int> schema_version(Connection& c);
// Applies every migration not yet applied (up to `up_to`, if given).
Status migrate(Connection& c, int up_to = 0);

}  // namespace dsr::storage::pg
