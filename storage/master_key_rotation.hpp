// What a database does for `dsr key rotate-master` (app/key_command.cpp),
// the same steps on both backends. The command has already written the
// key file with the new key in force and the old one beside it, and the
// database's MasterKey has read it (current = the new key):
//  1. announce(): in one transaction, the purpose keys sealed under the new
//     key (sealed_keys 'purpose'), the new key's id as the key new rows
//     must be wrapped under (meta master_key_current) and its check value.
//     From its commit on, no writer wraps a row under the old key: SQLite's
//     writer reads the announcement inside its write transaction,
//     PostgreSQL's holds it FOR SHARE (dsr_require_master_key), so the
//     announcement waits for writes begun before it.
//  2. rewrap() in batches, each its own short transaction: every subject
//     data key not under the new key is unwrapped (with the key its row
//     names) and wrapped again; the record itself is untouched.
//  3. left_under_other_keys() == 0: only then may the old key leave the
//     key file.
// Each step may be repeated: a run that stopped anywhere is resumed by
// running the command again. Readers open rows under either key meanwhile.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/result.hpp"

namespace dsr::storage {

struct RewrapBatch {
  std::size_t rewrapped = 0;  // rows now under the key in force
  std::string last_ref;       // where the next batch starts (after it); empty: no row was left
};

class MasterKeyRotation {
 public:
  virtual ~MasterKeyRotation() = default;
  virtual Status announce() = 0;
  // Up to `limit` rows after subject reference `after` ("" from the first).
  virtual Result<RewrapBatch> rewrap(std::string_view after, std::size_t limit) = 0;
  // Rows (subjects and sealed keys) under another key than the one in force.
  virtual Result<std::int64_t> left_under_other_keys() = 0;
};

}  // namespace dsr::storage
