#include "storage/migrations.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <fmt/format.h>

#include <array>
#include <ctime>

#include "storage/sqlite_error.hpp"

namespace dsr::storage {
namespace {

struct Migration {
  int version;
  const char* description;
  const char* sql;
};

// Append only: a migration, once released, never changes.
const std::array<Migration, 21> kMigrations{{
    {1, "requests, journal, vault, disclosures, recipients, tokens, outbox, verification codes", R"sql(
-- Settings that must hold for the life of the file (e.g. the master key check).
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value BLOB NOT NULL
);

-- Current state of each request: a cache of the fold of its journal.
-- No personal data: the subject is a pseudonymous reference into the vault.
CREATE TABLE requests (
  id          TEXT PRIMARY KEY,
  type        TEXT NOT NULL,
  policy      TEXT NOT NULL,
  subject_ref TEXT NOT NULL,
  state       TEXT NOT NULL,
  version     INTEGER NOT NULL CHECK (version >= 1),
  received_at INTEGER NOT NULL,          -- unix seconds, UTC
  due_at      INTEGER,                   -- unix seconds, cached for queues and reports
  extended    INTEGER NOT NULL DEFAULT 0,
  assignee    TEXT,
  outcome     TEXT NOT NULL DEFAULT '',
  updated_at  INTEGER NOT NULL
);
CREATE INDEX requests_by_state_due ON requests (state, due_at);
CREATE INDEX requests_by_due ON requests (due_at);
CREATE INDEX requests_by_received ON requests (received_at);
CREATE INDEX requests_by_subject ON requests (subject_ref);

-- The append-only journal, one hash chain over every event of every request:
-- hash = BLAKE2b-256(previous hash || canonical bytes of the event).
CREATE TABLE journal (
  seq           INTEGER PRIMARY KEY,     -- position in the chain
  request_id    TEXT NOT NULL REFERENCES requests (id),
  request_seq   INTEGER NOT NULL,        -- the event's sequence within its request
  name          TEXT NOT NULL,
  principal     TEXT NOT NULL,
  role          TEXT NOT NULL,
  at            INTEGER NOT NULL,
  reason        TEXT NOT NULL,
  reason_public INTEGER NOT NULL,
  from_state    TEXT NOT NULL,
  to_state      TEXT NOT NULL,
  clock         TEXT NOT NULL,
  outcome       TEXT NOT NULL,
  data          BLOB NOT NULL,           -- canonical encoding of the event's small facts
  hash          BLOB NOT NULL,
  UNIQUE (request_id, request_seq)
);

-- The chain's last link, sealed with a key derived from the master key, so
-- that cutting events off the end is detected too.
CREATE TABLE journal_head (
  id   INTEGER PRIMARY KEY CHECK (id = 1),
  seq  INTEGER NOT NULL,
  hash BLOB NOT NULL,
  mac  BLOB NOT NULL
);

-- The vault: each subject's record sealed under its own data key, which is
-- itself sealed under the master key. Lookups go through keyed hashes.
CREATE TABLE subjects (
  ref          TEXT PRIMARY KEY,
  nik_index    BLOB NOT NULL UNIQUE,
  email_index  BLOB,
  org_index    BLOB,
  wrapped_key  BLOB NOT NULL,
  record       BLOB NOT NULL,
  legal_hold   INTEGER NOT NULL DEFAULT 0,
  updated_at   INTEGER NOT NULL
);
CREATE INDEX subjects_by_email ON subjects (email_index);
CREATE INDEX subjects_by_org ON subjects (org_index);

-- Third parties that receive data; the signing secret is sealed.
CREATE TABLE recipients (
  id             TEXT PRIMARY KEY,
  name           TEXT NOT NULL,
  kind           TEXT NOT NULL CHECK (kind IN ('institution', 'legal_advisor', 'law_enforcement', 'government', 'processor')),
  webhook_url    TEXT NOT NULL,
  signing_secret BLOB NOT NULL,
  created_at     INTEGER NOT NULL
);

-- Every disclosure of a subject's data (policy D.4).
CREATE TABLE disclosures (
  id           TEXT PRIMARY KEY,
  subject_ref  TEXT NOT NULL,
  recipient_id TEXT NOT NULL REFERENCES recipients (id),
  categories   TEXT NOT NULL,            -- JSON array of category names
  legal_basis  TEXT NOT NULL,
  disclosed_at INTEGER NOT NULL,
  recorded_by  TEXT NOT NULL,
  recorded_at  INTEGER NOT NULL
);
CREATE INDEX disclosures_by_subject ON disclosures (subject_ref, disclosed_at);

-- Bearer tokens, stored as keyed hashes only.
CREATE TABLE tokens (
  token_hash   BLOB PRIMARY KEY,
  principal    TEXT NOT NULL,
  role         TEXT NOT NULL,
  organization TEXT,
  created_at   INTEGER NOT NULL,
  revoked_at   INTEGER
);

-- Messages to subjects and notifications to recipients, written in the same
-- transaction as the event that causes them, delivered by a worker.
-- Payloads that concern a subject are sealed under that subject's data key,
-- so erasing the subject shreds them too.
CREATE TABLE outbox (
  id              TEXT PRIMARY KEY,
  kind            TEXT NOT NULL CHECK (kind IN ('subject_message', 'recipient_notification')),
  request_id      TEXT REFERENCES requests (id),
  subject_ref     TEXT,
  recipient_id    TEXT REFERENCES recipients (id),
  payload         BLOB NOT NULL,
  status          TEXT NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'delivered', 'acknowledged', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error      TEXT,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_by_request ON outbox (request_id);

-- One-time verification codes: hashed, expiring, with limited attempts.
CREATE TABLE verification_codes (
  request_id    TEXT PRIMARY KEY REFERENCES requests (id),
  code_hash     BLOB NOT NULL,
  expires_at    INTEGER NOT NULL,
  attempts_left INTEGER NOT NULL,
  sent_count    INTEGER NOT NULL DEFAULT 1,
  created_at    INTEGER NOT NULL
);
)sql"},
    {2, "tracking tokens, sealed request details, idempotency keys", R"sql(
-- A subject's key to its own request, kept only as a keyed hash.
CREATE TABLE tracking_tokens (
  token_hash BLOB PRIMARY KEY,
  request_id TEXT NOT NULL UNIQUE REFERENCES requests (id)
);

-- What the form said (details, contact data given), sealed.
CREATE TABLE request_details (
  request_id TEXT PRIMARY KEY REFERENCES requests (id),
  sealed     BLOB NOT NULL
);

-- POST /v1/requests with an Idempotency-Key: the same key and body get the
-- same answer again; the answer is sealed (it holds the tracking token).
CREATE TABLE idempotency_keys (
  key_hash   BLOB PRIMARY KEY,
  body_hash  BLOB NOT NULL,
  status     INTEGER NOT NULL,
  response   BLOB NOT NULL,
  created_at INTEGER NOT NULL
);
)sql"},
    {3, "correspondence", R"sql(
-- Messages between the subject and staff; the text is sealed, the journal
-- holds the event that records each one.
CREATE TABLE request_messages (
  id          INTEGER PRIMARY KEY,
  request_id  TEXT NOT NULL REFERENCES requests (id),
  request_seq INTEGER NOT NULL,
  author      TEXT NOT NULL,
  role        TEXT NOT NULL,
  sealed      BLOB NOT NULL,
  at          INTEGER NOT NULL
);
CREATE INDEX request_messages_by_request ON request_messages (request_id, id);
)sql"},
    {4, "tracking tokens keyed by their request", R"sql(
-- A tracking token is "trk_<request id>.<secret>": the row is found by the
-- request id (time-ordered, so new rows append to the index instead of
-- landing on a random page) and the secret's keyed hash is compared in
-- constant time. Replaces tracking_tokens, which held no rows in use yet.
CREATE TABLE subject_keys (
  request_id  TEXT PRIMARY KEY REFERENCES requests (id),
  secret_hash BLOB NOT NULL
);
DROP TABLE tracking_tokens;
)sql"},
    {5, "recipient notifications: delivery and acknowledgement times", R"sql(
-- When a notice reached its recipient (a 2xx) and when the recipient
-- acknowledged it (a signed POST /v1/notifications/{id}/ack).
ALTER TABLE outbox ADD COLUMN delivered_at INTEGER;
ALTER TABLE outbox ADD COLUMN acknowledged_at INTEGER;
-- Each worker reads only its own kind of message; this index replaces
-- outbox_due, so that each queued message costs one index entry fewer.
CREATE INDEX outbox_by_kind_due ON outbox (kind, status, next_attempt_at);
DROP INDEX outbox_due;
-- Only recipient notices are looked up by request; a receipt to a subject
-- need not pay for an index entry.
DROP INDEX outbox_by_request;
CREATE INDEX outbox_notices_by_request ON outbox (request_id) WHERE kind = 'recipient_notification';
)sql"},
    {6, "receipts derived from the requests table", R"sql(
-- Receipts to subjects ("we received your request") are no longer queued
-- with each filing: the outbox worker writes them for the requests rows
-- after this mark, in rowid order (the one writer commits rows in that
-- order), and moves the mark once per batch (storage/filing_receipts.hpp).
-- Requests filed before this migration had theirs queued in the outbox.
INSERT INTO meta (key, value) SELECT 'receipts_through', COALESCE(MAX(rowid), 0) FROM requests;
)sql"},
    {7, "request milestones for SLA reports", R"sql(
-- What the SLA reports count, kept on each request by every change
-- (engine/request_milestones.hpp), so that a report is an aggregate over
-- this table and never a fold of the journal.
ALTER TABLE requests ADD COLUMN closed_at INTEGER;           -- entered a terminal step
ALTER TABLE requests ADD COLUMN verified_at INTEGER;         -- identity confirmed
ALTER TABLE requests ADD COLUMN awaiting_subject_seconds INTEGER NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN awaiting_since INTEGER;      -- waiting on the subject now, since then

-- Requests filed before this migration: the same facts from their journal,
-- by the step names of the shipped workflows (the only ones in use then).
UPDATE requests SET
  closed_at = (SELECT MAX(at) FROM journal j WHERE j.request_id = requests.id
               AND j.to_state IN ('completed', 'partially_completed', 'rejected', 'withdrawn', 'expired')),
  verified_at = (SELECT MIN(at) FROM journal j WHERE j.request_id = requests.id AND j.from_state = 'verifying'
                 AND j.to_state NOT IN ('verifying', 'rejected', 'withdrawn', 'expired'));
WITH entries AS (
  SELECT e.request_id, e.at,
         (SELECT MIN(k.at) FROM journal k WHERE k.request_id = e.request_id AND k.request_seq > e.request_seq
          AND k.to_state <> 'awaiting_subject') AS left_at
  FROM journal e WHERE e.to_state = 'awaiting_subject' AND e.from_state <> 'awaiting_subject'),
totals AS (
  SELECT request_id, COALESCE(SUM(left_at - at), 0) AS seconds, MAX(CASE WHEN left_at IS NULL THEN at END) AS since
  FROM entries GROUP BY request_id)
UPDATE requests SET awaiting_subject_seconds = totals.seconds, awaiting_since = totals.since
FROM totals WHERE totals.request_id = requests.id;

-- The report reads requests received in a period, by policy and type, and
-- the open requests by due date (a partial index: only what is open).
CREATE INDEX requests_by_policy_type_received ON requests (policy, type, received_at);
CREATE INDEX requests_open_by_due ON requests (due_at) WHERE closed_at IS NULL;
)sql"},
    {8, "indexes that answer the SLA report alone", R"sql(
-- A period's figures from one covering index, in state order within each
-- policy and type: each (policy, type, state) is a range of received_at,
-- found by seeks, summed without a sort and without reading the table.
DROP INDEX requests_by_policy_type_received;
CREATE INDEX requests_for_report ON requests (policy, type, state, received_at, closed_at, due_at, extended,
                                              verified_at, awaiting_subject_seconds, awaiting_since);
-- Times to completion in order, for the median and the 90th percentile
-- (nearest rank) without sorting; only completed requests have an entry.
CREATE INDEX requests_by_completion_time ON requests (policy, type, closed_at - received_at, received_at)
  WHERE state IN ('completed', 'partially_completed');
-- Weekly volume per policy from the index alone.
DROP INDEX requests_by_received;
CREATE INDEX requests_by_received ON requests (received_at, policy);
-- Workload per assignee from the index of open requests alone.
DROP INDEX requests_open_by_due;
CREATE INDEX requests_open_by_due ON requests (due_at, assignee) WHERE closed_at IS NULL;
)sql"},
    {9, "the record of retention sweeps and legal holds", R"sql(
-- What each retention sweep removed (storage/retention_sweep.hpp): counts,
-- and the pseudonymous references of the subjects whose vault record was
-- crypto-shredded; never the data itself. Append only.
CREATE TABLE retention_sweeps (
  id                  INTEGER PRIMARY KEY,
  at                  INTEGER NOT NULL,
  verification_codes  INTEGER NOT NULL,
  message_payloads    INTEGER NOT NULL,
  idempotency_answers INTEGER NOT NULL,
  subjects_shredded   TEXT NOT NULL,     -- JSON array of subject references
  subjects_on_hold    INTEGER NOT NULL
);
-- Who placed or lifted each legal hold (subjects.legal_hold), and why.
CREATE TABLE legal_holds (
  id          INTEGER PRIMARY KEY,
  subject_ref TEXT NOT NULL,
  hold        INTEGER NOT NULL,          -- 1 placed, 0 lifted
  placed_by   TEXT NOT NULL,
  reason      TEXT NOT NULL,
  at          INTEGER NOT NULL
);
)sql"},
    {10, "tokens with an id, an expiry and their last use", R"sql(
-- Tokens are listed and revoked by id (dsr token list|revoke, /v1/tokens):
-- the keyed hash, the only other handle, must never be shown. A token
-- made before this migration gets a random id and no expiry.
ALTER TABLE tokens ADD COLUMN id TEXT;
ALTER TABLE tokens ADD COLUMN expires_at INTEGER;
ALTER TABLE tokens ADD COLUMN last_used_at INTEGER;  -- to the minute
ALTER TABLE tokens ADD COLUMN revoked_by TEXT;       -- who revoked it
UPDATE tokens SET id = 'tok_' || lower(hex(randomblob(12)));
CREATE UNIQUE INDEX tokens_by_id ON tokens (id);
)sql"},
    {11, "the audit log's Merkle tree and its checkpoints", R"sql(
-- Each journal entry is a leaf of an RFC 6962 Merkle tree (docs/audit-log.md):
-- the leaf's bytes (canonical JSON with a salt, storage/audit_leaf.hpp) are
-- kept with the entry; rows written before this migration get theirs when
-- dsr next opens the database (storage/journal.cpp backfill_audit_leaves).
ALTER TABLE journal ADD COLUMN leaf BLOB;
-- Every complete subtree's hash by (level, index); level 0: the leaf hashes.
CREATE TABLE log_nodes (
  level INTEGER NOT NULL,
  idx   INTEGER NOT NULL,
  hash  BLOB NOT NULL,
  PRIMARY KEY (level, idx)
) WITHOUT ROWID;
-- Every signed checkpoint (C2SP tlog-checkpoint in a signed note), one per size.
CREATE TABLE log_checkpoints (
  size      INTEGER PRIMARY KEY,
  root      BLOB NOT NULL,
  note      TEXT NOT NULL,
  signed_at INTEGER NOT NULL
);
)sql"},
    {12, "the Merkle tree replaces the hash chain", R"sql(
-- The journal's hash chain, whose head was sealed with a key derived from
-- the master key, goes: whoever held that key could rewrite history and
-- seal it again. The audit log's tree and its signed checkpoints
-- (migration 11) do its work, verifiably by anyone.
DROP TABLE journal_head;
ALTER TABLE journal DROP COLUMN hash;
)sql"},
    {13, "the audit log's tree is kept in the journal rows", R"sql(
-- A leaf is its row's own fields with a salt (storage/audit_leaf.hpp), so
-- the row keeps the 16-byte salt (base64, as in the leaf) and the leaf is
-- rebuilt for proofs and audits. The tree moves into the rows too: each
-- keeps its leaf hash and the hashes of the subtrees its leaf completes
-- (storage/audit_tree.hpp), so that an event writes one row and no pages
-- elsewhere. dsr fills both in when it opens the database, from the rows
-- and their salts; the checkpoints signed before still hold them to account.
-- An erasure blanks a reason and keeps its salted hash in erased_reason,
-- so that the leaf stays as it was.
ALTER TABLE journal ADD COLUMN salt TEXT;
ALTER TABLE journal ADD COLUMN erased_reason TEXT;
ALTER TABLE journal ADD COLUMN leaf_hash BLOB;
ALTER TABLE journal ADD COLUMN nodes BLOB;
UPDATE journal SET salt = json_extract(CAST(leaf AS TEXT), '$.salt') WHERE leaf IS NOT NULL;
ALTER TABLE journal DROP COLUMN leaf;
DROP TABLE log_nodes;
)sql"},
    {14, "consents, restrictions, disclosure purposes and duplicate requests", R"sql(
-- The consent ledger (policy C.3, H.2): append only; a withdrawal is a new
-- row. Erased with the subject's record.
CREATE TABLE consents (
  id             TEXT PRIMARY KEY,
  subject_ref    TEXT NOT NULL,
  purpose        TEXT NOT NULL,
  status         TEXT NOT NULL CHECK (status IN ('given', 'withdrawn')),
  policy_version TEXT NOT NULL,
  at             INTEGER NOT NULL,
  channel        TEXT NOT NULL,
  evidence_ref   TEXT NOT NULL,
  recorded_by    TEXT NOT NULL,
  request_id     TEXT,
  recorded_at    INTEGER NOT NULL
);
CREATE INDEX consents_by_subject ON consents (subject_ref, at);
-- The restriction of processing in force on a subject's record (UU PDP
-- Pasal 41): one per subject; lifting it deletes the row (the journal keeps
-- the history).
CREATE TABLE restrictions (
  subject_ref TEXT PRIMARY KEY,
  since       INTEGER NOT NULL,
  categories  TEXT NOT NULL,           -- JSON array; empty: every category
  request_id  TEXT NOT NULL
);
-- The purpose a disclosure served: a consent withdrawal for that purpose
-- tells its recipient.
ALTER TABLE disclosures ADD COLUMN purpose TEXT NOT NULL DEFAULT '';
-- The open request of the same type and subject a filing duplicates.
ALTER TABLE requests ADD COLUMN duplicate_of TEXT;
CREATE INDEX requests_open_by_subject ON requests (subject_ref, type, received_at) WHERE closed_at IS NULL;
)sql"},
    {15, "the privacy policy's versions", R"sql(
-- The privacy policy's versions (policy K): one text per version and
-- language, never edited or deleted; public.
CREATE TABLE policy_versions (
  version      TEXT NOT NULL,
  language     TEXT NOT NULL,
  effective_at INTEGER NOT NULL,
  text         TEXT NOT NULL,
  published_by TEXT NOT NULL,
  published_at INTEGER NOT NULL,
  PRIMARY KEY (version, language)
);
)sql"},
    {16, "one restriction per request that placed it", R"sql(
-- Each restriction request keeps its own row, so that lifting one leaves
-- the others standing; the record's restriction is their union.
CREATE TABLE restrictions_placed (
  subject_ref TEXT NOT NULL,
  request_id  TEXT NOT NULL,
  since       INTEGER NOT NULL,
  categories  TEXT NOT NULL,           -- JSON array; empty: every category
  PRIMARY KEY (subject_ref, request_id)
) WITHOUT ROWID;
INSERT INTO restrictions_placed SELECT subject_ref, request_id, since, categories FROM restrictions;
DROP TABLE restrictions;
ALTER TABLE restrictions_placed RENAME TO restrictions;
)sql"},
    {17, "disclosures withheld from the subject while an authority prohibits telling them", R"sql(
-- An authority's release (policy D.7) may come with a prohibition to tell
-- the subject: the access package leaves the disclosure out until then.
ALTER TABLE disclosures ADD COLUMN withheld_until INTEGER;
)sql"},
    {18, "staff reads of personal data in the audit log (access entries)", R"sql(
-- A read of a subject's data by staff is an entry of the audit log, a leaf
-- of the same tree as the requests' events (docs/access-log.md): a journal
-- row with no request, naming its subject by reference in subject_ref.
-- SQLite cannot drop a NOT NULL in place: the table is made again, its
-- rows (and so the tree) unchanged.
CREATE TABLE journal_new (
  seq           INTEGER PRIMARY KEY,     -- its place in the log (leaf index + 1)
  request_id    TEXT REFERENCES requests (id),  -- NULL: a staff access entry
  request_seq   INTEGER,                 -- the event's sequence within its request
  name          TEXT NOT NULL,           -- the event; an access entry's route
  principal     TEXT NOT NULL,
  role          TEXT NOT NULL,
  at            INTEGER NOT NULL,
  reason        TEXT NOT NULL,
  reason_public INTEGER NOT NULL,
  from_state    TEXT NOT NULL,
  to_state      TEXT NOT NULL,
  clock         TEXT NOT NULL,
  outcome       TEXT NOT NULL,
  data          BLOB NOT NULL,           -- the event's small facts; an access entry's fields and request
  salt          TEXT,
  erased_reason TEXT,
  leaf_hash     BLOB,
  nodes         BLOB,
  subject_ref   TEXT,                    -- an access entry's subject
  UNIQUE (request_id, request_seq),
  CHECK ((request_id IS NULL) = (subject_ref IS NOT NULL)),
  CHECK ((request_id IS NULL) = (request_seq IS NULL))
);
INSERT INTO journal_new (seq, request_id, request_seq, name, principal, role, at, reason, reason_public, from_state,
                         to_state, clock, outcome, data, salt, erased_reason, leaf_hash, nodes)
  SELECT seq, request_id, request_seq, name, principal, role, at, reason, reason_public, from_state,
         to_state, clock, outcome, data, salt, erased_reason, leaf_hash, nodes FROM journal;
DROP TABLE journal;
ALTER TABLE journal_new RENAME TO journal;
-- A subject's access entries, newest first (GET /v1/subjects/{nik}/access-log).
CREATE INDEX journal_access_by_subject ON journal (subject_ref, seq) WHERE subject_ref IS NOT NULL;
)sql"},
    {19, "key ids: master key rotation, retired signing keys", R"sql(
-- The master key each subject's data key is wrapped under (its id, see
-- storage/crypto.hpp master_key_id); '' for rows wrapped before keys had
-- ids, under the database's first key.
ALTER TABLE subjects ADD COLUMN wrap_key_id TEXT NOT NULL DEFAULT '';
-- Keys kept sealed under the master key: 'purpose', the purpose keys
-- (blind index, token hash, secrets, details) once a rotation has run.
CREATE TABLE sealed_keys (
  name    TEXT PRIMARY KEY,
  key_id  TEXT NOT NULL,
  sealed  BLOB NOT NULL
);
-- The master key new rows must be wrapped under ('' until the first
-- rotation): a writer reads it in its transaction, so that no row is
-- wrapped under a key after a rotation announced its successor.
INSERT INTO meta (key, value) VALUES ('master_key_current', '');
-- Package signing keys retired by dsr key rotate-signing: their public
-- keys, so that what they signed still verifies (the secret is gone).
CREATE TABLE retired_signing_keys (
  key_id      TEXT PRIMARY KEY,
  public_key  TEXT NOT NULL,
  retired_at  INTEGER NOT NULL
);
)sql"},
    {20, "client certificates mapped to members of staff", R"sql(
-- dsr staff add|list|remove: a certificate (its issuer and serial, and its
-- SHA-256 fingerprint when added from its file) signs its holder in as a
-- principal with a role. Removed mappings stay, for the record.
CREATE TABLE staff_certificates (
  id           TEXT PRIMARY KEY,
  principal    TEXT NOT NULL,
  role         TEXT NOT NULL,
  organization TEXT,
  issuer       TEXT NOT NULL,   -- RFC 2253
  serial       TEXT NOT NULL,   -- lower-case hex
  fingerprint  TEXT,            -- NULL when added by issuer and serial
  subject      TEXT,
  not_after    INTEGER,
  added_at     INTEGER NOT NULL,
  added_by     TEXT NOT NULL,
  removed_at   INTEGER,
  removed_by   TEXT
);
CREATE UNIQUE INDEX staff_certificates_in_force ON staff_certificates (issuer, serial) WHERE removed_at IS NULL;
)sql"},
    {21, "retired audit log keys, for dsr key rotate-log", R"sql(
-- Audit log keys retired by dsr key rotate-log: their verifier keys, so
-- that the checkpoints they signed still verify (the secret is gone), and
-- the handover note each signed with its successor (storage/log_key.hpp).
-- The key in force stays meta 'log_verifier_key'.
CREATE TABLE retired_log_keys (
  verifier_key  TEXT PRIMARY KEY,
  key_id        TEXT NOT NULL,
  retired_at    INTEGER NOT NULL,
  handover      TEXT NOT NULL
);
)sql"},
}};

void ensure_migrations_table(SQLite::Database& db) {
  db.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      "  version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL)");
}

}  // namespace

int latest_schema_version() { return kMigrations.back().version; }

int schema_version(SQLite::Database& db) {
  if (!db.tableExists("schema_migrations")) return 0;
  SQLite::Statement q(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  q.executeStep();
  return q.getColumn(0).getInt();
}

Status migrate(SQLite::Database& db, int up_to) {
  return guarded("migrating the database schema", [&]() -> Status {
    ensure_migrations_table(db);
    int current = schema_version(db);
    if (current > latest_schema_version())
      return fail(Error::conflict(fmt::format(
          "this database has schema version {}, newer than this dsr knows ({}); run the dsr release that wrote it "
          "or a newer one", current, latest_schema_version())));
    for (const auto& m : kMigrations) {
      if (m.version <= current) continue;
      if (up_to > 0 && m.version > up_to) break;
      SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
      db.exec(m.sql);
      SQLite::Statement record(db, "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)");
      record.bind(1, m.version);
      record.bind(2, m.description);
      record.bind(3, static_cast<std::int64_t>(std::time(nullptr)));
      record.exec();
      tx.commit();
    }
    return ok_status();
  });
}

}  // namespace dsr::storage
