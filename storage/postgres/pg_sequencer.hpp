// The audit log's sequencer on PostgreSQL. A filing's transaction writes
// its journal entries unsequenced; on PostgreSQL commit order is not id
// order (a row with a lower id can become visible after one with a higher
// id), so the entries get their places in the log here, afterwards, as
// Trillian sequences a Certificate Transparency log:
//
//   1. One sequencer at a time: a lease row ('sequencer' in leases), held
//      by one owner until it expires, and locked by the round's own
//      transaction, so that two rounds never overlap.
//   2. Each entry is taken once: it has no seq until taken, and gets it in
//      the transaction that takes it. Only entries whose transaction is
//      older than the oldest one still running (the snapshot's xmin) are
//      taken: every transaction before that has ended, so an entry of an
//      older transaction never turns up after younger ones were given
//      their places (the log's order follows the order transactions
//      began, across rounds). A long transaction anywhere in the cluster
//      holds sequencing back until it ends; it never holds back filings.
//   3. Each taken entry, in id order, gets the next seq and the hashes of
//      the subtrees its leaf completes, in the same transaction.
//
// Filings never wait on it: they write rows, the sequencer updates them.
//
// Thread-safety: one thread per Sequencer; any number of Sequencers (one
// per node) may run against one database.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "engine/result.hpp"
#include "storage/postgres/pg_pool.hpp"

namespace dsr::storage::pg {

class Sequencer {
 public:
  Sequencer(Pool& pool, std::string owner, std::chrono::seconds lease = std::chrono::seconds(10))
      : pool_(pool), owner_(std::move(owner)), lease_(lease) {}

  // One round: how many entries were given their place; 0 when there was
  // nothing to take or another owner holds the lease.
  Result<std::size_t> run_once(std::size_t batch = 2000);

 private:
  Pool& pool_;
  std::string owner_;
  std::chrono::seconds lease_;
};

}  // namespace dsr::storage::pg
