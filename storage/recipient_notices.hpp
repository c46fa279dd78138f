// Recipient notifications at rest (policy D.2): one outbox row per
// recipient that ever received a subject's data, written in the same
// transaction as the fulfilment that makes them due. The payload (the NIK
// and the changes) is sealed; it survives the subject's erasure, since the
// recipients must still be told which person to erase.
//
// Thread-safe like the other stores: reads from any thread, writes through
// the group-commit writer.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/ports.hpp"
#include "engine/request.hpp"
#include "engine/store.hpp"
#include "storage/database.hpp"

namespace dsr::storage {

// Inside a writer job: queues one notice per recipient the fulfilment
// names (every recipient of the subject's data; those of a purpose; the
// one a transfer goes to); answers how many there were.
int enqueue_recipient_notifications(WriteConnection& db, const MasterKey& keys, const RequestHeader& request,
                                    const std::string& nik, const Fulfilment& f, const std::string& fields_json);

// Inside a writer job: one subject's release to an authority (policy D.7),
// as a notice to the authority carrying the data asked for.
void enqueue_release_notice(WriteConnection& db, const MasterKey& keys, const RequestHeader& request,
                            const ReleasedSubject& released);

// A notice the worker should (re)send now, with what it needs to send it.
struct DueNotification {
  RecipientNotification notification;
  std::string request_type;
  std::string webhook_url;     // empty: the recipient has no webhook (an institution reading through the API)
  std::string signing_secret;
  std::string nik;
  std::string changes_json;    // a JSON array
  std::string fields_json = "{}";  // further fields of the body (purpose, restriction, export)
};

// A notice's sealed payload, opened.
struct OpenedNotice {
  std::string nik;
  std::string changes_json;        // a JSON array
  std::string fields_json = "{}";  // a JSON object
};
Result<OpenedNotice> open_notice_payload(const MasterKey& keys, const std::string& notice_id, const Bytes& sealed_payload);

// Opens a due notice's sealed payload (NIK, changes) and its recipient's
// sealed signing secret into `due`.
Status open_notice(const MasterKey& keys, DueNotification& due, const Bytes& payload, const Bytes& secret);

// The notices owed to recipients, as the notification worker
// (app/notification_worker.hpp) sees them on any backend (PostgreSQL's
// nodes claim what they send: storage/postgres/pg_delivery.hpp).
class NoticeQueue {
 public:
  virtual ~NoticeQueue() = default;
  // Pending notices whose next attempt is due at `now`, oldest first.
  virtual Result<std::vector<DueNotification>> due(TimePoint now, int limit) = 0;
  virtual Status delivered(const std::string& id, TimePoint at) = 0;
  // Another attempt at `retry_at`, or the dead letter (failed) without one.
  virtual Status attempt_failed(const std::string& id, const std::string& error, std::optional<TimePoint> retry_at) = 0;
  // Counts by status, for /metrics.
  virtual Result<std::map<std::string, std::int64_t>> counts() const = 0;
};

class SqliteNotificationLedger final : public NotificationLedger, public NoticeQueue {
 public:
  explicit SqliteNotificationLedger(Database& db) : db_(db) {}

  Result<std::vector<RecipientNotification>> for_request(std::string_view request_id) const override;
  Result<RecipientNotification> find(std::string_view notification_id) const override;
  void acknowledge(std::string notification_id, TimePoint at, std::function<void(Status)> done) override;
  Result<std::vector<NoticeContent>> contents(std::string_view request_id) const override;

  Result<std::vector<DueNotification>> due(TimePoint now, int limit) override;
  Status delivered(const std::string& id, TimePoint at) override;
  Status attempt_failed(const std::string& id, const std::string& error, std::optional<TimePoint> retry_at) override;
  Result<std::map<std::string, std::int64_t>> counts() const override;

 private:
  Database& db_;
};

}  // namespace dsr::storage
