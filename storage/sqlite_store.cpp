#include "storage/sqlite_store.hpp"

#include "storage/consent_ledger.hpp"
#include "storage/outbox.hpp"
#include "storage/recipient_notices.hpp"
#include "storage/registries.hpp"
#include "storage/rights_rows.hpp"
#include "storage/sealed_change.hpp"
#include "storage/subject_seal.hpp"
#include "storage/sqlite_vault.hpp"
#include "storage/sqlite_values.hpp"

#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>

namespace dsr::storage {
namespace {

// Binds the four milestone columns from `first` on (absent ones as NULL).
void bind_milestones(SQLite::Statement& statement, int first, const RequestMilestones& m) {
  if (m.closed_at) statement.bind(first, unix_seconds(*m.closed_at));
  if (m.verified_at) statement.bind(first + 1, unix_seconds(*m.verified_at));
  statement.bind(first + 2, m.awaiting_subject_seconds);
  if (m.awaiting_since) statement.bind(first + 3, unix_seconds(*m.awaiting_since));
}

Status create_request(WriteConnection& db, const RequestChange& c, const Request& after) {
  SQLite::Statement& insert = db.prepared(
                           "INSERT INTO requests (id, type, policy, subject_ref, state, version, received_at, due_at, "
                           "extended, assignee, outcome, updated_at, closed_at, verified_at, awaiting_subject_seconds, "
                           "awaiting_since, duplicate_of) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
                           "ON CONFLICT (id) DO NOTHING");
  insert.bind(1, c.header.id);
  insert.bind(2, c.header.type);
  insert.bind(3, c.header.policy);
  insert.bind(4, c.header.subject_ref);
  insert.bind(5, after.state);
  insert.bind(6, after.version);
  insert.bind(7, unix_seconds(after.received_at));
  if (c.due_at) insert.bind(8, unix_seconds(*c.due_at));
  insert.bind(9, after.extended ? 1 : 0);
  if (after.assignee) insert.bind(10, *after.assignee);
  insert.bind(11, after.outcome);
  insert.bind(12, unix_seconds(c.events.back().at));
  bind_milestones(insert, 13, c.milestones);
  if (after.duplicate_of) insert.bind(17, *after.duplicate_of);
  if (insert.exec() == 0)
    return fail(Error::conflict(fmt::format("request {} already exists", c.header.id)));
  return ok_status();
}

Status update_request(WriteConnection& db, const RequestChange& c, const Request& delta) {
  // Two statements, because SQLite rewrites every index holding a column an
  // UPDATE sets, changed or not: the version and times, which no index
  // holds, always; the columns the queue and the SLA report index, only
  // when one of them differs (a message, for one, changes none of them).
  SQLite::Statement& version = db.prepared(
      "UPDATE requests SET version = ?1, outcome = CASE WHEN ?2 <> '' THEN ?2 ELSE outcome END, updated_at = ?3 "
      "WHERE id = ?4 AND version = ?5");
  version.bind(1, delta.version);
  version.bind(2, delta.outcome);
  version.bind(3, unix_seconds(c.events.back().at));
  version.bind(4, c.header.id);
  version.bind(5, c.expected_version);
  if (version.exec() == 1) {
    SQLite::Statement& indexed = db.prepared(
        "UPDATE requests SET state = ?1, due_at = COALESCE(?2, due_at), extended = MAX(extended, ?3), "
        "assignee = CASE WHEN ?4 THEN ?5 ELSE assignee END, closed_at = ?6, verified_at = ?7, "
        "awaiting_subject_seconds = ?8, awaiting_since = ?9 "
        "WHERE id = ?10 AND NOT (state IS ?1 AND due_at IS COALESCE(?2, due_at) AND extended IS MAX(extended, ?3) "
        "AND assignee IS (CASE WHEN ?4 THEN ?5 ELSE assignee END) AND closed_at IS ?6 AND verified_at IS ?7 "
        "AND awaiting_subject_seconds IS ?8 AND awaiting_since IS ?9)");
    bool assigns = std::any_of(c.events.begin(), c.events.end(), [](const Event& e) { return e.data.contains("assignee"); });
    indexed.bind(1, delta.state);
    if (c.due_at) indexed.bind(2, unix_seconds(*c.due_at));
    indexed.bind(3, delta.extended ? 1 : 0);
    indexed.bind(4, assigns ? 1 : 0);
    if (delta.assignee) indexed.bind(5, *delta.assignee);
    bind_milestones(indexed, 6, c.milestones);
    indexed.bind(10, c.header.id);
    indexed.exec();
    return ok_status();
  }
  SQLite::Statement& current = db.prepared("SELECT version FROM requests WHERE id = ?");
  current.bind(1, c.header.id);
  if (!current.executeStep()) return fail(Error::not_found(fmt::format("no request {}", c.header.id)));
  std::int64_t stored = current.getColumn(0).getInt64();
  current.reset();
  return fail(Error(ErrorCode::conflict,
                    fmt::format("request {} is at version {}, not {}: someone acted first; reload and try again",
                                c.header.id, stored, c.expected_version),
                    "stale_version"));
}


void store_filing(WriteConnection& db, const std::string& request_id, const SealedFiling& f) {
  if (!f.tracking_hash.empty()) {
    auto& insert = db.prepared("INSERT INTO subject_keys (request_id, secret_hash) VALUES (?, ?)");
    insert.bind(1, request_id);
    bind_blob(insert, 2, f.tracking_hash);
    insert.exec();
  }
  if (!f.details.empty()) {
    auto& insert = db.prepared("INSERT INTO request_details (request_id, sealed) VALUES (?, ?)");
    insert.bind(1, request_id);
    bind_blob(insert, 2, f.details);
    insert.exec();
  }
  if (!f.idempotency_key_hash.empty()) {
    auto& insert = db.prepared(
        "INSERT INTO idempotency_keys (key_hash, body_hash, status, response, created_at) "
        "VALUES (?, ?, 201, ?, strftime('%s','now'))");
    bind_blob(insert, 1, f.idempotency_key_hash);
    bind_blob(insert, 2, f.request_digest);
    bind_blob(insert, 3, f.response);
    insert.exec();
  }
  if (!f.code_hash.empty()) {
    auto& insert = db.prepared(
        "INSERT INTO verification_codes (request_id, code_hash, expires_at, attempts_left, sent_count, created_at) "
        "VALUES (?, ?, ?, ?, 1, strftime('%s','now'))");
    insert.bind(1, request_id);
    bind_blob(insert, 2, f.code_hash);
    insert.bind(3, f.code_expires_at);
    insert.bind(4, f.code_attempts);
    insert.exec();
  }
}

// The consent ledger, the restriction and a transfer's disclosure, in the
// request's transaction (storage/rights_rows.hpp decides the values).
Status apply_rights(WriteConnection& db, const RequestHeader& request, const SubjectRecord& record, const Fulfilment& f,
                    TimePoint at, const std::string& actor) {
  if (f.lift_restriction && !delete_restriction_in(db, request.subject_ref, request.id))
    return fail(no_restriction_to_lift(request));
  if (f.consent) insert_consent_in(db, new_consent_id(), *f.consent);
  if (f.restriction) write_restriction_in(db, request.subject_ref, *f.restriction);
  if (f.transfer_to)
    insert_disclosure_in(db, new_disclosure_id(), transfer_disclosure(request, record, *f.transfer_to, at, actor));
  return ok_status();
}

// Recipients are told first (with the NIK they know), then the record is
// corrected, restricted or shredded, all in the request's transaction.
Status fulfil(WriteConnection& db, const MasterKey& keys, const RequestHeader& request, const Fulfilment& f,
              const Event& event) {
  // A release to an authority acts on the subjects it names, each its own
  // ledger entry and notice; never on the request's own subject.
  for (const auto& released : f.releases) {
    // Read before this job; erased since, the subject's data goes nowhere.
    auto& exists = db.prepared("SELECT 1 FROM subjects WHERE ref = ?");
    exists.bind(1, released.disclosure.subject_ref);
    bool on_file = exists.executeStep();
    exists.reset();
    if (!on_file) return fail(released_subject_gone(request));
    insert_disclosure_in(db, new_disclosure_id(), released.disclosure);
    enqueue_release_notice(db, keys, request, released);
  }
  auto record = read_subject_in(db, keys, request.subject_ref);
  if (!record) return fail(record.error());
  if (!record->has_value() && (f.consent || f.restriction || f.lift_restriction || f.transfer_to))
    return fail(no_record_to_act_on(request));
  if (record->has_value())
    if (Status applied = apply_rights(db, request, **record, f, event.at, event.actor.principal); !applied) return applied;
  if (f.notify_recipients && record->has_value())
    enqueue_recipient_notifications(
        db, keys, request, (*record)->nik, f,
        notice_fields(f, request, **record, event.at, standing_restriction(read_restrictions_in(db, request.subject_ref))));
  if (!f.corrections.empty() && record->has_value()) {
    SubjectRecord corrected = **record;
    for (const auto& [field, value] : f.corrections) {
      std::string* target = record_field(corrected, field);
      if (target == nullptr) return fail(Error::invalid_argument(fmt::format("\"{}\" is no field of a subject record", field)));
      *target = value;
    }
    if (Status written = write_subject_in(db, keys, request.subject_ref, corrected); !written) return written;
  }
  if (f.erase_subject) erase_subject_in(db, request.subject_ref);
  return ok_status();
}

void store_correspondence(WriteConnection& db, const MasterKey& keys, const std::string& request_id, std::int64_t seq,
                          const Correspondence& c) {
  auto& insert = db.prepared(
      "INSERT INTO request_messages (request_id, request_seq, author, role, sealed, at) VALUES (?, ?, ?, ?, ?, ?)");
  insert.bind(1, request_id);
  insert.bind(2, seq);
  insert.bind(3, c.author);
  insert.bind(4, std::string(to_string(c.role)));
  bind_blob(insert, 5, seal(keys.details(), as_bytes(c.body), message_context(request_id, seq)));
  insert.bind(6, unix_seconds(c.at));
  insert.exec();
}

}  // namespace

Result<Request> SqliteStore::load(std::string_view id) const {
  return db_.read_cached("loading a request", [&](WriteConnection& db) -> Result<Request> {
    // One statement, so one snapshot (and one read lock) for the row and
    // its journal; every request has its "submit" event.
    auto& rows = db.prepared(
        "SELECT r.type, r.policy, r.subject_ref, j.request_seq, j.name, j.principal, j.role, j.at, j.reason, "
        "j.reason_public, j.from_state, j.to_state, j.clock, j.outcome, j.data "
        "FROM requests r JOIN journal j ON j.request_id = r.id WHERE r.id = ? ORDER BY j.request_seq");
    rows.bind(1, std::string(id));
    RequestHeader h{std::string(id), {}, {}, {}};
    std::vector<Event> events;
    while (rows.executeStep()) {
      if (events.empty()) h = {std::string(id), rows.getColumn(0).getString(), rows.getColumn(1).getString(),
                               rows.getColumn(2).getString()};
      auto e = read_event(rows, 3);
      if (!e) return fail(Error::internal(fmt::format("the journal of request {} is damaged; run 'dsr audit verify'", id)));
      events.push_back(std::move(e).value());
    }
    if (events.empty()) return fail(Error::not_found(fmt::format("no request {}", id)));
    return fold_request(h, events);
  });
}

void SqliteStore::commit(RequestChange change, Completion done) {
  if (change.events.empty()) return done(fail(Error::invalid_argument("a change without events")));
  // Hashing and sealing happen here, on the caller's thread: the one writer
  // thread is what every durable command waits for.
  std::optional<SealedFiling> filing;
  if (change.filing) filing = seal_filing(db_.keys(), change.header.id, *change.filing);
  std::vector<SealedMessage> messages;
  for (const auto& m : change.messages) messages.push_back(seal_message(db_.keys(), m));
  // So are the audit log's leaves (salted JSON and its hashes): the writer
  // only inserts them and completes the tree.
  std::vector<AuditLeaf> leaves;
  for (const auto& e : change.events) leaves.push_back(make_audit_leaf(change.header.id, e));
  db_.writer().submit(
      [this, change = std::move(change), filing = std::move(filing), messages = std::move(messages),
       leaves = std::move(leaves)](WriteConnection& db) -> Status {
        // The delta of this change alone, folded from its own events.
        Request delta = fold_request(change.header, change.events);
        Status written = change.expected_version == 0 ? create_request(db, change, delta)
                                                      : update_request(db, change, delta);
        if (!written) return written;
        if (!change.fulfilment.empty())
          if (Status fulfilled = fulfil(db, db_.keys(), change.header, change.fulfilment, change.events.back());
              !fulfilled)
            return fulfilled;
        if (filing) store_filing(db, change.header.id, *filing);
        if (change.correspondence)
          store_correspondence(db, db_.keys(), change.header.id, change.events.back().sequence, *change.correspondence);
        for (const auto& m : messages) enqueue_message(db, change.header, m);
        JournalAppender& journal = db_.journal();
        JournalAppender::Position before = journal.position();
        try {
          for (std::size_t i = 0; i < change.events.size(); ++i)
            journal.append(db, change.header.id, change.events[i], leaves[i]);
        } catch (...) {
          journal.restore(std::move(before));
          throw;
        }
        return ok_status();
      },
      std::move(done));
}


}  // namespace dsr::storage

