// The tamper-evident journal. Every event of every request is one row in a
// single hash chain:
//   hash_n = BLAKE2b-256(hash_{n-1} || canonical_bytes(event n))
// with hash_0 = 32 zero bytes. The chain's last link is kept in
// journal_head, sealed with a key derived from the master key, so removing
// events from the end is caught as well as editing, deleting or reordering
// rows in the middle.
//
// JournalChain is owned by the writer thread and used only there.
#pragma once

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "storage/write_connection.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "engine/ports.hpp"
#include "engine/request.hpp"
#include "engine/result.hpp"
#include "storage/crypto.hpp"

namespace dsr::storage {

// The unambiguous byte form of an event that the chain hashes: every field,
// length-prefixed, in a fixed order.
Bytes canonical_bytes(std::string_view request_id, const Event& event);

// The event's small facts in the same length-prefixed form (journal.data).
Bytes encode_event_data(const std::map<std::string, std::string>& data);
Result<std::map<std::string, std::string>> decode_event_data(std::span<const unsigned char> bytes);

class JournalChain {
 public:
  struct Head {
    std::int64_t seq = 0;
    Bytes hash = Bytes(32, 0);
  };

  explicit JournalChain(const SecretKey& mac_key) : mac_key_(mac_key) {}

  // Reads the head from the database (after start or a failed batch).
  void reload(SQLite::Database& db);
  // Appends one event; returns its chain position.
  std::int64_t append(WriteConnection& db, std::string_view request_id, const Event& event);
  // Writes and seals the head; once per transaction, before commit.
  void seal(WriteConnection& db);

  const Head& head() const { return head_; }
  void restore(Head head) { head_ = std::move(head); }

 private:
  const SecretKey& mac_key_;
  Head head_;
};

struct JournalVerdict {
  bool ok = true;
  std::int64_t events = 0;
  std::optional<std::int64_t> first_bad_event;  // chain position
  std::string first_bad_request;                // its request, where known
  std::string problem;                          // what is wrong there
};

// Recomputes the whole chain and checks the sealed head, and that each
// request's cached row agrees with its journal.
Result<JournalVerdict> verify_journal(SQLite::Database& db, const SecretKey& mac_key);

// The whole audit: the journal and its tree (verify_journal), then every
// signed checkpoint against the log key the database recorded
// (storage/log_checkpoints.hpp), as dsr audit verify and GET
// /v1/audit/verify report it.
Result<AuditVerdict> verify_audit_log(SQLite::Database& db, const SecretKey& mac_key);

// The engine's AuditTrail over a database's journal.
class SqliteAuditTrail final : public AuditTrail {
 public:
  SqliteAuditTrail(std::function<Result<AuditVerdict>()> verify) : verify_(std::move(verify)) {}
  Result<AuditVerdict> verify() const override { return verify_(); }

 private:
  std::function<Result<AuditVerdict>()> verify_;
};

// The event in a journal row whose columns, from `first` on, are
// request_seq, name, principal, role, at, reason, reason_public,
// from_state, to_state, clock, outcome, data.
Result<Event> read_event(SQLite::Statement& row, int first);

// Gives every journal row without a leaf (written before the audit log's
// tree existed) its leaf and tree nodes, in order. On the writer.
Status backfill_audit_leaves(WriteConnection& db);

// The head's seal: keyed hash over its position and hash.
Bytes head_mac(const SecretKey& mac_key, std::int64_t seq, std::span<const unsigned char> hash);

}  // namespace dsr::storage
