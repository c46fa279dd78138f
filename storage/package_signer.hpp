// The server's Ed25519 key for access packages, exports, breach letters and
// authority releases (crypto_sign_detached), made on first start and kept
// in the database sealed under the master key's purpose keys. The public
// key is published (GET /v1/keys/signing) so that a citizen can prove what
// the authority gave them.
//
// The key rotates (dsr key rotate-signing, rotate()): a new key is made and
// sealed in place of the old, whose secret is destroyed and whose public
// key is kept in the list of retired keys with the time it was retired, so
// that what it signed still verifies. Each key is named by its id
// (signing_key_id). A running server reads the database's key again at
// most every kRefreshEvery when it signs or lists keys: a rotation by
// another process (or node) is in force there within that time.
//
// Thread-safe.
#pragma once

#include "engine/ports.hpp"
#include "storage/database.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>

namespace dsr::storage {

// 16 hex digits of BLAKE2b-256 of the raw public key.
std::string signing_key_id(std::span<const unsigned char> public_key);

// Where a backend keeps the signing keys.
struct SigningKeyStore {
  std::function<Result<Bytes>()> stored;                    // the sealed key in force; empty: none yet
  std::function<Result<Bytes>(const Bytes&)> keep;         // the first key, unless one is there (answers the one kept)
  std::function<Result<std::vector<SigningKeyListing>>()> retired;  // newest first
  // In one transaction: `retiring` listed, and `sealed` in place of
  // `replaced` (conflict if another rotation replaced it first).
  std::function<Status(const Bytes& sealed, const Bytes& replaced, const SigningKeyListing& retiring)> replace;
};

class Ed25519Signer final : public PackageSigner {
 public:
  static constexpr std::chrono::seconds kRefreshEvery{5};

  // Loads the key, or makes and stores one (on SQLite).
  static Result<std::unique_ptr<Ed25519Signer>> open(Database& db);
  // The same on any backend.
  static Result<std::unique_ptr<Ed25519Signer>> open(const MasterKey& keys, SigningKeyStore store);
  ~Ed25519Signer() override = default;

  InForce in_force() const override;
  std::vector<SigningKeyListing> keys() const override;

  // A new key in force, the one before retired at `now`; answers the new
  // key's listing.
  Result<SigningKeyListing> rotate(TimePoint now);

 private:
  // One key, opened: immutable, shared with signatures in flight.
  struct Opened {
    Bytes sealed;
    Bytes secret;  // 64 bytes, wiped on destruction
    Bytes public_key;
    std::string id;
    ~Opened();
  };
  Ed25519Signer(const MasterKey& keys, SigningKeyStore store) : keys_(keys), store_(std::move(store)) {}
  Result<std::shared_ptr<const Opened>> open_sealed(const Bytes& sealed) const;
  std::shared_ptr<const Opened> current() const;

  const MasterKey& keys_;
  SigningKeyStore store_;
  mutable std::mutex mutex_;
  mutable std::shared_ptr<const Opened> current_;            // guarded by mutex_
  mutable std::chrono::steady_clock::time_point checked_at_;  // guarded by mutex_
};

// Checks a base64 Ed25519 signature over `bytes` with a base64 public key.
bool verify_signature(std::string_view bytes, std::string_view signature_b64, std::string_view public_key_b64);

std::string to_base64(std::span<const unsigned char> bytes);
std::optional<Bytes> from_base64(std::string_view text);

}  // namespace dsr::storage