namespace dsr::storage {

Result<RequestPage> SqliteStore::list(const RequestQuery& q) const {
  return db_.read("listing requests", [&](SQLite::Database& db) -> Result<RequestPage> {
    // Oldest due first; requests without a due date last. The cursor is the
    // last id of the previous page, compared on the same (due, id) key.
    // Requests are never deleted (erasure shreds the record, the row
    // stays), so a cursor that names none was never given out.
    if (q.after) {
      SQLite::Statement known(db, "SELECT 1 FROM requests WHERE id = ?");
      known.bind(1, *q.after);
      if (!known.executeStep()) return fail(Error::invalid_argument("not a cursor this list gave out; start again without one"));
    }
    std::string sql =
        "SELECT id, type, policy, state, version, received_at, due_at, extended, assignee, duplicate_of FROM requests r "
        "WHERE 1";
    if (q.state) sql += " AND state = :state";
    if (q.type) sql += " AND type = :type";
    if (q.assignee) sql += " AND assignee = :assignee";
    // Overdue: open (as the SLA report and /metrics count it) and past due.
    if (q.overdue_only) sql += " AND closed_at IS NULL AND due_at < :now";
    if (q.received_before) sql += " AND received_at < :received_before";
    if (q.after)
      sql += " AND (COALESCE(due_at, 9223372036854775807), id) > "
             "(SELECT COALESCE(due_at, 9223372036854775807), id FROM requests WHERE id = :after)";
    sql += " ORDER BY COALESCE(due_at, 9223372036854775807), id LIMIT :limit";
    SQLite::Statement s(db, sql);
    if (q.state) s.bind(":state", *q.state);
    if (q.type) s.bind(":type", *q.type);
    if (q.assignee) s.bind(":assignee", *q.assignee);
    if (q.overdue_only) s.bind(":now", unix_seconds(q.now));
    if (q.received_before) s.bind(":received_before", unix_seconds(*q.received_before));
    if (q.after) s.bind(":after", *q.after);
    s.bind(":limit", q.limit + 1);
    RequestPage page;
    while (s.executeStep()) {
      RequestSummary r;
      r.id = s.getColumn(0).getString();
      r.type = s.getColumn(1).getString();
      r.policy = s.getColumn(2).getString();
      r.state = s.getColumn(3).getString();
      r.version = s.getColumn(4).getInt64();
      r.received_at = from_unix(s.getColumn(5).getInt64());
      if (!s.getColumn(6).isNull()) r.due_at = from_unix(s.getColumn(6).getInt64());
      r.extended = s.getColumn(7).getInt() != 0;
      if (!s.getColumn(8).isNull()) r.assignee = s.getColumn(8).getString();
      if (!s.getColumn(9).isNull()) r.duplicate_of = s.getColumn(9).getString();
      page.items.push_back(std::move(r));
    }
    if (static_cast<int>(page.items.size()) > q.limit) {
      page.items.pop_back();
      page.next_cursor = page.items.back().id;
    }
    return page;
  });
}

Result<std::string> SqliteStore::details(std::string_view id) const {
  auto sealed = db_.read_cached("reading request details", [&](WriteConnection& db) -> Result<Bytes> {
    auto& q = db.prepared("SELECT sealed FROM request_details WHERE request_id = ?");
    q.bind(1, std::string(id));
    if (!q.executeStep()) return Bytes{};
    return column_blob(q.getColumn(0));
  });
  if (!sealed) return fail(sealed.error());
  if (sealed->empty()) return std::string();
  auto opened = unseal(db_.keys().details(), *sealed, request_details_context(id));
  if (!opened) return fail(opened.error());
  return std::string(opened->begin(), opened->end());
}

}  // namespace dsr::storage

