// The audit log's signed checkpoints (storage/log_key.hpp), one per tree
// size and all kept: signed by the server when the tree has grown, read by
// the public endpoints and by access packages, and checked by
// `dsr audit verify` against the tree rebuilt from the journal.
#pragma once

#include <SQLiteCpp/Database.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/result.hpp"
#include "storage/database.hpp"
#include "storage/journal.hpp"
#include "storage/log_key.hpp"

namespace dsr::storage {

// Signs and stores a checkpoint of the tree as committed, if it is larger
// than the latest checkpoint; returns the new checkpoint's size, or nullopt
// when the tree has not grown. Through the writer; waits. The key is the
// one the database says is in force, read in the same transaction: no
// checkpoint is signed with a key after its rotation committed.
Result<std::optional<std::uint64_t>> sign_checkpoint(Database& db, const LogSigningKeys& keys);
// The same without waiting: `done` runs on the writer once it is durable.
void sign_checkpoint_then(Database& db, const LogSigningKeys& keys, std::function<void(Status)> done);

// The signed note of the latest checkpoint, or of the one at `size`.
Result<std::optional<std::string>> latest_checkpoint(Database& db);
Result<std::optional<std::string>> checkpoint_at(Database& db, std::uint64_t size);

// The log's identity as the database remembers it: origin and verifier key,
// recorded the first time a server signs (so that an audit needs no
// private key). remember_log_key() refuses a key or origin other than the
// one recorded: a log's identity never changes.
// After a rotation the database remembers the successor; a retired key is
// refused with a message that says so.
Status remember_log_key(Database& db, const LogKey& key);
Result<std::optional<std::string>> remembered_verifier_key(SQLite::Database& db);

// The log's keys: the one in force first, then the retired ones, newest
// first (empty before a server first signed).
Result<std::vector<LogKeyListing>> log_keys(SQLite::Database& db);
// Just the verifier keys of log_keys().
std::vector<std::string> verifier_keys(const std::vector<LogKeyListing>& keys);
// The verifier keys a checkpoint of this log may be signed by: those
// listed, or, before any was recorded, the key this server holds.
Result<std::vector<std::string>> known_verifier_keys(const Result<std::vector<LogKeyListing>>& listed,
                                                     const LogSigningKeys& held);

// `dsr key rotate-log`'s one transaction: `successor` in force in place of
// `retiring` (conflict if another key is in force by now: a rotation ran
// at the same time), `retiring` listed as retired at `at` with its
// handover note.
struct LogKeyRotation {
  std::string retiring;   // verifier keys
  std::string successor;
  std::string handover;   // handover_note(), storage/log_key.hpp
  TimePoint at;
};
Status rotate_log_key(Database& db, const LogKeyRotation& rotation);
// What the rotation's handover must be: a checkpoint signed by the retiring
// key and by its successor, naming the successor. The problem, if not.
std::optional<std::string> handover_problem(const LogKeyListing& retired, const std::string& successor);
// The same for each retired key of log_keys(), whose successor is the key
// listed before it.
std::optional<std::string> handover_chain_problem(const std::vector<LogKeyListing>& keys);
// The log as it is now, as the checkpoint a handover note signs.
Result<Checkpoint> current_checkpoint(SQLite::Database& db, std::string origin);

struct CheckpointVerdict {
  bool ok = true;
  std::uint64_t checkpoints = 0;
  std::optional<std::uint64_t> first_bad_checkpoint;  // its size
  std::string problem;
};

// The judging itself, the same on every backend: each stored checkpoint
// (in order of size) against the verifier key and the tree as it is now.
struct StoredCheckpoint {
  std::uint64_t size = 0;
  Bytes root;
  std::string note;
};
// Each checkpoint is checked with the key its signature names among
// `verifier_keys` (the keys in force and retired).
CheckpointVerdict judge_checkpoints(const std::vector<StoredCheckpoint>& checkpoints, std::uint64_t tree_size,
                                    const merkle::NodeSource& nodes, const std::vector<std::string>& verifier_keys);
// Whether the tree extends `kept`, a checkpoint whose signature was checked.
CheckpointVerdict judge_kept_checkpoint(const Checkpoint& kept, std::uint64_t tree_size, const merkle::NodeSource& nodes);
// The audit's answer from the journal's verdict and, once a server signed
// for the log, the checkpoints'.
AuditVerdict audit_verdict(const JournalVerdict& journal, const std::optional<CheckpointVerdict>& checkpoints);

// Each stored checkpoint: signed by one of `verifier_keys` (the one it
// names), and its root that of the tree now at its size (so the log was
// neither cut back nor rewritten since). The tree's stored nodes must have
// been verified first (verify_journal).
Result<CheckpointVerdict> verify_checkpoints(SQLite::Database& db, const std::vector<std::string>& verifier_keys);

// Whether the tree now extends the checkpoint in `note` (kept from earlier,
// e.g. from an access package): its signature by the key it names among
// `verifier_keys`, then its root against the tree's root at its size.
Result<CheckpointVerdict> verify_consistent_with(SQLite::Database& db, std::string_view note,
                                                 const std::vector<std::string>& verifier_keys);

}  // namespace dsr::storage
