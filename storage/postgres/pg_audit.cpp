#include "storage/postgres/pg_audit.hpp"

#include <fmt/format.h>

#include "storage/audit_leaf.hpp"
#include "storage/audit_tree.hpp"
#include "storage/postgres/pg_journal.hpp"

namespace dsr::storage::pg {

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
    auto rows = c.exec(std::string("SELECT seq, request_id, ") + kEventColumns +
                           ", salt, erased_reason, leaf_hash, nodes FROM journal "
                           "WHERE seq >= $1 ORDER BY seq LIMIT $2",
                       {expected, kPage});
    if (!rows) return fail(rows.error());
    for (int i = 0; i < rows->size(); ++i) {
      std::int64_t seq = rows->integer(i, 0);
      std::string request_id = rows->text(i, 1);
      auto broken = [&](std::int64_t at, std::string request, std::string problem) {
        v.ok = false;
        v.first_bad_event = at;
        v.first_bad_request = std::move(request);
        v.problem = std::move(problem);
        return out;
      };
      if (seq != expected) return broken(expected, "", fmt::format("event {} is missing (the next is {})", expected, seq));
      auto e = event_at(*rows, i, 2);
      if (!e) return broken(seq, request_id, "the row holds values dsr never writes");
      std::optional<std::string> erased;
      if (!rows->null(i, 15)) erased = rows->text(i, 15);
      std::string leaf;
      try {
        leaf = event_leaf(request_id, *e, rows->text(i, 14), erased);
      } catch (const std::invalid_argument&) {
        return broken(seq, request_id, "its leaf salt is not one dsr made");
      }
      merkle::Hash h = merkle::leaf_hash(as_bytes(leaf));
      if (rows->bytes(i, 16) != Bytes(h.begin(), h.end()))
        return broken(seq, request_id, "its leaf in the audit log does not match the event");
      std::uint64_t index = tree.size();
      Bytes completed = node_bytes(tree.append(h));
      if (rows->null(i, 17) || rows->bytes(i, 17) != completed)
        return broken(seq, request_id,
                      fmt::format("the audit log's stored nodes of leaf {} are not the hashes of what they cover", index));
      ++v.events;
      ++expected;
    }
    if (rows->size() < kPage) break;
  }
  return out;
}

}  // namespace dsr::storage::pg
