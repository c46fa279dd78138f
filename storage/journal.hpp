// The journal: every event of every request is one row, numbered in commit
// order, and each row is a leaf of the audit log's RFC 6962 Merkle tree
// (storage/audit_leaf.hpp, storage/audit_tree.hpp), whose signed
// checkpoints (storage/log_checkpoints.hpp) make its history verifiable:
// an edited, deleted or reordered row no longer matches its leaf or the
// tree, and a tree cut back or rewritten no longer matches a checkpoint.
//
// JournalAppender is owned by the writer thread and used only there.
#pragma once

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "storage/write_connection.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "engine/merkle.hpp"
#include "engine/ports.hpp"
#include "engine/request.hpp"
#include "engine/result.hpp"
#include "storage/audit_tree.hpp"
#include "storage/crypto.hpp"

namespace dsr::storage {

// The event's small facts, length-prefixed (journal.data).
Bytes encode_event_data(const std::map<std::string, std::string>& data);
Result<std::map<std::string, std::string>> decode_event_data(std::span<const unsigned char> bytes);

// An event's leaf salt and leaf hash, made before the writer takes the
// event (on the caller's thread: the one writer is what every command
// waits for).
struct AuditLeaf {
  std::string salt;  // base64, as the journal row keeps it
  merkle::Hash hash{};
};
AuditLeaf make_audit_leaf(std::string_view request_id, const Event& event);
// The same for a staff access entry.
AuditLeaf make_access_leaf(const AccessEntry& entry);

// A staff access entry is a journal row with no request (request_id and
// request_seq NULL) and its subject in subject_ref; the route is its name,
// and its data holds the fields read and the request, if any. The other
// event columns are empty ("none" for the clock). Both backends write and
// read it so.
std::map<std::string, std::string> access_data(const AccessEntry& entry);
// The entry of such a row, from its name, principal, role, at, data and subject_ref.
Result<AccessEntry> access_entry_of(std::string route, std::string principal, std::string_view role, std::int64_t at,
                                    std::span<const unsigned char> data, std::string subject_ref);

// Appends journal entries, each with its leaf's salt and tree nodes, in the
// writer's transaction; remembers the last entry and the tree's right edge.
class JournalAppender {
 public:
  struct Position {
    std::int64_t last = 0;  // the last entry's seq
    TreeEdge tree;
  };

  // Reads the position from the database (after start or a failed batch).
  void reload(SQLite::Database& db);
  // Appends one event; returns its seq (its leaf's index + 1).
  std::int64_t append(WriteConnection& db, std::string_view request_id, const Event& event, const AuditLeaf& leaf);
  // Appends one staff access entry (a leaf of the same tree); returns its seq.
  std::int64_t append_access(WriteConnection& db, const AccessEntry& entry, const AuditLeaf& leaf);

  const Position& position() const { return at_; }
  // Back to a position taken before a job that failed (its savepoint undone).
  void restore(Position before) { at_ = std::move(before); }

 private:
  // Inserts a row with these columns and its leaf's nodes.
  std::int64_t insert(WriteConnection& db, const Event& event, const AuditLeaf& leaf, const std::string* request_id,
                      const std::string* subject_ref);

  Position at_;
};

struct JournalVerdict {
  bool ok = true;
  std::int64_t events = 0;
  std::optional<std::int64_t> first_bad_event;  // chain position
  std::string first_bad_request;                // its request, where known
  std::string problem;                          // what is wrong there
};

// Checks that the entries are numbered without gaps, that each is its
// leaf's event, that the stored tree is the tree of those leaves, and that
// each request's cached row agrees with its journal. What the entries were
// when a checkpoint was signed is checked by verify_audit_log.
Result<JournalVerdict> verify_journal(SQLite::Database& db);

// The statement, the same on both backends, that lists each request's
// cached row beside its journal: id, version, state, the journal's count,
// its last state, and its first entry's seq (NULL if none or unsequenced).
inline constexpr const char* kRequestsAgainstJournal =
    "SELECT r.id, r.version, r.state, "
    "  (SELECT COUNT(*) FROM journal j WHERE j.request_id = r.id), "
    "  (SELECT j.to_state FROM journal j WHERE j.request_id = r.id ORDER BY j.request_seq DESC LIMIT 1), "
    "  (SELECT MIN(j.seq) FROM journal j WHERE j.request_id = r.id) "
    "FROM requests r ORDER BY r.id";
// What is wrong with a request row against its journal; "" if nothing.
std::string request_row_disagrees(std::int64_t version, const std::string& state, std::int64_t journal_count,
                                  const std::string& journal_state);

// The whole audit: the journal and its tree (verify_journal), then every
// signed checkpoint against the log key the database recorded
// (storage/log_checkpoints.hpp), as dsr audit verify and GET
// /v1/audit/verify report it.
Result<AuditVerdict> verify_audit_log(SQLite::Database& db);

// The engine's AuditTrail as the function that audits a database (either
// backend's verify_audit_log on a connection of its own).
class AuditTrailCheck final : public AuditTrail {
 public:
  AuditTrailCheck(std::function<Result<AuditVerdict>()> verify) : verify_(std::move(verify)) {}
  Result<AuditVerdict> verify() const override { return verify_(); }

 private:
  std::function<Result<AuditVerdict>()> verify_;
};

// The event in a journal row whose columns, from `first` on, are
// request_seq, name, principal, role, at, reason, reason_public,
// from_state, to_state, clock, outcome, data.
Result<Event> read_event(SQLite::Statement& row, int first);

// The journal columns a row's leaf is made of, in the order row_leaf reads
// them; subject_ref is set on staff access entries only.
inline constexpr const char* kLeafColumns =
    "request_id, request_seq, name, principal, role, at, reason, reason_public, from_state, to_state, clock, "
    "outcome, data, salt, erased_reason, subject_ref";
inline constexpr int kLeafColumnCount = 16;
// The leaf of a journal row selected with kLeafColumns from column `first`:
// an event's, or a staff access entry's.
Result<std::string> row_leaf(SQLite::Statement& row, int first);

// Gives every journal row without a leaf salt (written before the audit
// log's tree existed) its salt and tree nodes, in order. On the writer.
Status backfill_audit_leaves(WriteConnection& db);

// Blanks the reasons of every event of the subject's requests, keeping
// each reason's salted hash so that their leaves stay as they were (an
// erasure: the reasons staff wrote may hold the subject's personal data).
void erase_reasons_of(WriteConnection& db, const std::string& subject_ref);


}  // namespace dsr::storage
