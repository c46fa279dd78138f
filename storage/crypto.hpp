// The cryptography of the data layer, all from libsodium:
//  - XChaCha20-Poly1305 (AEAD) for records at rest and for wrapping each
//    subject's data key under the master key;
//  - keyed BLAKE2b for blind indexes (NIK, email) and token hashes, so a
//    lookup never needs plaintext in the database;
//  - BLAKE2b-256 for digests (e.g. of a request body, for idempotency).
// Keys are derived from the master key with crypto_kdf, one per purpose,
// so a leak of one derived key (say, the blind index key) reveals no other
// (see MasterKey for what a rotation of the master key changes).
// All functions are thread-safe once sodium_init() has run (MasterKey's
// constructor ensures it).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/result.hpp"

namespace dsr::storage {

using Bytes = std::vector<unsigned char>;
inline constexpr std::size_t kKeySize = 32;
using Key = std::array<unsigned char, kKeySize>;

// Calls sodium_init() once; false if libsodium cannot start.
bool crypto_ready();

Bytes random_bytes(std::size_t n);
Key random_key();
// A random identifier: `bytes` random bytes as lower-case hex.
std::string random_id(std::size_t bytes = 16);
// An identifier that sorts by creation time (milliseconds, then 48 random
// bits): new rows land at the end of their index instead of on a random
// page, which keeps each commit's writes small.
std::string time_ordered_id(std::string_view prefix);

// Wipes `key` when it goes out of scope.
class SecretKey {
 public:
  SecretKey();
  explicit SecretKey(const Key& key);
  ~SecretKey();
  SecretKey(const SecretKey& other);
  SecretKey& operator=(const SecretKey& other);
  const Key& bytes() const { return key_; }

 private:
  Key key_{};
};

// The master key file's content: the key in force and, while
// `dsr key rotate-master` runs, the one it replaces.
struct MasterKeySet {
  Key current{};
  std::optional<Key> previous;
};

// Names a master key without revealing it (16 hex digits), as rows wrapped
// under it record.
std::string master_key_id(const Key& key);

// A value sealed under a master key, with the id of the key.
struct Wrapped {
  std::string key_id;
  Bytes sealed;
};

// The master key (or, during a rotation, the two) and the purpose keys.
//
// The purpose keys (blind index, token hash, recipient secrets, request
// forms and payloads) stay the same across rotations: blind indexes and
// token hashes cannot be recomputed without the tokens, and re-sealing
// every form and message would make a rotation as long as the database.
// They are derived from the database's first master key and, once a
// rotation has run, kept in the database sealed under the master key in
// force (adopt_purpose_keys), so that they are wrapped and re-wrapped like
// every subject's data key. What rotates is the wrapping: subject data
// keys and the purpose keys themselves.
//
// Thread-safe: the key set may be re-read (reload) while others wrap and
// unwrap; the purpose keys are fixed once the database is open.
class MasterKey {
 public:
  // A key file of one key, without a way to read it again.
  explicit MasterKey(const Key& key);
  // `reload` reads the key file again (after `dsr key rotate-master`
  // wrote it).
  explicit MasterKey(const MasterKeySet& keys, std::function<Result<MasterKeySet>()> reload = {});
  MasterKey(const MasterKey&) = delete;
  MasterKey& operator=(const MasterKey&) = delete;

  const SecretKey& blind_index() const { return blind_index_; }
  const SecretKey& token_hash() const { return token_hash_; }
  const SecretKey& secrets() const { return secrets_; }        // recipient signing secrets
  const SecretKey& details() const { return details_; }        // request forms and outbox payloads

  // The id of the key new rows are wrapped under.
  std::string current_id() const;
  // Every key id held (the current first).
  std::vector<std::string> held_ids() const;
  // Seals under the key in force.
  Wrapped wrap(std::span<const unsigned char> plaintext, std::string_view associated) const;
  // Opens a value sealed under the key `key_id` names; an empty id (rows
  // written before keys had ids) is tried with every key held. A key not
  // held makes the key file be read again once.
  Result<Bytes> unwrap(std::string_view key_id, std::span<const unsigned char> sealed, std::string_view associated) const;
  // Reads the key file again; an error if it cannot be read (the keys held
  // stay as they were).
  Status reload() const;

  // A value that proves a database was written under the key in force.
  Bytes check_value() const;
  // Whether `check` is the check value of a key held.
  bool matches_check(std::span<const unsigned char> check) const;

  // The purpose keys sealed under the key in force, to keep in the
  // database; and adopting those a database keeps (before any use).
  Wrapped sealed_purpose_keys() const;
  Status adopt_purpose_keys(const Wrapped& sealed);

 private:
  struct Held {
    std::string id;
    SecretKey wrapping;
    Bytes check;
  };
  void hold(const MasterKeySet& keys) const;  // under mutex_ (exclusive)

  std::function<Result<MasterKeySet>()> reload_;
  mutable std::shared_mutex mutex_;
  mutable std::vector<Held> held_;  // guarded by mutex_; the current key first
  SecretKey blind_index_, token_hash_, secrets_, details_;
};

// AEAD. `associated` binds the ciphertext to its row: decrypting with other
// associated data fails. Output: 24-byte nonce || ciphertext || tag.
Bytes seal(const SecretKey& key, std::span<const unsigned char> plaintext, std::string_view associated);
Result<Bytes> unseal(const SecretKey& key, std::span<const unsigned char> sealed, std::string_view associated);

// Keyed BLAKE2b-256 of `text`, for blind indexes and token hashes.
Bytes keyed_hash(const SecretKey& key, std::string_view text);

// BLAKE2b-256 over the concatenation of `parts`.
Bytes hash(std::initializer_list<std::span<const unsigned char>> parts);

bool equal_constant_time(std::span<const unsigned char> a, std::span<const unsigned char> b);

std::string to_hex(std::span<const unsigned char> bytes);

inline std::span<const unsigned char> as_bytes(std::string_view s) {
  return {reinterpret_cast<const unsigned char*>(s.data()), s.size()};
}

}  // namespace dsr::storage
