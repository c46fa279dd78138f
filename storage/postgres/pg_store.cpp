#include "storage/postgres/pg_store.hpp"

#include <fmt/format.h>

#include <thread>

#include <algorithm>
#include <ctime>

#include "storage/journal.hpp"
#include "storage/outbox.hpp"
#include "storage/postgres/pg_consents.hpp"
#include "storage/postgres/pg_journal.hpp"
#include "storage/postgres/pg_receipts.hpp"
#include "storage/postgres/pg_registries.hpp"
#include "storage/postgres/pg_vault.hpp"
#include "storage/rights_rows.hpp"
#include "storage/sealed_change.hpp"
#include "storage/subject_seal.hpp"
#include "storage/sqlite_values.hpp"

namespace dsr::storage::pg {
namespace {

Param seconds_or_null(const std::optional<TimePoint>& t) {
  if (!t) return nullptr;
  return unix_seconds(*t);
}

Param text_or_null(const std::optional<std::string>& s) {
  if (!s) return nullptr;
  return *s;
}

// The request row of a new request, or the version check and the update
// of an existing one.
void request_row(std::vector<Statement>& out, const RequestChange& c, const Request& after) {
  const RequestMilestones& m = c.milestones;
  std::int64_t at = unix_seconds(c.events.back().at);
  if (c.expected_version == 0) {
    out.push_back({"INSERT INTO requests (id, type, policy, subject_ref, state, version, received_at, due_at, extended, "
                   "assignee, outcome, updated_at, closed_at, verified_at, awaiting_subject_seconds, awaiting_since, "
                   "duplicate_of) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
                   {c.header.id, c.header.type, c.header.policy, c.header.subject_ref, after.state, after.version,
                    unix_seconds(after.received_at), seconds_or_null(c.due_at), after.extended,
                    text_or_null(after.assignee), after.outcome, at, seconds_or_null(m.closed_at),
                    seconds_or_null(m.verified_at), m.awaiting_subject_seconds, seconds_or_null(m.awaiting_since),
                    text_or_null(after.duplicate_of)}});
    return;
  }
  out.push_back({"SELECT dsr_expect_version($1, $2)", {c.header.id, c.expected_version}});
  bool assigns = std::any_of(c.events.begin(), c.events.end(), [](const Event& e) { return e.data.contains("assignee"); });
  out.push_back({"UPDATE requests SET version = $2, outcome = CASE WHEN $3::text <> '' THEN $3::text ELSE outcome END, "
                 "updated_at = $4, state = $5, due_at = COALESCE($6::bigint, due_at), extended = extended OR $7::boolean, "
                 "assignee = CASE WHEN $8::boolean THEN $9::text ELSE assignee END, closed_at = $10, verified_at = $11, "
                 "awaiting_subject_seconds = $12, awaiting_since = $13 WHERE id = $1",
                 {c.header.id, after.version, after.outcome, at, after.state, seconds_or_null(c.due_at), after.extended,
                  assigns, text_or_null(after.assignee), seconds_or_null(m.closed_at), seconds_or_null(m.verified_at),
                  m.awaiting_subject_seconds, seconds_or_null(m.awaiting_since)}});
}

void filing_rows(std::vector<Statement>& out, const std::string& request_id, const SealedFiling& f) {
  std::int64_t now = std::time(nullptr);
  if (!f.tracking_hash.empty())
    out.push_back({"INSERT INTO subject_keys (request_id, secret_hash) VALUES ($1, $2)", {request_id, f.tracking_hash}});
  if (!f.details.empty())
    out.push_back({"INSERT INTO request_details (request_id, sealed) VALUES ($1, $2)", {request_id, f.details}});
  if (!f.idempotency_key_hash.empty())
    out.push_back({"INSERT INTO idempotency_keys (key_hash, body_hash, status, response, created_at) "
                   "VALUES ($1, $2, 201, $3, $4)",
                   {f.idempotency_key_hash, f.request_digest, f.response, now}});
  if (!f.code_hash.empty())
    out.push_back({"INSERT INTO verification_codes (request_id, code_hash, expires_at, attempts_left, sent_count, "
                   "created_at) VALUES ($1, $2, $3, $4, 1, $5)",
                   {request_id, f.code_hash, f.code_expires_at, std::int64_t{f.code_attempts}, now}});
}

void journal_row(std::vector<Statement>& out, const std::string& request_id, const Event& e, const AuditLeaf& leaf) {
  Bytes hash(leaf.hash.begin(), leaf.hash.end());
  out.push_back({"INSERT INTO journal (request_id, request_seq, name, principal, role, at, reason, reason_public, "
                 "from_state, to_state, clock, outcome, data, salt, leaf_hash) "
                 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
                 {request_id, e.sequence, e.name, e.actor.principal, std::string(to_string(e.actor.role)),
                  unix_seconds(e.at), e.reason, e.reason_public, e.from_state, e.to_state,
                  std::string(to_string(e.clock)), e.outcome, encode_event_data(e.data), leaf.salt, hash}});
}

void outbox_row(std::vector<Statement>& out, const RequestHeader& request, const SealedMessage& m) {
  std::int64_t now = std::time(nullptr);
  out.push_back({"INSERT INTO outbox (id, kind, request_id, subject_ref, payload, status, attempts, next_attempt_at, "
                 "created_at, updated_at) VALUES ($1, 'subject_message', $2, $3, $4, 'pending', 0, $5, $5, $6)",
                 {m.id, request.id, m.subject_ref.empty() ? request.subject_ref : m.subject_ref, m.payload,
                  m.not_before ? unix_seconds(*m.not_before) : now, now}});
}

// The recipients a fulfilment's notices go to: the one a transfer goes to,
// or every recipient of the subject's data (of one purpose, for a consent
// withdrawal).
Result<std::vector<std::string>> notice_recipients(Connection& c, const RequestHeader& request, const Fulfilment& f) {
  if (f.transfer_to) return std::vector<std::string>{*f.transfer_to};
  auto rows = c.exec("SELECT DISTINCT recipient_id FROM disclosures WHERE subject_ref = $1 "
                     "AND ($2::text IS NULL OR purpose = $2) ORDER BY recipient_id",
                     {request.subject_ref, text_or_null(f.notice_purpose)});
  if (!rows) return fail(rows.error());
  std::vector<std::string> out;
  for (int i = 0; i < rows->size(); ++i) out.push_back(rows->text(i, 0));
  return out;
}

// The consent ledger, the restriction and a transfer's disclosure
// (storage/rights_rows.hpp decides the values, as on SQLite).
std::vector<Statement> rights_rows(const RequestHeader& request, const SubjectRecord& record, const Fulfilment& f,
                                   const Event& event) {
  std::vector<Statement> out;
  if (f.consent) out.push_back(insert_consent(new_consent_id(), *f.consent));
  if (f.restriction) out.push_back(write_restriction(request.subject_ref, *f.restriction));
  if (f.lift_restriction)
    out.push_back({"DELETE FROM restrictions WHERE subject_ref = $1 AND request_id = $2", {request.subject_ref, request.id}});
  if (f.transfer_to)
    out.push_back(insert_disclosure(new_disclosure_id(),
                                    transfer_disclosure(request, record, *f.transfer_to, event.at, event.actor.principal)));
  return out;
}

// A fulfilment's writes, decided from the subject's record as it is now
// (read and locked in this transaction): recipients told first, with the
// NIK they know, then the record corrected, restricted or shredded.
Result<std::vector<Statement>> fulfilment_rows(Connection& c, const MasterKey& keys, const RequestHeader& request,
                                               const Fulfilment& f, const Event& event) {
  std::vector<Statement> out;
  // A release to an authority acts on the subjects it names, each its own
  // ledger entry and notice; never on the request's own subject.
  if (!f.releases.empty()) {
    // Read before this transaction; held here, in one round trip, so no
    // erasure slips between.
    std::vector<std::string> refs;
    for (const auto& released : f.releases) refs.push_back(released.disclosure.subject_ref);
    auto on_file = c.exec("SELECT ref FROM subjects WHERE ref = ANY($1::text[]) FOR SHARE", {text_array(refs)});
    if (!on_file) return fail(on_file.error());
    if (static_cast<std::size_t>(on_file->size()) != refs.size()) return fail(released_subject_gone(request));
  }
  for (const auto& released : f.releases) {
    out.push_back(insert_disclosure(new_disclosure_id(), released.disclosure));
    SealedNotice notice = seal_recipient_notice(keys, request, released.nik, "[]", released.fields_json);
    std::int64_t now = std::time(nullptr);
    out.push_back({"INSERT INTO outbox (id, kind, request_id, subject_ref, recipient_id, payload, next_attempt_at, "
                   "created_at, updated_at) VALUES ($1, 'recipient_notification', $2, $3, $4, $5, $6, $6, $6)",
                   {notice.id, request.id, released.disclosure.subject_ref, released.disclosure.recipient_id,
                    notice.payload, now}});
  }
  auto record = read_subject_for_update(c, keys, request.subject_ref);
  if (!record) return fail(record.error());
  if (!record->has_value() && (f.consent || f.restriction || f.lift_restriction || f.transfer_to))
    return fail(no_record_to_act_on(request));
  // The restrictions on the record, locked: lifting needs this request's,
  // and its notices say what still stands.
  std::vector<Restriction> placed;
  if (f.lift_restriction && record->has_value()) {
    auto rows = restrictions_for_update(c, request.subject_ref);
    if (!rows) return fail(rows.error());
    placed = std::move(rows).value();
    if (std::none_of(placed.begin(), placed.end(), [&](const Restriction& r) { return r.request_id == request.id; }))
      return fail(no_restriction_to_lift(request));
  }
  if (f.notify_recipients && record->has_value()) {
    auto recipients = notice_recipients(c, request, f);
    if (!recipients) return fail(recipients.error());
    std::string fields = notice_fields(f, request, **record, event.at,
                                       standing_restriction(without_request(placed, request.id)));
    std::int64_t now = std::time(nullptr);
    for (const auto& recipient : *recipients) {
      SealedNotice notice = seal_recipient_notice(keys, request, (*record)->nik, f.changes_json, fields);
      out.push_back({"INSERT INTO outbox (id, kind, request_id, subject_ref, recipient_id, payload, next_attempt_at, "
                     "created_at, updated_at) VALUES ($1, 'recipient_notification', $2, $3, $4, $5, $6, $6, $6)",
                     {notice.id, request.id, request.subject_ref, recipient, notice.payload, now}});
    }
  }
  if (record->has_value()) {
    auto rights = rights_rows(request, **record, f, event);
    out.insert(out.end(), rights.begin(), rights.end());
  }
  if (!f.corrections.empty() && record->has_value()) {
    SubjectRecord corrected = **record;
    for (const auto& [field, value] : f.corrections) {
      std::string* target = record_field(corrected, field);
      if (target == nullptr) return fail(Error::invalid_argument(fmt::format("\"{}\" is no field of a subject record", field)));
      *target = value;
    }
    out.push_back(write_subject(request.subject_ref, seal_record(keys, request.subject_ref, corrected)));
  }
  if (f.erase_subject) {
    auto erase = erase_subject(request.subject_ref);
    out.insert(out.end(), erase.begin(), erase.end());
  }
  return out;
}

}  // namespace

void PgStore::commit(RequestChange change, Completion done) {
  if (change.events.empty()) return done(fail(Error::invalid_argument("a change without events")));
  // Sealed and hashed before the round trip, as on SQLite.
  std::vector<Statement> statements;
  Request delta = fold_request(change.header, change.events);
  request_row(statements, change, delta);
  if (change.filing) filing_rows(statements, change.header.id, seal_filing(keys_, change.header.id, *change.filing));
  if (change.correspondence) {
    std::int64_t seq = change.events.back().sequence;
    const Correspondence& c = *change.correspondence;
    statements.push_back({"INSERT INTO request_messages (request_id, request_seq, author, role, sealed, at) "
                          "VALUES ($1, $2, $3, $4, $5, $6)",
                          {change.header.id, seq, c.author, std::string(to_string(c.role)),
                           seal(keys_.details(), as_bytes(c.body), message_context(change.header.id, seq)),
                           unix_seconds(c.at)}});
  }
  for (const auto& m : change.messages) outbox_row(statements, change.header, seal_message(keys_, m));
  Bytes last_leaf;
  for (const auto& e : change.events) {
    AuditLeaf leaf = make_audit_leaf(change.header.id, e);
    last_leaf.assign(leaf.hash.begin(), leaf.hash.end());
    journal_row(statements, change.header.id, e, leaf);
  }

  run_then(
      executor_,
      [this, change = std::move(change), statements = std::move(statements), last_leaf]() -> Status {
        auto send = [&](Connection& c) -> Result<std::vector<Rows>> {
          if (change.fulfilment.empty()) return c.transaction(statements);
          // A fulfilment reads the record before it knows what to write:
          // BEGIN, the version check (holding the request), the record (held
          // too), then the rest and COMMIT in one round trip.
          if (Status begun = c.run_script("BEGIN"); !begun) return fail(begun.error());
          auto rest = [&]() -> Result<std::vector<Statement>> {
            std::size_t head = change.expected_version == 0 ? 0 : 1;  // dsr_expect_version
            for (std::size_t i = 0; i < head; ++i)
              if (auto checked = c.exec(statements[i].sql, statements[i].params); !checked) return fail(checked.error());
            auto fulfilment = fulfilment_rows(c, keys_, change.header, change.fulfilment, change.events.back());
            if (!fulfilment) return fail(fulfilment.error());
            auto at = [&](std::size_t i) { return statements.begin() + static_cast<std::ptrdiff_t>(i); };
            std::vector<Statement> out(at(head), at(head + 1));
            out.insert(out.end(), fulfilment->begin(), fulfilment->end());
            out.insert(out.end(), at(head + 1), statements.end());
            return out;
          }();
          if (!rest) {
            (void)c.run_script("ROLLBACK");
            return fail(rest.error());
          }
          return c.finish(*rest);
        };
        // A connection lost on the way may have taken the COMMIT with it,
        // or its answer only: the outcome is looked up, never assumed.
        bool connection_lost = false;
        int backend = 0;
        auto attempt = [&] {
          return pool_.with([&](Connection& c) -> Result<std::vector<Rows>> {
            backend = c.backend_pid();
            auto sent = send(c);
            connection_lost = !sent && !c.usable();
            return sent;
          });
        };
        auto committed = attempt();
        // A correction sealed under a master key that a rotation has just
        // replaced (dsr_require_master_key): the key file is read again and
        // the fulfilment, which seals the record inside send(), runs again.
        if (!committed && !connection_lost && committed.error().kind == "master_key_rotated")
          if (Status reread = keys_.reload(); reread) committed = attempt();
        if (connection_lost)
          return resolve_unknown_commit(change.header.id, change.events.back().sequence, last_leaf, backend);
        if (committed) return ok_status();
        Error e = nik_taken_if_so(committed.error());
        if (change.expected_version == 0 && e.code == ErrorCode::conflict &&
            e.message.find("\"requests_pkey\"") != std::string::npos)
          e.message = fmt::format("request {} already exists", change.header.id);
        return fail(std::move(e));
      },
      std::move(done));
}

Status PgStore::resolve_unknown_commit(const std::string& request_id, std::int64_t seq, const Bytes& leaf_hash,
                                       int backend) const {
  auto give_up_at = std::chrono::steady_clock::now() + kResolveWithin;
  auto pause = std::chrono::milliseconds(100);
  for (;;) {
    // A new connection: on a multi-host --db, to whichever server is the
    // primary now (after a failover, the promoted standby).
    // Not stored yet is "not stored" only once the server process that ran
    // the transaction has ended: until then its COMMIT may still land.
    auto stored = pool_.with([&](Connection& c) {
      return c.exec("SELECT EXISTS (SELECT 1 FROM journal WHERE request_id = $1 AND request_seq = $2 "
                    "AND leaf_hash = $3), EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $4)",
                    {request_id, seq, leaf_hash, std::int64_t{backend}});
    });
    if (stored && stored->boolean(0, 0)) return ok_status();
    if (stored && !stored->boolean(0, 1))
      return fail(Error::unavailable(fmt::format(
          "the connection to PostgreSQL was lost and request {}'s change was not stored; try again", request_id)));
    if (std::chrono::steady_clock::now() + pause > give_up_at)
      return fail(Error::unavailable(fmt::format(
          "the connection to PostgreSQL was lost during the commit, and no server has answered since: whether "
          "request {}'s change was stored is not known; read the request before trying again ({})",
          request_id, stored.error().message)));
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(2000));
  }
}