namespace dsr::storage {

Result<std::vector<Correspondence>> SqliteStore::correspondence(std::string_view id) const {
  struct Row {
    Correspondence c;
    std::int64_t seq;
    Bytes sealed;
  };
  auto rows = db_.read("reading correspondence", [&](SQLite::Database& db) -> Result<std::vector<Row>> {
    SQLite::Statement q(db, "SELECT request_seq, author, role, sealed, at FROM request_messages WHERE request_id = ? ORDER BY id");
    q.bind(1, std::string(id));
    std::vector<Row> out;
    while (q.executeStep()) {
      Row r{{q.getColumn(1).getString(), parse_role(q.getColumn(2).getString()).value_or(Role::subject), "",
             from_unix(q.getColumn(4).getInt64())},
            q.getColumn(0).getInt64(), column_blob(q.getColumn(3))};
      out.push_back(std::move(r));
    }
    return out;
  });
  if (!rows) return fail(rows.error());
  std::vector<Correspondence> out;
  for (auto& r : *rows) {
    auto opened = unseal(db_.keys().details(), r.sealed, message_context(id, r.seq));
    if (!opened) return fail(Error::internal(fmt::format("a message of request {} does not open", id)));
    r.c.body.assign(opened->begin(), opened->end());
    out.push_back(std::move(r.c));
  }
  return out;
}

}  // namespace dsr::storage

