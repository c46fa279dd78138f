// The master key rotation's steps on PostgreSQL
// (storage/master_key_rotation.hpp). The announcement's UPDATE of
// meta.master_key_current waits for every subject write that holds the
// announced key FOR SHARE (dsr_require_master_key), so no row under the
// old key commits after it; each batch locks its rows (FOR UPDATE) while
// it re-wraps them, so a node writing one of them meanwhile waits.
#pragma once

#include <memory>

#include "storage/master_key_rotation.hpp"
#include "storage/postgres/pg_backend.hpp"

namespace dsr::storage::pg {

std::unique_ptr<MasterKeyRotation> master_key_rotation(Backend& backend);

}  // namespace dsr::storage::pg
