#include "storage/outbox.hpp"
#include "storage/sqlite_values.hpp"

#include <SQLiteCpp/Statement.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <fmt/format.h>

#include <ctime>

namespace dsr::storage {
namespace {

std::string payload_context(std::string_view id) { return fmt::format("dsr/outbox/v1/{}", id); }

std::string to_json(const OutgoingMessage& m) {
  boost::json::object o;
  o["to"] = m.to;
  o["channel"] = m.channel;
  o["template"] = m.template_name;
  o["locale"] = m.locale;
  o["request_id"] = m.request_id;
  o["text"] = m.text;
  o["subject"] = m.subject;
  boost::json::object vars;
  for (const auto& [k, v] : m.variables) vars[k] = v;
  o["variables"] = std::move(vars);
  return boost::json::serialize(o);
}

OutgoingMessage from_json(std::string_view text) {
  auto v = boost::json::parse(text).as_object();
  OutgoingMessage m;
  m.to = v.at("to").as_string();
  m.channel = v.at("channel").as_string();
  m.template_name = v.at("template").as_string();
  m.locale = v.at("locale").as_string();
  m.request_id = v.at("request_id").as_string();
  m.text = v.at("text").as_string();
  if (const auto* subject = v.if_contains("subject")) m.subject = subject->as_string();
  for (const auto& [k, val] : v.at("variables").as_object()) m.variables.emplace(std::string(k), std::string(val.as_string()));
  return m;
}

std::int64_t now_seconds() { return static_cast<std::int64_t>(std::time(nullptr)); }

}  // namespace

SealedMessage seal_message(const MasterKey& keys, const OutgoingMessage& message) {
  // Time-ordered, like request ids: new rows append to the key index
  // instead of dirtying a random page of it in every group commit.
  std::string id = time_ordered_id("m-");
  Bytes sealed = seal(keys.details(), as_bytes(to_json(message)), payload_context(id));
  return {std::move(id), std::move(sealed), message.subject_ref, message.not_before};
}

Result<OutgoingMessage> open_message(const MasterKey& keys, const std::string& id, const Bytes& sealed) {
  auto opened = unseal(keys.details(), sealed, payload_context(id));
  if (!opened) return fail(Error::internal(fmt::format("outbox message {} does not open", id)));
  try {
    return from_json(std::string(opened->begin(), opened->end()));
  } catch (const std::exception&) {
    return fail(Error::internal(fmt::format("outbox message {} is damaged", id)));
  }
}

namespace {

// `first`: the attempt already made before the row existed, if any.
void insert_message(WriteConnection& db, const RequestHeader& request, const SealedMessage& message,
                    const FailedFirstAttempt* first) {
  auto now = now_seconds();
  auto& insert = db.prepared(
      "INSERT INTO outbox (id, kind, request_id, subject_ref, payload, status, attempts, last_error, "
      "next_attempt_at, created_at, updated_at) VALUES (?, 'subject_message', ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, message.id);
  insert.bind(2, request.id);
  insert.bind(3, message.subject_ref.empty() ? request.subject_ref : message.subject_ref);
  bind_blob(insert, 4, message.payload);
  insert.bind(5, first == nullptr || first->retry_at ? "pending" : "failed");
  insert.bind(6, first == nullptr ? 0 : 1);
  if (first != nullptr) insert.bind(7, first->error);  // else NULL
  insert.bind(8, first != nullptr && first->retry_at ? unix_seconds(*first->retry_at)
                 : message.not_before                 ? unix_seconds(*message.not_before)
                                                      : now);
  // Owed from when it may go out: a notice held for weeks still gets its
  // whole delivery horizon of retries once it is due.
  insert.bind(9, first != nullptr       ? unix_seconds(first->owed_since)
                 : message.not_before ? unix_seconds(*message.not_before)
                                      : now);
  insert.bind(10, now);
  insert.exec();
}

}  // namespace

void enqueue_message(WriteConnection& db, const RequestHeader& request, const SealedMessage& message) {
  insert_message(db, request, message, nullptr);
}

void enqueue_message(WriteConnection& db, const RequestHeader& request, const SealedMessage& message,
                     const FailedFirstAttempt& first) {
  insert_message(db, request, message, &first);
}

Result<std::vector<PendingMessage>> Outbox::due(TimePoint now, int limit) {
  auto rows = db_.read("reading the outbox", [&](SQLite::Database& db) -> Result<std::vector<std::pair<PendingMessage, Bytes>>> {
    SQLite::Statement q(db, "SELECT id, attempts, payload, created_at FROM outbox WHERE kind = 'subject_message' AND "
                            "status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, rowid LIMIT ?");
    q.bind(1, static_cast<std::int64_t>(now.time_since_epoch().count()));
    q.bind(2, limit);
    std::vector<std::pair<PendingMessage, Bytes>> out;
    while (q.executeStep()) {
      out.push_back({PendingMessage{q.getColumn(0).getString(), {}, q.getColumn(1).getInt(),
                                    TimePoint{std::chrono::seconds{q.getColumn(3).getInt64()}}},
                     column_blob(q.getColumn(2))});
    }
    return out;
  });
  if (!rows) return fail(rows.error());
  std::vector<PendingMessage> out;
  for (auto& [pending, sealed] : *rows) {
    auto opened = open_message(db_.keys(), pending.id, sealed);
    if (!opened) return fail(opened.error());
    pending.message = std::move(opened).value();
    out.push_back(std::move(pending));
  }
  return out;
}

Status Outbox::delivered(const std::vector<std::string>& ids) {
  if (ids.empty()) return ok_status();
  return db_.writer().run([&](WriteConnection& db) -> Status {
    auto& u = db.prepared("UPDATE outbox SET status = 'delivered', attempts = attempts + 1, delivered_at = ?, "
                          "updated_at = ? WHERE id = ?");
    for (const auto& id : ids) {
      u.bind(1, now_seconds());
      u.bind(2, now_seconds());
      u.bind(3, id);
      u.exec();
      u.reset();
    }
    return ok_status();
  });
}

Status Outbox::attempt_failed(const std::string& id, const std::string& error, std::optional<TimePoint> retry_at) {
  return db_.writer().run([&](WriteConnection& db) -> Status {
    auto& u = db.prepared("UPDATE outbox SET attempts = attempts + 1, last_error = ?, updated_at = ?, "
                          "status = CASE WHEN ? THEN 'pending' ELSE 'failed' END, "
                          "next_attempt_at = COALESCE(?, next_attempt_at) WHERE id = ?");
    u.bind(1, error);
    u.bind(2, now_seconds());
    u.bind(3, retry_at ? 1 : 0);
    if (retry_at) u.bind(4, static_cast<std::int64_t>(retry_at->time_since_epoch().count()));
    u.bind(5, id);
    u.exec();
    return ok_status();
  });
}

Result<int> Outbox::pending_count() const {
  return db_.read("counting the outbox", [](SQLite::Database& db) -> Result<int> {
    return db.execAndGet("SELECT COUNT(*) FROM outbox WHERE status = 'pending'").getInt();
  });
}

Result<std::vector<SubjectNoticeState>> Outbox::notices_of(std::string_view request_id) const {
  return db_.read("reading a request's messages", [&](SQLite::Database& db) -> Result<std::vector<SubjectNoticeState>> {
    SQLite::Statement q(db, fmt::format("SELECT {} FROM outbox WHERE request_id = ? AND kind = 'subject_message' "
                                        "ORDER BY created_at, id", kSubjectNoticeColumns));
    q.bind(1, std::string(request_id));
    std::vector<SubjectNoticeState> out;
    while (q.executeStep()) {
      SubjectNoticeState n{q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getString(),
                           q.getColumn(3).getInt(), q.getColumn(4).getString(), from_unix(q.getColumn(5).getInt64()),
                           std::nullopt, std::nullopt};
      if (!q.getColumn(6).isNull()) n.delivered_at = from_unix(q.getColumn(6).getInt64());
      if (n.status == "pending" && !q.getColumn(7).isNull()) n.next_attempt_at = from_unix(q.getColumn(7).getInt64());
      out.push_back(std::move(n));
    }
    return out;
  });
}

}  // namespace dsr::storage
