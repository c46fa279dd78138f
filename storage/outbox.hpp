// The outbox: messages to subjects written in the same transaction as the
// event that causes them, then delivered by a worker, at least once, with
// back-off, surviving restarts. Payloads are sealed (they hold contact data
// and codes); erasing a subject deletes its pending messages.
#pragma once

#include <vector>

#include "engine/ports.hpp"
#include "engine/request.hpp"
#include "storage/database.hpp"

namespace dsr::storage {

// A message sealed for the outbox, ready to insert. Sealing is done before
// the writer job (on the caller's thread), so that the one writer thread
// spends its time on the database only.
struct SealedMessage {
  std::string id;
  Bytes payload;
  std::string subject_ref;  // the message's own subject, if not the request's (OutgoingMessage::subject_ref)
  std::optional<TimePoint> not_before;  // its first attempt, if not at once (OutgoingMessage::not_before)
};
SealedMessage seal_message(const MasterKey& keys, const OutgoingMessage& message);
// The message outbox row `id` holds sealed.
Result<OutgoingMessage> open_message(const MasterKey& keys, const std::string& id, const Bytes& sealed);

// Inside a writer job: adds one message for `request`.
void enqueue_message(WriteConnection& db, const RequestHeader& request, const SealedMessage& message);

// A message tried once before it had a row (a receipt, see
// filing_receipts.hpp), and not delivered.
struct FailedFirstAttempt {
  TimePoint owed_since;               // retries stop at the delivery horizon counted from here
  std::string error;
  std::optional<TimePoint> retry_at;  // nullopt: past the horizon already, a dead letter
};
// Inside a writer job: adds it with that attempt counted.
void enqueue_message(WriteConnection& db, const RequestHeader& request, const SealedMessage& message,
                     const FailedFirstAttempt& first);

struct PendingMessage {
  std::string id;
  OutgoingMessage message;
  int attempts = 0;
  TimePoint created_at;  // retries stop at the delivery horizon counted from here
};

// The messages to subjects waiting in the outbox, as the delivery worker
// (app/outbox_worker.hpp) sees them on any backend. SQLite's one process
// reads them as they are; PostgreSQL's nodes claim the ones they are about
// to send (storage/postgres/pg_delivery.hpp).
class MessageQueue {
 public:
  virtual ~MessageQueue() = default;
  // Messages due for a (first or next) attempt at `now`, oldest first.
  virtual Result<std::vector<PendingMessage>> due(TimePoint now, int limit) = 0;
  // Marks these delivered, in one transaction.
  virtual Status delivered(const std::vector<std::string>& ids) = 0;
  // Schedules another attempt, or gives up (status failed) after the last.
  virtual Status attempt_failed(const std::string& id, const std::string& error, std::optional<TimePoint> retry_at) = 0;
  // Pending messages, for /readyz and tests.
  virtual Result<int> pending_count() const = 0;
};

// The columns a SubjectNoticeState is read from, in this order (both backends).
inline constexpr std::string_view kSubjectNoticeColumns =
    "id, subject_ref, status, attempts, COALESCE(last_error, ''), created_at, delivered_at, next_attempt_at";

class Outbox final : public MessageQueue, public SubjectNoticeLedger {
 public:
  explicit Outbox(Database& db) : db_(db) {}
  Result<std::vector<PendingMessage>> due(TimePoint now, int limit) override;
  Status delivered(const std::vector<std::string>& ids) override;
  Status attempt_failed(const std::string& id, const std::string& error, std::optional<TimePoint> retry_at) override;
  Result<int> pending_count() const override;
  Result<std::vector<SubjectNoticeState>> notices_of(std::string_view request_id) const override;

 private:
  Database& db_;
};

}  // namespace dsr::storage