Result<Request> PgStore::load(std::string_view id) const {
  return pool_.with([&](Connection& c) -> Result<Request> {
    // One statement, one snapshot for the row and its journal.
    auto rows = c.exec(std::string("SELECT r.type, r.policy, r.subject_ref, ") +
                           "j.request_seq, j.name, j.principal, j.role, j.at, j.reason, j.reason_public, j.from_state, "
                           "j.to_state, j.clock, j.outcome, j.data "
                           "FROM requests r JOIN journal j ON j.request_id = r.id WHERE r.id = $1 ORDER BY j.request_seq",
                       {std::string(id)});
    if (!rows) return fail(rows.error());
    if (rows->empty()) return fail(Error::not_found(fmt::format("no request {}", id)));
    RequestHeader h{std::string(id), rows->text(0, 0), rows->text(0, 1), rows->text(0, 2)};
    std::vector<Event> events;
    for (int i = 0; i < rows->size(); ++i) {
      auto e = event_at(*rows, i, 3);
      if (!e) return fail(Error::internal(fmt::format("the journal of request {} is damaged; run 'dsr audit verify'", id)));
      events.push_back(std::move(e).value());
    }
    return fold_request(h, events);
  });
}

Result<RequestPage> PgStore::list(const RequestQuery& q) const {
  return pool_.with([&](Connection& c) -> Result<RequestPage> {
    if (q.after) {
      auto known = c.exec("SELECT 1 FROM requests WHERE id = $1", {*q.after});
      if (!known) return fail(known.error());
      if (known->empty()) return fail(Error::invalid_argument("not a cursor this list gave out; start again without one"));
    }
    // One statement for every filter: a filter not asked for is NULL.
    auto rows = c.exec(
        "SELECT id, type, policy, state, version, received_at, due_at, extended, assignee, duplicate_of FROM requests "
        "WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR type = $2) "
        "AND ($3::text IS NULL OR assignee = $3) AND (NOT $4::boolean OR (closed_at IS NULL AND due_at < $5::bigint)) "
        "AND ($6::bigint IS NULL OR received_at < $6) "
        "AND ($7::text IS NULL OR (COALESCE(due_at, 9223372036854775807), id) > "
        "  (SELECT COALESCE(due_at, 9223372036854775807), id FROM requests WHERE id = $7)) "
        "ORDER BY COALESCE(due_at, 9223372036854775807), id LIMIT $8",
        {text_or_null(q.state), text_or_null(q.type), text_or_null(q.assignee), q.overdue_only, unix_seconds(q.now),
         seconds_or_null(q.received_before), text_or_null(q.after), std::int64_t{q.limit + 1}});
    if (!rows) return fail(rows.error());
    RequestPage page;
    for (int i = 0; i < rows->size(); ++i) {
      RequestSummary r;
      r.id = rows->text(i, 0);
      r.type = rows->text(i, 1);
      r.policy = rows->text(i, 2);
      r.state = rows->text(i, 3);
      r.version = rows->integer(i, 4);
      r.received_at = from_unix(rows->integer(i, 5));
      if (!rows->null(i, 6)) r.due_at = from_unix(rows->integer(i, 6));
      r.extended = rows->boolean(i, 7);
      if (!rows->null(i, 8)) r.assignee = rows->text(i, 8);
      if (!rows->null(i, 9)) r.duplicate_of = rows->text(i, 9);
      page.items.push_back(std::move(r));
    }
    if (static_cast<int>(page.items.size()) > q.limit) {
      page.items.pop_back();
      page.next_cursor = page.items.back().id;
    }
    return page;
  });
}

