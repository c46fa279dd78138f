// The master key rotation's steps on SQLite (storage/master_key_rotation.hpp),
// through the database's single writer: each batch is one transaction, and
// the writer of a `dsr serve` on the same file takes turns with it (WAL,
// busy timeout).
#pragma once

#include <memory>

#include "storage/database.hpp"
#include "storage/master_key_rotation.hpp"

namespace dsr::storage {

std::unique_ptr<MasterKeyRotation> sqlite_master_key_rotation(Database& db);

}  // namespace dsr::storage
