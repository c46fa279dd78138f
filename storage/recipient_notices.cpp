#include "storage/recipient_notices.hpp"

#include "storage/sealed_change.hpp"

#include <SQLiteCpp/Statement.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <fmt/format.h>

#include "storage/registries.hpp"
#include "storage/sqlite_values.hpp"

namespace dsr::storage {
namespace {

std::optional<TimePoint> optional_time(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return TimePoint{std::chrono::seconds{c.getInt64()}};
}

// The columns every reader of a notification selects, in this order.
constexpr const char* kColumns =
    "o.id, o.request_id, o.recipient_id, r.name, r.kind, o.status, o.attempts, COALESCE(o.last_error, ''), "
    "o.created_at, o.next_attempt_at, o.delivered_at, o.acknowledged_at";

RecipientNotification read_row(SQLite::Statement& q) {
  RecipientNotification n;
  n.id = q.getColumn(0).getString();
  n.request_id = q.getColumn(1).getString();
  n.recipient_id = q.getColumn(2).getString();
  n.recipient_name = q.getColumn(3).getString();
  n.recipient_kind = q.getColumn(4).getString();
  n.status = parse_notification_status(q.getColumn(5).getString()).value_or(NotificationStatus::pending);
  n.attempts = q.getColumn(6).getInt();
  n.last_error = q.getColumn(7).getString();
  n.created_at = TimePoint{std::chrono::seconds{q.getColumn(8).getInt64()}};
  if (n.status == NotificationStatus::pending) n.next_attempt_at = optional_time(q.getColumn(9));
  n.delivered_at = optional_time(q.getColumn(10));
  n.acknowledged_at = optional_time(q.getColumn(11));
  return n;
}

}  // namespace

Result<OpenedNotice> open_notice_payload(const MasterKey& keys, const std::string& notice_id, const Bytes& sealed_payload) {
  auto payload = unseal(keys.details(), sealed_payload, recipient_notice_context(notice_id));
  if (!payload) return fail(Error::internal(fmt::format("notification {} does not open", notice_id)));
  OpenedNotice out;
  try {
    auto p = boost::json::parse(std::string_view(reinterpret_cast<const char*>(payload->data()), payload->size()));
    out.nik = p.at("nik").as_string();
    out.changes_json = boost::json::serialize(p.at("changes"));
    // Notices sealed before the newer rights have no further fields.
    if (const auto* fields = p.as_object().if_contains("fields"); fields != nullptr && fields->is_object())
      out.fields_json = boost::json::serialize(*fields);
  } catch (const std::exception&) {
    return fail(Error::internal(fmt::format("notification {} is damaged", notice_id)));
  }
  return out;
}

Status open_notice(const MasterKey& keys, DueNotification& due, const Bytes& sealed_payload, const Bytes& sealed_secret) {
  const auto& id = due.notification.id;
  auto opened = open_notice_payload(keys, id, sealed_payload);
  if (!opened) return fail(opened.error());
  auto secret = unseal(keys.secrets(), sealed_secret, secret_context(due.notification.recipient_id));
  if (!secret) return fail(Error::internal(fmt::format("notification {} does not open", id)));
  due.nik = std::move(opened->nik);
  due.changes_json = std::move(opened->changes_json);
  due.fields_json = std::move(opened->fields_json);
  due.signing_secret.assign(secret->begin(), secret->end());
  return ok_status();
}

int enqueue_recipient_notifications(WriteConnection& db, const MasterKey& keys, const RequestHeader& request,
                                    const std::string& nik, const Fulfilment& f, const std::string& fields_json) {
  std::vector<std::string> ids;
  if (f.transfer_to) {
    ids.push_back(*f.transfer_to);
  } else {
    auto& recipients = db.prepared(
        "SELECT DISTINCT recipient_id FROM disclosures WHERE subject_ref = ?1 AND (?2 IS NULL OR purpose = ?2) "
        "ORDER BY recipient_id");
    recipients.bind(1, request.subject_ref);
    if (f.notice_purpose) recipients.bind(2, *f.notice_purpose);
    else recipients.bind(2);
    while (recipients.executeStep()) ids.push_back(recipients.getColumn(0).getString());
    recipients.reset();
  }
  auto now = static_cast<std::int64_t>(std::time(nullptr));
  for (const auto& recipient : ids) {
    SealedNotice notice = seal_recipient_notice(keys, request, nik, f.changes_json, fields_json);
    auto& insert = db.prepared(
        "INSERT INTO outbox (id, kind, request_id, subject_ref, recipient_id, payload, next_attempt_at, created_at, "
        "updated_at) VALUES (?, 'recipient_notification', ?, ?, ?, ?, ?, ?, ?)");
    insert.bind(1, notice.id);
    insert.bind(2, request.id);
    insert.bind(3, request.subject_ref);
    insert.bind(4, recipient);
    bind_blob(insert, 5, notice.payload);
    insert.bind(6, now);
    insert.bind(7, now);
    insert.bind(8, now);
    insert.exec();
  }
  return static_cast<int>(ids.size());
}

void enqueue_release_notice(WriteConnection& db, const MasterKey& keys, const RequestHeader& request,
                            const ReleasedSubject& released) {
  SealedNotice notice = seal_recipient_notice(keys, request, released.nik, "[]", released.fields_json);
  auto now = static_cast<std::int64_t>(std::time(nullptr));
  auto& insert = db.prepared(
      "INSERT INTO outbox (id, kind, request_id, subject_ref, recipient_id, payload, next_attempt_at, created_at, "
      "updated_at) VALUES (?, 'recipient_notification', ?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, notice.id);
  insert.bind(2, request.id);
  insert.bind(3, released.disclosure.subject_ref);
  insert.bind(4, released.disclosure.recipient_id);
  bind_blob(insert, 5, notice.payload);
  insert.bind(6, now);
  insert.bind(7, now);
  insert.bind(8, now);
  insert.exec();
}

Result<std::vector<RecipientNotification>> SqliteNotificationLedger::for_request(std::string_view request_id) const {
  return db_.read("reading recipient notifications", [&](SQLite::Database& db) -> Result<std::vector<RecipientNotification>> {
    SQLite::Statement q(db, fmt::format("SELECT {} FROM outbox o JOIN recipients r ON r.id = o.recipient_id "
                                        "WHERE o.request_id = ? AND o.kind = 'recipient_notification' ORDER BY r.name, o.id",
                                        kColumns));
    q.bind(1, std::string(request_id));
    std::vector<RecipientNotification> out;
    while (q.executeStep()) out.push_back(read_row(q));
    return out;
  });
}

Result<RecipientNotification> SqliteNotificationLedger::find(std::string_view notification_id) const {
  return db_.read("reading a recipient notification", [&](SQLite::Database& db) -> Result<RecipientNotification> {
    SQLite::Statement q(db, fmt::format("SELECT {} FROM outbox o JOIN recipients r ON r.id = o.recipient_id "
                                        "WHERE o.id = ? AND o.kind = 'recipient_notification'", kColumns));
    q.bind(1, std::string(notification_id));
    if (!q.executeStep()) return fail(Error::not_found(fmt::format("no notification {}", notification_id)));
    return read_row(q);
  });
}

void SqliteNotificationLedger::acknowledge(std::string notification_id, TimePoint at, std::function<void(Status)> done) {
  db_.writer().submit(
      [notification_id, at](WriteConnection& db) -> Status {
        auto& u = db.prepared("UPDATE outbox SET status = 'acknowledged', acknowledged_at = COALESCE(acknowledged_at, ?), "
                              "updated_at = ? WHERE id = ? AND kind = 'recipient_notification'");
        u.bind(1, unix_seconds(at));
        u.bind(2, unix_seconds(at));
        u.bind(3, notification_id);
        if (u.exec() == 0) return fail(Error::not_found(fmt::format("no notification {}", notification_id)));
        return ok_status();
      },
      std::move(done));
}

Result<std::vector<NoticeContent>> SqliteNotificationLedger::contents(std::string_view request_id) const {
  struct Row {
    NoticeContent content;
    Bytes payload;
  };
  auto rows = db_.read("reading recipient notices", [&](SQLite::Database& db) -> Result<std::vector<Row>> {
    SQLite::Statement q(db, "SELECT o.id, o.recipient_id, o.payload FROM outbox o JOIN recipients r ON r.id = o.recipient_id "
                            "WHERE o.request_id = ? AND o.kind = 'recipient_notification' AND length(o.payload) > 0 "
                            "ORDER BY r.name, o.id");
    q.bind(1, std::string(request_id));
    std::vector<Row> out;
    while (q.executeStep())
      out.push_back({{q.getColumn(0).getString(), q.getColumn(1).getString(), {}, {}}, column_blob(q.getColumn(2))});
    return out;
  });
  if (!rows) return fail(rows.error());
  std::vector<NoticeContent> out;
  for (auto& row : *rows) {
    auto opened = open_notice_payload(db_.keys(), row.content.notification_id, row.payload);
    if (!opened) return fail(opened.error());
    row.content.nik = std::move(opened->nik);
    row.content.fields_json = std::move(opened->fields_json);
    out.push_back(std::move(row.content));
  }
  return out;
}

Result<std::vector<DueNotification>> SqliteNotificationLedger::due(TimePoint now, int limit) {
  struct Row {
    DueNotification due;
    Bytes payload;
    Bytes secret;
  };
  auto rows = db_.read("reading due recipient notifications", [&](SQLite::Database& db) -> Result<std::vector<Row>> {
    SQLite::Statement q(db, fmt::format("SELECT {}, q.type, r.webhook_url, r.signing_secret, o.payload FROM outbox o "
                                        "JOIN recipients r ON r.id = o.recipient_id JOIN requests q ON q.id = o.request_id "
                                        "WHERE o.kind = 'recipient_notification' AND o.status = 'pending' AND "
                                        "o.next_attempt_at <= ? ORDER BY o.next_attempt_at, o.rowid LIMIT ?", kColumns));
    q.bind(1, unix_seconds(now));
    q.bind(2, limit);
    std::vector<Row> out;
    while (q.executeStep()) {
      Row row;
      row.due.notification = read_row(q);
      row.due.request_type = q.getColumn(12).getString();
      row.due.webhook_url = q.getColumn(13).getString();
      row.secret = column_blob(q.getColumn(14));
      row.payload = column_blob(q.getColumn(15));
      out.push_back(std::move(row));
    }
    return out;
  });
  if (!rows) return fail(rows.error());
  std::vector<DueNotification> out;
  for (auto& row : *rows) {
    if (Status opened = open_notice(db_.keys(), row.due, row.payload, row.secret); !opened) return fail(opened.error());
    out.push_back(std::move(row.due));
  }
  return out;
}

Status SqliteNotificationLedger::delivered(const std::string& id, TimePoint at) {
  return db_.writer().run([&](WriteConnection& db) -> Status {
    // An acknowledgement may have arrived before the 2xx did: keep it.
    auto& u = db.prepared("UPDATE outbox SET status = CASE WHEN status = 'acknowledged' THEN status ELSE 'delivered' END, "
                          "attempts = attempts + 1, delivered_at = COALESCE(delivered_at, ?), last_error = NULL, "
                          "updated_at = ? WHERE id = ?");
    u.bind(1, unix_seconds(at));
    u.bind(2, unix_seconds(at));
    u.bind(3, id);
    u.exec();
    return ok_status();
  });
}

Status SqliteNotificationLedger::attempt_failed(const std::string& id, const std::string& error,
                                                std::optional<TimePoint> retry_at) {
  return db_.writer().run([&](WriteConnection& db) -> Status {
    auto& u = db.prepared("UPDATE outbox SET attempts = attempts + 1, last_error = ?, updated_at = strftime('%s','now'), "
                          "status = CASE WHEN status <> 'pending' THEN status WHEN ? THEN 'pending' ELSE 'failed' END, "
                          "next_attempt_at = COALESCE(?, next_attempt_at) WHERE id = ?");
    u.bind(1, error);
    u.bind(2, retry_at ? 1 : 0);
    if (retry_at) u.bind(3, unix_seconds(*retry_at));
    u.bind(4, id);
    u.exec();
    return ok_status();
  });
}

Result<std::map<std::string, std::int64_t>> SqliteNotificationLedger::counts() const {
  return db_.read("counting recipient notifications", [](SQLite::Database& db) -> Result<std::map<std::string, std::int64_t>> {
    SQLite::Statement q(db, "SELECT status, COUNT(*) FROM outbox WHERE kind = 'recipient_notification' GROUP BY status");
    std::map<std::string, std::int64_t> out;
    while (q.executeStep()) out[q.getColumn(0).getString()] = q.getColumn(1).getInt64();
    return out;
  });
}

}  // namespace dsr::storage
