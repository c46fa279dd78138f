// The audit log's Merkle tree in the database, kept in the journal rows
// themselves: entry seq (leaf seq - 1) holds its leaf hash and the hashes
// of the complete subtrees its leaf completes (level 1 first). Node
// (level L, index k) covers leaves [k * 2^L, (k + 1) * 2^L), so it is
// completed by leaf (k + 1) * 2^L - 1: entry (k + 1) << L. A root or a
// proof at any size is O(log n) lookups by primary key
// (engine/merkle.hpp does the maths), and an append writes only the row
// the journal writes anyway: no table of its own, no extra pages per commit.
#pragma once

#include <SQLiteCpp/Database.h>

#include <cstdint>
#include <vector>

#include "engine/merkle.hpp"
#include "storage/crypto.hpp"
#include "storage/write_connection.hpp"

namespace dsr::storage {

// The tree's right edge: the roots of the complete subtrees that make up
// the tree, largest first (a compact range, as transparency-dev/merkle calls
// it). Kept in memory by the writer, so that appending a leaf reads
// nothing: every subtree the leaf completes pairs with a root held here.
class TreeEdge {
 public:
  // Reads the edge of the stored tree.
  void load(SQLite::Database& db);
  // The edge of a tree of `size` leaves whose complete subtrees `nodes`
  // gives (it throws if one is missing).
  static TreeEdge of(std::uint64_t size, const merkle::NodeSource& nodes);
  // Adds the next leaf; returns the hashes of the subtrees it completes,
  // level 1 first, as its journal row keeps them (node_bytes).
  std::vector<merkle::Hash> append(const merkle::Hash& leaf_hash);
  std::uint64_t size() const { return size_; }

 private:
  std::uint64_t size_ = 0;
  std::vector<merkle::Hash> roots_;
};

// The hashes concatenated, as journal.nodes holds them.
Bytes node_bytes(const std::vector<merkle::Hash>& hashes);

// The stored complete subtrees, read through `db` (throws if one is missing).
merkle::NodeSource stored_nodes(SQLite::Database& db);

// How many leaves the stored tree has.
std::uint64_t stored_tree_size(SQLite::Database& db);

}  // namespace dsr::storage
