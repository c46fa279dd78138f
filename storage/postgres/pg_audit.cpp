#include "storage/postgres/pg_audit.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "storage/audit_leaf.hpp"
#include "storage/audit_tree.hpp"
#include "storage/postgres/pg_journal.hpp"

namespace dsr::storage::pg {

merkle::NodeSource tree_nodes(Connection& c) {
  return [&c](int level, std::uint64_t idx) {
    auto row = c.exec("SELECT leaf_hash, nodes FROM journal WHERE seq = $1", {static_cast<std::int64_t>((idx + 1) << level)});
    if (!row) throw std::runtime_error(row.error().message);
    int column = level == 0 ? 0 : 1;
    std::size_t offset = static_cast<std::size_t>(level == 0 ? 0 : level - 1) * sizeof(merkle::Hash);
    Bytes bytes = row->empty() || row->null(0, column) ? Bytes{} : row->bytes(0, column);
    if (bytes.size() < offset + sizeof(merkle::Hash))
      throw std::runtime_error(fmt::format("the audit log's tree lacks node ({}, {})", level, idx));
    merkle::Hash h{};
    std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(offset), h.size(), h.begin());
    return h;
  };
}

Result<std::uint64_t> tree_size(Connection& c) {
  auto row = c.exec("SELECT COALESCE(MAX(seq), 0) FROM journal");
  if (!row) return fail(row.error());
  return static_cast<std::uint64_t>(row->integer(0, 0));
}

Result<TreeEdge> stored_edge(Connection& c) {
  auto size = tree_size(c);
  if (!size) return fail(size.error());
  try {
    return TreeEdge::of(*size, tree_nodes(c));
  } catch (const std::runtime_error& missing) {
    return fail(Error::internal(missing.what()));
  }
}

Result<PgJournalVerdict> verify_journal(Connection& c) {
  PgJournalVerdict out;
  JournalVerdict& v = out.journal;
  auto unsequenced = c.exec("SELECT COUNT(*) FROM journal WHERE seq IS NULL");
  if (!unsequenced) return fail(unsequenced.error());
  out.unsequenced = unsequenced->integer(0, 0);
  TreeEdge tree;
  std::int64_t expected = 1;
  constexpr std::int64_t kPage = 5000;
  for (;;) {
    // A page at a time, in seq order, so that memory stays bounded.
    auto rows = c.exec(std::string("SELECT seq, ") + kLeafColumns + ", leaf_hash, nodes FROM journal "
                           "WHERE seq >= $1 ORDER BY seq LIMIT $2",
                       {expected, kPage});
    if (!rows) return fail(rows.error());
    for (int i = 0; i < rows->size(); ++i) {
      std::int64_t seq = rows->integer(i, 0);
      std::string request_id = rows->null(i, 1) ? "" : rows->text(i, 1);  // none: an access entry
      auto broken = [&](std::int64_t at, std::string request, std::string problem) {
        v.ok = false;
        v.first_bad_event = at;
        v.first_bad_request = std::move(request);
        v.problem = std::move(problem);
        return out;
      };
      if (seq != expected) return broken(expected, "", fmt::format("event {} is missing (the next is {})", expected, seq));
      auto leaf = leaf_at(*rows, i, 1);
      if (!leaf) return broken(seq, request_id, "its leaf cannot be made: the row holds values dsr never writes");
      merkle::Hash h = merkle::leaf_hash(as_bytes(*leaf));
      if (rows->bytes(i, 1 + kLeafColumnCount) != Bytes(h.begin(), h.end()))
        return broken(seq, request_id, "its leaf in the audit log does not match the event");
      std::uint64_t index = tree.size();
      Bytes completed = node_bytes(tree.append(h));
      if (rows->null(i, 2 + kLeafColumnCount) || rows->bytes(i, 2 + kLeafColumnCount) != completed)
        return broken(seq, request_id,
                      fmt::format("the audit log's stored nodes of leaf {} are not the hashes of what they cover", index));
      ++v.events;
      ++expected;
    }
    if (rows->size() < kPage) break;
  }
  // The cached request rows must agree with the journal they summarise.
  auto cache = c.exec(kRequestsAgainstJournal);
  if (!cache) return fail(cache.error());
  for (int i = 0; i < cache->size(); ++i) {
    std::string wrong = request_row_disagrees(cache->integer(i, 1), cache->text(i, 2), cache->integer(i, 3),
                                              cache->null(i, 4) ? "" : cache->text(i, 4));
    if (wrong.empty()) continue;
    v.ok = false;
    v.first_bad_event = cache->null(i, 5) ? 0 : cache->integer(i, 5);
    v.first_bad_request = cache->text(i, 0);
    v.problem = wrong;
    return out;
  }
  return out;
}

}  // namespace dsr::storage::pg
