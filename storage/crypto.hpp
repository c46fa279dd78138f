// The cryptography of the data layer, all from libsodium:
//  - XChaCha20-Poly1305 (AEAD) for records at rest and for wrapping each
//    subject's data key under the master key;
//  - keyed BLAKE2b for blind indexes (NIK, email) and token hashes, so a
//    lookup never needs plaintext in the database;
//  - BLAKE2b-256 for digests (e.g. of a request body, for idempotency).
// Keys are derived from the one master key with crypto_kdf, one per purpose,
// so a leak of one derived key (say, the blind index key) reveals no other.
// All functions are thread-safe once sodium_init() has run (MasterKey's
// constructor ensures it).
#pragma once

#include <array>
#include <cstdint>
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

// The master key and its purpose keys.
class MasterKey {
 public:
  explicit MasterKey(const Key& key);

  const SecretKey& wrapping() const { return wrapping_; }      // wraps subject data keys
  const SecretKey& blind_index() const { return blind_index_; }
  const SecretKey& token_hash() const { return token_hash_; }
  const SecretKey& secrets() const { return secrets_; }        // recipient signing secrets
  const SecretKey& details() const { return details_; }        // request forms and outbox payloads
  // A value that proves a database was written under this master key.
  Bytes check_value() const;

 private:
  SecretKey wrapping_, blind_index_, token_hash_, secrets_, check_, details_;
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
