// The audit log's checkpoints and readers on PostgreSQL, as
// storage/log_checkpoints.hpp and storage/sqlite_audit_log.hpp have them on
// SQLite. A checkpoint is signed over the sequenced entries only; any node
// may sign, and one size keeps one checkpoint (the first stored; Ed25519
// is deterministic, so two nodes signing one size write the same note).
//
// Thread-safe: every call leases its own connection.
#pragma once

#include <optional>

#include "engine/ports.hpp"
#include "storage/log_checkpoints.hpp"
#include "storage/log_key.hpp"
#include "storage/postgres/pg_executor.hpp"
#include "storage/postgres/pg_pool.hpp"

namespace dsr::storage::pg {

// Signs and stores a checkpoint of the sequenced tree if it grew past the
// latest; its size, or nullopt if there was nothing new.
Result<std::optional<std::uint64_t>> sign_checkpoint(Pool& pool, const LogSigningKeys& keys);
// The log's identity as the database remembers it (meta 'log_verifier_key'):
// recorded the first time, refused if another key or origin is given later.
Status remember_log_key(Pool& pool, const LogKey& key);
Result<std::optional<std::string>> remembered_verifier_key(Connection& c);
// As log_keys() and rotate_log_key() on SQLite (storage/log_checkpoints.hpp).
Result<std::vector<LogKeyListing>> log_keys(Connection& c);
Status rotate_log_key(Pool& pool, const LogKeyRotation& rotation);
Result<Checkpoint> current_checkpoint(Connection& c, std::string origin);

// Every stored checkpoint: signed by the one of `verifier_keys` it names,
// over the tree as stored.
Result<CheckpointVerdict> verify_checkpoints(Connection& c, const std::vector<std::string>& verifier_keys);
// The whole audit: the journal and its tree, then every checkpoint.
Result<AuditVerdict> verify_audit_log(Connection& c);
// Whether the log now extends the checkpoint in `note`.
Result<CheckpointVerdict> verify_consistent_with(Connection& c, std::string_view note,
                                                 const std::vector<std::string>& verifier_keys);

class PgAuditLog final : public AuditLogReader {
 public:
  static constexpr std::uint64_t kMaxEntries = 1000;

  PgAuditLog(Pool& pool, Executor& executor) : pool_(pool), executor_(executor) {}
  void set_key(const LogSigningKeys* key) { key_ = key; }

  Result<std::string> verifier_key() const override;
  Result<std::vector<LogKeyListing>> keys() const override;
  Result<std::string> latest_checkpoint() const override;
  Result<std::string> checkpoint(std::uint64_t size) const override;
  Result<std::vector<std::string>> consistency(std::uint64_t from, std::uint64_t to) const override;
  Result<std::vector<std::string>> entries(std::uint64_t from, std::uint64_t to) const override;
  Result<std::string> tile(int level, std::uint64_t index, unsigned width) const override;
  // unavailable while the sequencer has not yet placed all of the
  // request's entries (they are written unsequenced; it places them within
  // moments): the caller asks again, never waits here.
  void proofs_for(std::string request_id, ProofsDone done) override;

 private:
  Result<std::optional<std::string>> note_where(const std::string& sql, std::optional<std::uint64_t> size) const;
  // The verifier keys of keys(), or the key held while none is recorded.
  Result<std::vector<std::string>> known_keys() const;
  Pool& pool_;
  Executor& executor_;
  const LogSigningKeys* key_ = nullptr;
};

}  // namespace dsr::storage::pg
