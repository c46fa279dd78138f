#include "storage/audit_tree.hpp"

#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>

#include <memory>
#include <stdexcept>

namespace dsr::storage {
namespace {

merkle::Hash hash_of(const SQLite::Column& column) {
  merkle::Hash h{};
  if (column.getBytes() != static_cast<int>(h.size())) throw std::runtime_error("a stored tree node is not 32 bytes");
  const auto* bytes = static_cast<const unsigned char*>(column.getBlob());
  std::copy(bytes, bytes + h.size(), h.begin());
  return h;
}

constexpr const char* kSelectNode = "SELECT hash FROM log_nodes WHERE level = ? AND idx = ?";

}  // namespace

void TreeEdge::load(SQLite::Database& db) {
  size_ = stored_tree_size(db);
  roots_.clear();
  // The tree of n leaves is a perfect subtree for each bit set in n, the
  // largest leftmost.
  auto nodes = stored_nodes(db);
  std::uint64_t covered = 0;
  for (int level = 63; level >= 0; --level) {
    std::uint64_t width = std::uint64_t{1} << level;
    if ((size_ & width) == 0) continue;
    roots_.push_back(nodes(level, covered >> level));
    covered += width;
  }
}

void TreeEdge::append(WriteConnection& db, const merkle::Hash& leaf_hash) {
  auto& insert = db.prepared("INSERT INTO log_nodes (level, idx, hash) VALUES (?, ?, ?)");
  auto put = [&](int level, std::uint64_t idx, const merkle::Hash& h) {
    insert.reset();
    insert.bind(1, level);
    insert.bind(2, static_cast<std::int64_t>(idx));
    insert.bind(3, h.data(), static_cast<int>(h.size()));
    insert.exec();
  };
  put(0, size_, leaf_hash);
  merkle::Hash right = leaf_hash;
  for (auto [level, idx] : merkle::completed_by(size_)) {
    right = merkle::node_hash(roots_.back(), right);
    roots_.pop_back();
    put(level, idx, right);
  }
  roots_.push_back(right);
  ++size_;
}

merkle::NodeSource stored_nodes(SQLite::Database& db) {
  auto select = std::make_shared<SQLite::Statement>(db, kSelectNode);
  return [select](int level, std::uint64_t idx) {
    select->reset();
    select->bind(1, level);
    select->bind(2, static_cast<std::int64_t>(idx));
    if (!select->executeStep())
      throw std::runtime_error(fmt::format("the audit log's tree lacks node ({}, {})", level, idx));
    merkle::Hash h = hash_of(select->getColumn(0));
    select->reset();
    return h;
  };
}

std::uint64_t stored_tree_size(SQLite::Database& db) {
  SQLite::Statement q(db, "SELECT COALESCE(MAX(idx) + 1, 0) FROM log_nodes WHERE level = 0");
  q.executeStep();
  return static_cast<std::uint64_t>(q.getColumn(0).getInt64());
}

}  // namespace dsr::storage
