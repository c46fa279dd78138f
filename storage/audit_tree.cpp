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

void append_leaf(WriteConnection& db, std::uint64_t index, const merkle::Hash& leaf_hash) {
  auto& insert = db.prepared("INSERT INTO log_nodes (level, idx, hash) VALUES (?, ?, ?)");
  auto& select = db.prepared(kSelectNode);
  auto put = [&](int level, std::uint64_t idx, const merkle::Hash& h) {
    insert.reset();
    insert.bind(1, level);
    insert.bind(2, static_cast<std::int64_t>(idx));
    insert.bind(3, h.data(), static_cast<int>(h.size()));
    insert.exec();
  };
  put(0, index, leaf_hash);
  merkle::Hash right = leaf_hash;
  for (auto [level, idx] : merkle::completed_by(index)) {
    // The left sibling is stored; the right one was just computed.
    select.reset();
    select.bind(1, level - 1);
    select.bind(2, static_cast<std::int64_t>(2 * idx));
    if (!select.executeStep()) throw std::runtime_error(fmt::format("the tree lacks node ({}, {})", level - 1, 2 * idx));
    right = merkle::node_hash(hash_of(select.getColumn(0)), right);
    select.reset();
    put(level, idx, right);
  }
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
