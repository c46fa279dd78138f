#include "storage/postgres/pg_sequencer.hpp"

#include <fmt/format.h>

#include "engine/merkle.hpp"
#include "storage/audit_tree.hpp"
#include "storage/postgres/pg_lease.hpp"
#include "storage/postgres/pg_audit.hpp"

namespace dsr::storage::pg {
Result<std::size_t> Sequencer::run_once(std::size_t batch) {
  auto leased = pool_.lease();
  if (!leased) return fail(leased.error());
  // Idle, nothing is written: the lease is taken (a synchronous commit)
  // only when some entry is ready for its place.
  auto ready = (*leased)->exec("SELECT EXISTS (SELECT 1 FROM journal WHERE seq IS NULL "
                               "AND xid < pg_snapshot_xmin(pg_current_snapshot()))");
  if (!ready) return fail(ready.error());
  if (!ready->boolean(0, 0)) return std::size_t{0};
  return in_transaction(**leased, [&](Connection& c) -> Result<std::size_t> {
    // The lease, taken or renewed; its row stays locked until COMMIT.
    auto lease = hold_lease(c, "sequencer", {owner_, lease_});
    if (!lease) return fail(lease.error());
    if (!*lease) return std::size_t{0};  // another node's
    auto taken = c.exec(
        "SELECT id, leaf_hash FROM journal WHERE seq IS NULL AND xid < pg_snapshot_xmin(pg_current_snapshot()) "
        "ORDER BY id LIMIT $1",
        {static_cast<std::int64_t>(batch)});
    if (!taken) return fail(taken.error());
    if (taken->empty()) return std::size_t{0};
    auto tree = stored_edge(c);
    if (!tree) return fail(tree.error());
    // One statement for the batch: the ids, their seqs and their nodes (hex).
    std::string ids = "{", seqs = "{", nodes = "{";
    for (int i = 0; i < taken->size(); ++i) {
      Bytes leaf = taken->bytes(i, 1);
      merkle::Hash h{};
      if (leaf.size() != h.size()) return fail(Error::internal("a journal entry's leaf hash is not 32 bytes"));
      std::copy(leaf.begin(), leaf.end(), h.begin());
      std::uint64_t seq = tree->size() + 1;
      Bytes completed = node_bytes(tree->append(h));
      const char* sep = i == 0 ? "" : ",";
      ids += fmt::format("{}{}", sep, taken->integer(i, 0));
      seqs += fmt::format("{}{}", sep, seq);
      nodes += fmt::format("{}\"{}\"", sep, to_hex(completed));
    }
    ids += "}", seqs += "}", nodes += "}";
    auto updated = c.exec(
        "UPDATE journal j SET seq = u.seq, nodes = decode(u.nodes, 'hex') "
        "FROM unnest($1::bigint[], $2::bigint[], $3::text[]) AS u(id, seq, nodes) WHERE j.id = u.id",
        {ids, seqs, nodes});
    if (!updated) return fail(updated.error());
    if (updated->affected() != taken->size())
      return fail(Error::internal(fmt::format("sequenced {} of {} entries", updated->affected(), taken->size())));
    return static_cast<std::size_t>(taken->size());
  });
}

}  // namespace dsr::storage::pg