Result<std::optional<std::string>> PgStore::open_request_of(std::string_view subject_ref, std::string_view type) const {
  auto rows = pool_.with([&](Connection& c) {
    return c.exec("SELECT id FROM requests WHERE subject_ref = $1 AND type = $2 AND closed_at IS NULL "
                  "ORDER BY received_at, id LIMIT 1",
                  {std::string(subject_ref), std::string(type)});
  });
  if (!rows) return fail(rows.error());
  if (rows->empty()) return std::optional<std::string>{};
  return std::optional<std::string>{rows->text(0, 0)};
}

Result<std::string> PgStore::details(std::string_view id) const {
  auto sealed = pool_.with([&](Connection& c) { return c.exec("SELECT sealed FROM request_details WHERE request_id = $1", {std::string(id)}); });
  if (!sealed) return fail(sealed.error());
  if (sealed->empty()) return std::string();
  auto opened = unseal(keys_.details(), sealed->bytes(0, 0), request_details_context(id));
  if (!opened) return fail(Error::internal(fmt::format("the details of request {} do not open", id)));
  return std::string(opened->begin(), opened->end());
}

Result<std::vector<Correspondence>> PgStore::correspondence(std::string_view id) const {
  auto rows = pool_.with([&](Connection& c) {
    return c.exec("SELECT request_seq, author, role, sealed, at FROM request_messages WHERE request_id = $1 ORDER BY id",
                  {std::string(id)});
  });
  if (!rows) return fail(rows.error());
  std::vector<Correspondence> out;
  for (int i = 0; i < rows->size(); ++i) {
    auto opened = unseal(keys_.details(), rows->bytes(i, 3), message_context(id, rows->integer(i, 0)));
    if (!opened) return fail(Error::internal(fmt::format("a message of request {} does not open", id)));
    out.push_back({rows->text(i, 1), parse_role(rows->text(i, 2)).value_or(Role::subject),
                   std::string(opened->begin(), opened->end()), from_unix(rows->integer(i, 4))});
  }
  return out;
}

