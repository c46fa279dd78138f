// The audit log's own Ed25519 key, and the C2SP formats it signs in:
// checkpoints (c2sp.org/tlog-checkpoint: origin, size, base64 root) inside
// signed notes (c2sp.org/signed-note: the text, a blank line, then
// "— <key name> base64(key ID || signature)"), with the verifier key
// published as "<origin>+<hex key ID>+base64(0x01 || public key)".
//
// The key is its own file (32-byte seed, 0600), not derived from the master
// key: whoever can read the database cannot sign for the log, and the log's
// identity outlives a master key rotation. Thread-safety: immutable.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "engine/merkle.hpp"
#include "engine/result.hpp"
#include "storage/crypto.hpp"

namespace dsr::storage {

class LogKey {
 public:
  // Reads the key at `file`, or (create) makes it; its name is `origin`.
  static Result<LogKey> load(const std::filesystem::path& file, std::string origin, bool create);

  const std::string& origin() const { return origin_; }
  std::string verifier_key() const;
  // The signed note of `text` (which ends in a newline).
  std::string sign_note(std::string_view text) const;

 private:
  std::string origin_;
  Bytes secret_;  // libsodium's 64-byte form
  Bytes public_;
};

struct Checkpoint {
  std::string origin;
  std::uint64_t size = 0;
  merkle::Hash root{};
};

// The checkpoint's note text: "<origin>\n<size>\n<base64 root>\n".
std::string checkpoint_text(const Checkpoint& checkpoint);

// The checkpoint in a signed note, if the note carries a valid signature by
// `verifier_key` and its text is a checkpoint of that key's origin. The
// error says which of these failed.
Result<Checkpoint> open_checkpoint(std::string_view note, std::string_view verifier_key);

// A c2sp.org/tlog-proof@v1 text: the entry's index, its inclusion proof,
// and the signed checkpoint the proof leads to (not yet verified).
struct TlogProof {
  std::uint64_t index = 0;
  std::vector<merkle::Hash> hashes;
  std::string checkpoint;
};
Result<TlogProof> parse_tlog_proof(std::string_view text);

// Where the log key lives unless log-key-file says otherwise: beside the database.
std::filesystem::path default_log_key_path(const std::filesystem::path& database);

}  // namespace dsr::storage
