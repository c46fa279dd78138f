#include "storage/audit_tree.hpp"

#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>

#include <memory>
#include <stdexcept>

namespace dsr::storage {

void TreeEdge::load(SQLite::Database& db) { *this = of(stored_tree_size(db), stored_nodes(db)); }

TreeEdge TreeEdge::of(std::uint64_t size, const merkle::NodeSource& nodes) {
  TreeEdge edge;
  edge.size_ = size;
  // The tree of n leaves is a perfect subtree for each bit set in n, the
  // largest leftmost.
  std::uint64_t covered = 0;
  for (int level = 63; level >= 0; --level) {
    std::uint64_t width = std::uint64_t{1} << level;
    if ((size & width) == 0) continue;
    edge.roots_.push_back(nodes(level, covered >> level));
    covered += width;
  }
  return edge;
}

std::vector<merkle::Hash> TreeEdge::append(const merkle::Hash& leaf_hash) {
  std::vector<merkle::Hash> completed;
  merkle::Hash right = leaf_hash;
  for (std::size_t i = 0; i < merkle::completed_by(size_).size(); ++i) {
    right = merkle::node_hash(roots_.back(), right);
    roots_.pop_back();
    completed.push_back(right);
  }
  roots_.push_back(right);
  ++size_;
  return completed;
}

Bytes node_bytes(const std::vector<merkle::Hash>& hashes) {
  Bytes out;
  out.reserve(hashes.size() * sizeof(merkle::Hash));
  for (const auto& h : hashes) out.insert(out.end(), h.begin(), h.end());
  return out;
}

merkle::NodeSource stored_nodes(SQLite::Database& db) {
  auto select = std::make_shared<SQLite::Statement>(db, "SELECT leaf_hash, nodes FROM journal WHERE seq = ?");
  return [select](int level, std::uint64_t idx) {
    auto missing = [&] { return std::runtime_error(fmt::format("the audit log's tree lacks node ({}, {})", level, idx)); };
    // The leaf that completes the node is the last one it covers.
    select->reset();
    select->bind(1, static_cast<std::int64_t>((idx + 1) << level));
    if (!select->executeStep()) throw missing();
    const SQLite::Column column = select->getColumn(level == 0 ? 0 : 1);
    auto offset = static_cast<std::size_t>(level == 0 ? 0 : level - 1) * sizeof(merkle::Hash);
    if (column.isNull() || static_cast<std::size_t>(column.getBytes()) < offset + sizeof(merkle::Hash)) throw missing();
    merkle::Hash h{};
    const auto* bytes = static_cast<const unsigned char*>(column.getBlob()) + offset;
    std::copy(bytes, bytes + h.size(), h.begin());
    select->reset();
    return h;
  };
}

std::uint64_t stored_tree_size(SQLite::Database& db) {
  // Walks back from the last entry: every entry but those of a journal
  // written before the tree (until they are given leaves) has one.
  SQLite::Statement q(db, "SELECT seq FROM journal WHERE leaf_hash IS NOT NULL ORDER BY seq DESC LIMIT 1");
  return q.executeStep() ? static_cast<std::uint64_t>(q.getColumn(0).getInt64()) : 0;
}

}  // namespace dsr::storage