namespace dsr::storage {

Result<std::optional<IdempotentReply>> SqliteStore::idempotent_reply(std::string_view key) const {
  Bytes key_hash = idempotency_key_hash(db_.keys(), key);
  auto row = db_.read_cached("reading an idempotency key", [&](WriteConnection& db) -> Result<std::optional<std::pair<Bytes, Bytes>>> {
    auto& q = db.prepared("SELECT body_hash, response FROM idempotency_keys WHERE key_hash = ?");
    q.bind(1, key_hash.data(), static_cast<int>(key_hash.size()));
    if (!q.executeStep()) return std::optional<std::pair<Bytes, Bytes>>{};
    return std::optional<std::pair<Bytes, Bytes>>{std::pair{column_blob(q.getColumn(0)), column_blob(q.getColumn(1))}};
  });
  if (!row) return fail(row.error());
  if (!row->has_value()) return std::optional<IdempotentReply>{};
  auto response = unseal(db_.keys().details(), (*row)->second, idempotent_reply_context(key_hash));
  if (!response) return fail(Error::internal("a stored idempotent reply does not open"));
  return std::optional<IdempotentReply>{IdempotentReply{std::string((*row)->first.begin(), (*row)->first.end()),
                                                        std::string(response->begin(), response->end())}};
}

}  // namespace dsr::storage

