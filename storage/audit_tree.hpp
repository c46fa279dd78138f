// The audit log's Merkle tree in the database: log_nodes holds the hash of
// every complete subtree by (level, index), level 0 being the leaf hashes,
// so that a root or a proof at any size is O(log n) lookups
// (engine/merkle.hpp does the maths). Leaf i is journal entry seq i + 1.
//
// append_leaf() runs on the writer, in the transaction that writes the
// journal row; the readers take any connection.
#pragma once

#include <SQLiteCpp/Database.h>

#include <cstdint>

#include "engine/merkle.hpp"
#include "storage/write_connection.hpp"

namespace dsr::storage {

// Stores the hash of leaf `index` and of each subtree it completes.
void append_leaf(WriteConnection& db, std::uint64_t index, const merkle::Hash& leaf_hash);

// The stored complete subtrees, read through `db` (throws if one is missing).
merkle::NodeSource stored_nodes(SQLite::Database& db);

// How many leaves the stored tree has.
std::uint64_t stored_tree_size(SQLite::Database& db);

}  // namespace dsr::storage
