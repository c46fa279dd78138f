// The outbox on PostgreSQL, shared by every node: messages to subjects and
// notices to recipients. A node claims the rows it is about to send
// (FOR UPDATE SKIP LOCKED, then a claim with an expiry): two nodes never
// send one row at the same time, and the rows of a node that dies while
// sending are taken by another once its claim expires. Delivery stays at
// least once; a recipient sees the row's id as the Idempotency-Key of
// every attempt.
//
// Thread-safe: every call leases its own connection.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "engine/ports.hpp"
#include "storage/crypto.hpp"
#include "storage/outbox.hpp"
#include "storage/postgres/pg_executor.hpp"
#include "storage/postgres/pg_lease.hpp"
#include "storage/postgres/pg_pool.hpp"
#include "storage/recipient_notices.hpp"

namespace dsr::storage::pg {

// Gives back the work `node` claimed before it last stopped: a node that
// restarts after a crash takes it up again at once, instead of waiting for
// its own old claims to lapse. (Another node's claims are left alone.)
Status release_claims(Pool& pool, const std::string& node);

class PgOutbox final : public MessageQueue, public SubjectNoticeLedger {
 public:
  PgOutbox(Pool& pool, const MasterKey& keys, Claimant claimant) : pool_(pool), keys_(keys), claimant_(std::move(claimant)) {}
  // Claims the messages due at `now` that no other node holds, oldest first.
  Result<std::vector<PendingMessage>> due(TimePoint now, int limit) override;
  Status delivered(const std::vector<std::string>& ids) override;
  Status attempt_failed(const std::string& id, const std::string& error, std::optional<TimePoint> retry_at) override;
  Result<int> pending_count() const override;
  Result<std::vector<SubjectNoticeState>> notices_of(std::string_view request_id) const override;

 private:
  Pool& pool_;
  const MasterKey& keys_;
  Claimant claimant_;
};

class PgNotificationLedger final : public NotificationLedger, public NoticeQueue {
 public:
  PgNotificationLedger(Pool& pool, const MasterKey& keys, Executor& executor, Claimant claimant)
      : pool_(pool), keys_(keys), executor_(executor), claimant_(std::move(claimant)) {}

  Result<std::vector<RecipientNotification>> for_request(std::string_view request_id) const override;
  Result<RecipientNotification> find(std::string_view notification_id) const override;
  void acknowledge(std::string notification_id, TimePoint at, std::function<void(Status)> done) override;
  Result<std::vector<NoticeContent>> contents(std::string_view request_id) const override;

  // Claims the notices due at `now` that no other node holds.
  Result<std::vector<DueNotification>> due(TimePoint now, int limit) override;
  Status delivered(const std::string& id, TimePoint at) override;
  Status attempt_failed(const std::string& id, const std::string& error, std::optional<TimePoint> retry_at) override;
  Result<std::map<std::string, std::int64_t>> counts() const override;

 private:
  Pool& pool_;
  const MasterKey& keys_;
  Executor& executor_;
  Claimant claimant_;
};

}  // namespace dsr::storage::pg
