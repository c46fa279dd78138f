// The receipts filings owe their subjects, on PostgreSQL. As on SQLite
// (storage/filing_receipts.hpp) they are read from the stored filings, not
// queued with them, behind a mark (meta 'receipts_through'); here the order
// is the audit log's: a filing's position is the seq of its first entry,
// which the sequencer gives once and never behind an earlier one. A filing
// owes its receipt once it is sequenced (moments after it is committed).
#pragma once

#include "storage/filing_receipts.hpp"
#include "storage/postgres/pg_lease.hpp"
#include "storage/postgres/pg_pool.hpp"

namespace dsr::storage::pg {

// One node at a time sends the receipts (the lease 'receipts'): with a
// mark, not rows, to claim, two nodes would otherwise send each one twice.
class PgFilingReceipts final : public ReceiptQueue {
 public:
  PgFilingReceipts(Pool& pool, const MasterKey& keys, Claimant claimant)
      : pool_(pool), keys_(keys), claimant_(std::move(claimant)) {}
  // Sequenced filings after the mark, oldest first, at most `limit`; none
  // while another node holds the lease.
  Result<std::vector<OwedReceipt>> owed(int limit) const override;
  // Moves the mark to `through` (never back) and queues the undelivered
  // receipts in the outbox, in one transaction.
  Status handled(std::int64_t through, const std::vector<UndeliveredReceipt>& undelivered) override;

 private:
  Pool& pool_;
  const MasterKey& keys_;
  Claimant claimant_;
};

// How many filings owe their receipt (sequenced or not yet).
Result<std::int64_t> count_owed_receipts(Connection& c);

}  // namespace dsr::storage::pg
