// The audit log's Merkle tree in the database: log_nodes holds the hash of
// every complete subtree by (level, index), level 0 being the leaf hashes,
// so that a root or a proof at any size is O(log n) lookups
// (engine/merkle.hpp does the maths). Leaf i is journal entry seq i + 1.
//
// TreeEdge extends the tree on the writer, in the transaction that writes
// the journal rows; the readers take any connection.
#pragma once

#include <SQLiteCpp/Database.h>

#include <cstdint>
#include <vector>

#include "engine/merkle.hpp"
#include "storage/write_connection.hpp"

namespace dsr::storage {

// The tree's right edge: the roots of the complete subtrees that make up
// the tree, largest first (a compact range, as transparency-dev/merkle calls
// it). Kept in memory by the writer, so that appending a leaf reads
// nothing: every subtree the leaf completes is paired with a root held here.
class TreeEdge {
 public:
  // Reads the edge of the stored tree.
  void load(SQLite::Database& db);
  // Stores the hash of the next leaf and of each subtree it completes.
  void append(WriteConnection& db, const merkle::Hash& leaf_hash);
  std::uint64_t size() const { return size_; }

 private:
  std::uint64_t size_ = 0;
  std::vector<merkle::Hash> roots_;
};

// The stored complete subtrees, read through `db` (throws if one is missing).
merkle::NodeSource stored_nodes(SQLite::Database& db);

// How many leaves the stored tree has.
std::uint64_t stored_tree_size(SQLite::Database& db);

}  // namespace dsr::storage
