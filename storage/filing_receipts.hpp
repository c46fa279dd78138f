// FilingReceipts: the receipt each new filing owes its subject ("we
// received your request, due on ..."), read from the requests table rather
// than queued in the outbox with the filing. Queuing it cost every filing a
// second row, its index entries and a later "delivered" update, all on the
// one writer thread; the durable filing rate fell by about half.
//
// How it stays at least once: the one writer commits requests rows in
// rowid order, so the rows after a mark are exactly the filings not yet
// receipted. The outbox worker reads a batch after the mark, sends the
// receipts, and only then moves the mark past the batch (in `meta`, key
// receipts_through). A crash in between sends the batch again. A receipt
// that fails becomes an ordinary outbox row, with its first attempt
// counted, in the same transaction as the move; from there it is retried
// and dead-lettered like every other message.
//
// This relies on requests rows never being deleted (the journal refers to
// them and the audit log's tree forbids it): a deleted last row would let the
// next filing reuse its rowid, behind the mark.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/ports.hpp"
#include "engine/request.hpp"
#include "storage/database.hpp"
#include "storage/outbox.hpp"

namespace dsr::storage {

// A filing whose receipt is owed.
struct OwedReceipt {
  std::int64_t position = 0;  // the requests row's rowid: commit order
  RequestHeader request;
  TimePoint received_at;
  std::string details_json;   // the form, opened; empty when none is kept (e.g. erased)
};

// A receipt the sink did not take, to be retried from the outbox.
struct UndeliveredReceipt {
  RequestHeader request;
  OutgoingMessage message;
  FailedFirstAttempt attempt;
};

// Opens an owed filing's sealed form (empty: none kept) into `owed`.
Status open_owed_details(const MasterKey& keys, OwedReceipt& owed, const Bytes& sealed_details);

// The receipts new filings owe, as the delivery worker sees them on any
// backend (PostgreSQL's: storage/postgres/pg_receipts.hpp).
class ReceiptQueue {
 public:
  virtual ~ReceiptQueue() = default;
  // Filings after the mark, oldest first, at most `limit`.
  virtual Result<std::vector<OwedReceipt>> owed(int limit) const = 0;
  // Moves the mark to `through` (the last position handled; never back)
  // and queues the undelivered receipts in the outbox, in one transaction.
  virtual Status handled(std::int64_t through, const std::vector<UndeliveredReceipt>& undelivered) = 0;
};

class FilingReceipts final : public ReceiptQueue {
 public:
  explicit FilingReceipts(Database& db) : db_(db) {}
  Result<std::vector<OwedReceipt>> owed(int limit) const override;
  Status handled(std::int64_t through, const std::vector<UndeliveredReceipt>& undelivered) override;

 private:
  Database& db_;
};

}  // namespace dsr::storage
