// The journal and the audit log's tree on PostgreSQL checked as on SQLite
// (storage/journal.hpp verify_journal): the sequenced entries are numbered
// 1..n without gaps, each row's leaf (made again from its fields and salt)
// is the leaf hash it keeps, and the nodes each keeps are the hashes of the
// subtrees its leaf completes. Entries not sequenced yet are counted, not
// judged.
#pragma once

#include "engine/result.hpp"
#include "engine/merkle.hpp"
#include "storage/audit_tree.hpp"
#include "storage/journal.hpp"
#include "storage/postgres/pg_connection.hpp"

namespace dsr::storage::pg {

// The stored tree, as storage/audit_tree.hpp keeps it on SQLite: node
// (level, idx) in the row of entry (idx + 1) << level. The NodeSource
// throws std::runtime_error for a node that is not there.
merkle::NodeSource tree_nodes(Connection& c);
// How many entries are sequenced (the tree's size).
Result<std::uint64_t> tree_size(Connection& c);
// The tree's right edge as stored, for the sequencer to extend.
Result<TreeEdge> stored_edge(Connection& c);

struct PgJournalVerdict {
  JournalVerdict journal;
  std::int64_t unsequenced = 0;
};

Result<PgJournalVerdict> verify_journal(Connection& c);

}  // namespace dsr::storage::pg