namespace dsr::storage {

Result<QueueStats> SqliteStore::stats(TimePoint now) const {
  return db_.read("counting requests", [&](SQLite::Database& db) -> Result<QueueStats> {
    QueueStats out;
    SQLite::Statement by_state(db, "SELECT state, COUNT(*) FROM requests GROUP BY state");
    while (by_state.executeStep()) out.by_state[by_state.getColumn(0).getString()] = by_state.getColumn(1).getInt64();
    // Open (not closed: the same test as the SLA report) and past due: from the partial index of open requests.
    SQLite::Statement overdue(db, "SELECT COUNT(*) FROM requests WHERE closed_at IS NULL AND due_at < ?");
    overdue.bind(1, unix_seconds(now));
    overdue.executeStep();
    out.overdue = overdue.getColumn(0).getInt64();
    SQLite::Statement outbox(db, "SELECT kind, status, COUNT(*) FROM outbox GROUP BY kind, status");
    while (outbox.executeStep())
      out.outbox[{outbox.getColumn(0).getString(), outbox.getColumn(1).getString()}] = outbox.getColumn(2).getInt64();
    out.receipts_owed = db.execAndGet("SELECT COUNT(*) FROM requests WHERE rowid > "
                                      "(SELECT value FROM meta WHERE key = 'receipts_through')").getInt64();
    return out;
  });
}

}  // namespace dsr::storage

namespace dsr::storage {

Result<std::optional<std::string>> SqliteStore::open_request_of(std::string_view subject_ref,
                                                                std::string_view type) const {
  return db_.read_cached("looking for an open request of the subject", [&](WriteConnection& db) -> Result<std::optional<std::string>> {
    auto& q = db.prepared("SELECT id FROM requests WHERE subject_ref = ? AND type = ? AND closed_at IS NULL "
                          "ORDER BY received_at, id LIMIT 1");
    q.bind(1, std::string(subject_ref));
    q.bind(2, std::string(type));
    if (!q.executeStep()) return std::optional<std::string>{};
    return std::optional<std::string>{q.getColumn(0).getString()};
  });
}

}  // namespace dsr::storage
