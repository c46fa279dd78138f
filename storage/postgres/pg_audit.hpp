// The journal and the audit log's tree on PostgreSQL checked as on SQLite
// (storage/journal.hpp verify_journal): the sequenced entries are numbered
// 1..n without gaps, each row's leaf (made again from its fields and salt)
// is the leaf hash it keeps, and the nodes each keeps are the hashes of the
// subtrees its leaf completes. Entries not sequenced yet are counted, not
// judged.
#pragma once

#include "engine/result.hpp"
#include "storage/journal.hpp"
#include "storage/postgres/pg_connection.hpp"

namespace dsr::storage::pg {

struct PgJournalVerdict {
  JournalVerdict journal;
  std::int64_t unsequenced = 0;
};

Result<PgJournalVerdict> verify_journal(Connection& c);

}  // namespace dsr::storage::pg
