// The schema, as numbered migrations applied in order at start-up, each in
// its own transaction and recorded in schema_migrations. A database written
// by a newer dsr (a version this binary does not know) is refused rather
// than misread.
#pragma once

#include <SQLiteCpp/Database.h>

#include "engine/result.hpp"

namespace dsr::storage {

// The newest schema version this binary knows.
int latest_schema_version();

// Brings `db` up to the latest version (or to `up_to`, for tests that
// build an older database); idempotent.
Status migrate(SQLite::Database& db, int up_to = 0);

// The version recorded in `db` (0 for an empty database).
int schema_version(SQLite::Database& db);

}  // namespace dsr::storage
