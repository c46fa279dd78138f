// The engine's AuditLogReader over the database's Merkle tree and its
// checkpoints. The key is given once the server knows its origin (after it
// listens); until then verifier_key() and proofs are unavailable. The keys
// listed are those the database records (in force and retired).
// Thread-safety: any thread; set_key() before serving.
#pragma once

#include <mutex>
#include <optional>

#include "engine/ports.hpp"
#include "storage/database.hpp"
#include "storage/log_key.hpp"

namespace dsr::storage {

class SqliteAuditLog final : public AuditLogReader {
 public:
  static constexpr std::uint64_t kMaxEntries = 1000;  // leaves one call returns at most

  explicit SqliteAuditLog(Database& db) : db_(db) {}
  void set_key(const LogSigningKeys* key) { key_ = key; }

  Result<std::string> verifier_key() const override;
  Result<std::vector<LogKeyListing>> keys() const override;
  Result<std::string> latest_checkpoint() const override;
  Result<std::string> checkpoint(std::uint64_t size) const override;
  Result<std::vector<std::string>> consistency(std::uint64_t from, std::uint64_t to) const override;
  Result<std::vector<std::string>> entries(std::uint64_t from, std::uint64_t to) const override;
  Result<std::string> tile(int level, std::uint64_t index, unsigned width) const override;
  void proofs_for(std::string request_id, ProofsDone done) override;

 private:
  struct EntryRow {
    std::int64_t sequence;
    std::uint64_t index;
    std::string leaf;
  };
  // The verifier keys of keys(), or the key held while none is recorded.
  Result<std::vector<std::string>> known_keys() const;
  // The request's entries with their proofs at the checkpoint `note`.
  Result<RequestLogProofs> prove(const std::vector<EntryRow>& rows, const std::string& note) const;

  Database& db_;
  const LogSigningKeys* key_ = nullptr;
};

// Hashes in base64, as the proofs carry them.
std::vector<std::string> base64_all(const std::vector<merkle::Hash>& hashes);
// The note, or not_found saying `what` when there is none.
Result<std::string> note_or_not_found(Result<std::optional<std::string>> note, std::string what);

// The c2sp.org/tlog-proof@v1 text of leaf `index` with `proof` (base64
// hashes) at the checkpoint `note`.
std::string tlog_proof_text(std::uint64_t index, const std::vector<std::string>& proof, std::string_view note);

}  // namespace dsr::storage
