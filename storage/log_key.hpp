// The audit log's own Ed25519 key, and the C2SP formats it signs in:
// checkpoints (c2sp.org/tlog-checkpoint: origin, size, base64 root) inside
// signed notes (c2sp.org/signed-note: the text, a blank line, then
// "— <key name> base64(key ID || signature)"), with the verifier key
// published as "<origin>+<hex key ID>+base64(0x01 || public key)".
//
// The key is its own file (32-byte seed, 0600), not derived from the master
// key: whoever can read the database cannot sign for the log, and the log's
// identity outlives a master key rotation. Thread-safety: immutable.
//
// The key rotates (dsr key rotate-log, docs/keys.md): a checkpoint's
// signature names its key by the key ID (the 8 hex digits of the verifier
// key), so each checkpoint is checked with the key it names among the
// keys the log has had (open_checkpoint_among).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/merkle.hpp"
#include "engine/result.hpp"
#include "storage/crypto.hpp"

namespace dsr::storage {

class LogKey;

// The key a signer signs with, given the verifier key the database says is
// in force (none: not recorded yet). A fixed key answers itself if it is
// the one in force; a server's key files (storage/log_key_files.hpp) read
// the files again when the database names another.
class LogSigningKeys {
 public:
  virtual ~LogSigningKeys() = default;
  virtual Result<std::shared_ptr<const LogKey>> key_for(const std::optional<std::string>& in_force) const = 0;
};

class LogKey final : public LogSigningKeys {
 public:
  // Reads the key at `file`, or (create) makes it; its name is `origin`.
  static Result<LogKey> load(const std::filesystem::path& file, std::string origin, bool create);

  const std::string& origin() const { return origin_; }
  std::string verifier_key() const;
  std::string key_id() const;  // 8 hex digits
  // The signed note of `text` (which ends in a newline).
  std::string sign_note(std::string_view text) const;
  // The note's signature line (without its newline).
  std::string signature_line(std::string_view text) const;

  // This key, if `in_force` is none or names it; else conflict.
  Result<std::shared_ptr<const LogKey>> key_for(const std::optional<std::string>& in_force) const override;

 private:
  std::string origin_;
  Bytes secret_;  // libsodium's 64-byte form
  Bytes public_;
};

struct Checkpoint {
  std::string origin;
  std::uint64_t size = 0;
  merkle::Hash root{};
  std::vector<std::string> extensions;  // lines after the root (tlog-checkpoint's extension lines)
};

// The checkpoint's note text: "<origin>\n<size>\n<base64 root>\n", then
// one line per extension.
std::string checkpoint_text(const Checkpoint& checkpoint);

// A note of `text` signed by each of `keys`, in that order.
std::string sign_note_by(std::string_view text, const std::vector<const LogKey*>& keys);

// The key ID of a verifier key ("" if it is not one).
std::string verifier_key_id(std::string_view verifier_key);

// The handover of a key rotation: a checkpoint of the log as it was at the
// rotation, with the extension line "dsr-log-successor <verifier key>",
// signed by the retiring key and by its successor. Whoever trusts only the
// old key learns the new one from it, signed by the old.
constexpr std::string_view kSuccessorExtension = "dsr-log-successor ";
std::string handover_note(Checkpoint at_rotation, const LogKey& retiring, const LogKey& successor);
// The successor a checkpoint names, if it is a handover.
std::optional<std::string> successor_named(const Checkpoint& checkpoint);

// The checkpoint in a signed note, if the note carries a valid signature by
// `verifier_key` and its text is a checkpoint of that key's origin. The
// error says which of these failed.
Result<Checkpoint> open_checkpoint(std::string_view note, std::string_view verifier_key);

// The checkpoint in a note signed by one of `verifier_keys` (the log's
// keys, in force and retired): the one its signature names by key ID.
struct SignedCheckpoint {
  Checkpoint checkpoint;
  std::string verifier_key;  // the key that signed it
};
Result<SignedCheckpoint> open_checkpoint_among(std::string_view note, const std::vector<std::string>& verifier_keys);

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