Result<std::optional<IdempotentReply>> PgStore::idempotent_reply(std::string_view key) const {
  Bytes key_hash = idempotency_key_hash(keys_, key);
  auto row = pool_.with([&](Connection& c) {
    return c.exec("SELECT body_hash, response FROM idempotency_keys WHERE key_hash = $1", {key_hash});
  });
  if (!row) return fail(row.error());
  if (row->empty()) return std::optional<IdempotentReply>{};
  auto response = unseal(keys_.details(), row->bytes(0, 1), idempotent_reply_context(key_hash));
  if (!response) return fail(Error::internal("a stored idempotent reply does not open"));
  Bytes digest = row->bytes(0, 0);
  return std::optional<IdempotentReply>{
      IdempotentReply{std::string(digest.begin(), digest.end()), std::string(response->begin(), response->end())}};
}

Result<QueueStats> PgStore::stats(TimePoint now) const {
  return pool_.with([&](Connection& c) -> Result<QueueStats> {
    QueueStats out;
    auto by_state = c.exec("SELECT state, COUNT(*) FROM requests GROUP BY state");
    if (!by_state) return fail(by_state.error());
    for (int i = 0; i < by_state->size(); ++i) out.by_state[by_state->text(i, 0)] = by_state->integer(i, 1);
    auto overdue = c.exec("SELECT COUNT(*) FROM requests WHERE closed_at IS NULL AND due_at < $1", {unix_seconds(now)});
    if (!overdue) return fail(overdue.error());
    out.overdue = overdue->integer(0, 0);
    auto outbox = c.exec("SELECT kind, status, COUNT(*) FROM outbox GROUP BY kind, status");
    if (!outbox) return fail(outbox.error());
    for (int i = 0; i < outbox->size(); ++i) out.outbox[{outbox->text(i, 0), outbox->text(i, 1)}] = outbox->integer(i, 2);
    auto owed = count_owed_receipts(c);
    if (!owed) return fail(owed.error());
    out.receipts_owed = *owed;
    return out;
  });
}

}  // namespace dsr::storage::pg
