#include "storage/postgres/pg_delivery.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>

#include "storage/sqlite_values.hpp"

namespace dsr::storage::pg {
namespace {

std::int64_t now_seconds() { return static_cast<std::int64_t>(std::time(nullptr)); }

// Claims up to `limit` rows of `kind` due at `now` and held by no one (or
// whose claim expired), and answers their ids, oldest due first. This
// node's own claims of that kind are stale when it asks (one worker thread
// per kind records what it sent before it claims more): a claim whose
// answer was lost in a failover is taken up again at once, not 60 s later.
constexpr const char* kClaim =
    "UPDATE outbox SET claimed_by = $4::text, claimed_until = $1::bigint + $5::bigint WHERE id IN ("
    "  SELECT id FROM outbox WHERE kind = $3::text AND status = 'pending' AND next_attempt_at <= $1::bigint "
    "  AND (claimed_until IS NULL OR claimed_until < $1::bigint OR claimed_by = $4::text) "
    "  ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED) "
    "RETURNING id, next_attempt_at";

Result<std::vector<std::string>> claim(Connection& c, const Claimant& who, const char* kind, TimePoint now, int limit) {
  auto claimed = c.exec(kClaim, {unix_seconds(now), std::int64_t{limit}, std::string(kind), who.node,
                                 static_cast<std::int64_t>(who.hold.count())});
  if (!claimed) return fail(claimed.error());
  std::vector<std::pair<std::pair<std::int64_t, std::string>, std::string>> order;
  for (int i = 0; i < claimed->size(); ++i)
    order.push_back({{claimed->integer(i, 1), claimed->text(i, 0)}, claimed->text(i, 0)});
  std::sort(order.begin(), order.end());
  std::vector<std::string> ids;
  for (auto& o : order) ids.push_back(std::move(o.second));
  return ids;
}

constexpr const char* kNoticeColumns =
    "o.id, o.request_id, o.recipient_id, r.name, r.kind, o.status, o.attempts, COALESCE(o.last_error, ''), "
    "o.created_at, o.next_attempt_at, o.delivered_at, o.acknowledged_at";

RecipientNotification notice_at(const Rows& rows, int i) {
  RecipientNotification n;
  n.id = rows.text(i, 0);
  n.request_id = rows.text(i, 1);
  n.recipient_id = rows.text(i, 2);
  n.recipient_name = rows.text(i, 3);
  n.recipient_kind = rows.text(i, 4);
  n.status = parse_notification_status(rows.text(i, 5)).value_or(NotificationStatus::pending);
  n.attempts = static_cast<int>(rows.integer(i, 6));
  n.last_error = rows.text(i, 7);
  n.created_at = from_unix(rows.integer(i, 8));
  if (n.status == NotificationStatus::pending) n.next_attempt_at = optional_time(rows, i, 9);
  n.delivered_at = optional_time(rows, i, 10);
  n.acknowledged_at = optional_time(rows, i, 11);
  return n;
}

Status done_or(Result<Rows> r) {
  if (!r) return fail(r.error());
  return ok_status();
}

}  // namespace

Status release_claims(Pool& pool, const std::string& node) {
  auto released = pool.with([&](Connection& c) {
    return c.exec("UPDATE outbox SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by = $1", {node});
  });
  if (!released) return fail(released.error());
  return ok_status();
}

Result<std::vector<PendingMessage>> PgOutbox::due(TimePoint now, int limit) {
  auto rows = pool_.with([&](Connection& c) -> Result<Rows> {
    auto ids = claim(c, claimant_, "subject_message", now, limit);
    if (!ids) return fail(ids.error());
    return c.exec("SELECT id, attempts, payload, created_at FROM outbox WHERE id = ANY($1::text[]) "
                  "ORDER BY array_position($1::text[], id)",
                  {text_array(*ids)});
  });
  if (!rows) return fail(rows.error());
  std::vector<PendingMessage> out;
  for (int i = 0; i < rows->size(); ++i) {
    auto message = open_message(keys_, rows->text(i, 0), rows->bytes(i, 2));
    if (!message) return fail(message.error());
    out.push_back({rows->text(i, 0), std::move(message).value(), static_cast<int>(rows->integer(i, 1)),
                   from_unix(rows->integer(i, 3))});
  }
  return out;
}

Status PgOutbox::delivered(const std::vector<std::string>& ids) {
  if (ids.empty()) return ok_status();
  return done_or(pool_.with([&](Connection& c) {
    return c.exec("UPDATE outbox SET status = 'delivered', attempts = attempts + 1, delivered_at = $2, updated_at = $2, "
                  "claimed_by = NULL, claimed_until = NULL WHERE id = ANY($1::text[])",
                  {text_array(ids), now_seconds()});
  }));
}

Status PgOutbox::attempt_failed(const std::string& id, const std::string& error, std::optional<TimePoint> retry_at) {
  return done_or(pool_.with([&](Connection& c) {
    return c.exec("UPDATE outbox SET attempts = attempts + 1, last_error = $2, updated_at = $3, "
                  "status = CASE WHEN $4::boolean THEN 'pending' ELSE 'failed' END, "
                  "next_attempt_at = COALESCE($5::bigint, next_attempt_at), claimed_by = NULL, claimed_until = NULL "
                  "WHERE id = $1",
                  {id, error, now_seconds(), retry_at.has_value(),
                   retry_at ? Param(unix_seconds(*retry_at)) : Param(nullptr)});
  }));
}

Result<int> PgOutbox::pending_count() const {
  auto n = pool_.with([](Connection& c) { return c.exec("SELECT COUNT(*) FROM outbox WHERE status = 'pending'"); });
  if (!n) return fail(n.error());
  return static_cast<int>(n->integer(0, 0));
}

Result<std::vector<RecipientNotification>> PgNotificationLedger::for_request(std::string_view request_id) const {
  auto rows = pool_.with([&](Connection& c) {
    return c.exec(fmt::format("SELECT {} FROM outbox o JOIN recipients r ON r.id = o.recipient_id "
                              "WHERE o.request_id = $1 AND o.kind = 'recipient_notification' ORDER BY r.name, o.id",
                              kNoticeColumns),
                  {std::string(request_id)});
  });
  if (!rows) return fail(rows.error());
  std::vector<RecipientNotification> out;
  for (int i = 0; i < rows->size(); ++i) out.push_back(notice_at(*rows, i));
  return out;
}

Result<std::vector<NoticeContent>> PgNotificationLedger::contents(std::string_view request_id) const {
  auto rows = pool_.with([&](Connection& c) {
    return c.exec("SELECT o.id, o.recipient_id, o.payload FROM outbox o JOIN recipients r ON r.id = o.recipient_id "
                  "WHERE o.request_id = $1 AND o.kind = 'recipient_notification' AND length(o.payload) > 0 "
                  "ORDER BY r.name, o.id",
                  {std::string(request_id)});
  });
  if (!rows) return fail(rows.error());
  std::vector<NoticeContent> out;
  for (int i = 0; i < rows->size(); ++i) {
    auto opened = open_notice_payload(keys_, rows->text(i, 0), rows->bytes(i, 2));
    if (!opened) return fail(opened.error());
    out.push_back({rows->text(i, 0), rows->text(i, 1), std::move(opened->nik), std::move(opened->fields_json)});
  }
  return out;
}

Result<RecipientNotification> PgNotificationLedger::find(std::string_view notification_id) const {
  auto rows = pool_.with([&](Connection& c) {
    return c.exec(fmt::format("SELECT {} FROM outbox o JOIN recipients r ON r.id = o.recipient_id "
                              "WHERE o.id = $1 AND o.kind = 'recipient_notification'",
                              kNoticeColumns),
                  {std::string(notification_id)});
  });
  if (!rows) return fail(rows.error());
  if (rows->empty()) return fail(Error::not_found(fmt::format("no notification {}", notification_id)));
  return notice_at(*rows, 0);
}

void PgNotificationLedger::acknowledge(std::string notification_id, TimePoint at, std::function<void(Status)> done) {
  executor_.post([=, this, done = std::move(done)]() mutable {
    auto updated = pool_.with([&](Connection& c) {
      return c.exec("UPDATE outbox SET status = 'acknowledged', acknowledged_at = COALESCE(acknowledged_at, $2), "
                    "updated_at = $2 WHERE id = $1 AND kind = 'recipient_notification'",
                    {notification_id, unix_seconds(at)});
    });
    if (!updated) return done(fail(updated.error()));
    if (updated->affected() == 0) return done(fail(Error::not_found(fmt::format("no notification {}", notification_id))));
    done(ok_status());
  });
}

Result<std::vector<DueNotification>> PgNotificationLedger::due(TimePoint now, int limit) {
  auto rows = pool_.with([&](Connection& c) -> Result<Rows> {
    auto ids = claim(c, claimant_, "recipient_notification", now, limit);
    if (!ids) return fail(ids.error());
    return c.exec(fmt::format("SELECT {}, q.type, r.webhook_url, r.signing_secret, o.payload FROM outbox o "
                              "JOIN recipients r ON r.id = o.recipient_id JOIN requests q ON q.id = o.request_id "
                              "WHERE o.id = ANY($1::text[]) ORDER BY array_position($1::text[], o.id)",
                              kNoticeColumns),
                  {text_array(*ids)});
  });
  if (!rows) return fail(rows.error());
  std::vector<DueNotification> out;
  for (int i = 0; i < rows->size(); ++i) {
    DueNotification due;
    due.notification = notice_at(*rows, i);
    due.request_type = rows->text(i, 12);
    due.webhook_url = rows->text(i, 13);
    if (Status opened = open_notice(keys_, due, rows->bytes(i, 15), rows->bytes(i, 14)); !opened)
      return fail(opened.error());
    out.push_back(std::move(due));
  }
  return out;
}

Status PgNotificationLedger::delivered(const std::string& id, TimePoint at) {
  return done_or(pool_.with([&](Connection& c) {
    // An acknowledgement may have arrived before the 2xx did: keep it.
    return c.exec("UPDATE outbox SET status = CASE WHEN status = 'acknowledged' THEN status ELSE 'delivered' END, "
                  "attempts = attempts + 1, delivered_at = COALESCE(delivered_at, $2), last_error = NULL, "
                  "updated_at = $2, claimed_by = NULL, claimed_until = NULL WHERE id = $1",
                  {id, unix_seconds(at)});
  }));
}

Status PgNotificationLedger::attempt_failed(const std::string& id, const std::string& error,
                                            std::optional<TimePoint> retry_at) {
  return done_or(pool_.with([&](Connection& c) {
    return c.exec("UPDATE outbox SET attempts = attempts + 1, last_error = $2, updated_at = $3, "
                  "status = CASE WHEN status <> 'pending' THEN status WHEN $4::boolean THEN 'pending' ELSE 'failed' END, "
                  "next_attempt_at = COALESCE($5::bigint, next_attempt_at), claimed_by = NULL, claimed_until = NULL "
                  "WHERE id = $1",
                  {id, error, now_seconds(), retry_at.has_value(),
                   retry_at ? Param(unix_seconds(*retry_at)) : Param(nullptr)});
  }));
}

Result<std::map<std::string, std::int64_t>> PgNotificationLedger::counts() const {
  auto rows = pool_.with([](Connection& c) {
    return c.exec("SELECT status, COUNT(*) FROM outbox WHERE kind = 'recipient_notification' GROUP BY status");
  });
  if (!rows) return fail(rows.error());
  std::map<std::string, std::int64_t> out;
  for (int i = 0; i < rows->size(); ++i) out[rows->text(i, 0)] = rows->integer(i, 1);
  return out;
}

Result<std::vector<SubjectNoticeState>> PgOutbox::notices_of(std::string_view request_id) const {
  auto rows = pool_.with([&](Connection& c) {
    return c.exec(fmt::format("SELECT {} FROM outbox WHERE request_id = $1 AND kind = 'subject_message' "
                              "ORDER BY created_at, id", kSubjectNoticeColumns),
                  {std::string(request_id)});
  });
  if (!rows) return fail(rows.error());
  std::vector<SubjectNoticeState> out;
  for (int i = 0; i < rows->size(); ++i) {
    SubjectNoticeState n{rows->text(i, 0), rows->text(i, 1), rows->text(i, 2), static_cast<int>(rows->integer(i, 3)),
                         rows->text(i, 4), from_unix(rows->integer(i, 5)), std::nullopt, std::nullopt};
    if (!rows->null(i, 6)) n.delivered_at = from_unix(rows->integer(i, 6));
    if (n.status == "pending" && !rows->null(i, 7)) n.next_attempt_at = from_unix(rows->integer(i, 7));
    out.push_back(std::move(n));
  }
  return out;
}

}  // namespace dsr::storage::pg
