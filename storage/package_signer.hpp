// The server's Ed25519 key for access packages (crypto_sign_detached), made
// on first start and kept in the database sealed under the master key. The
// public key is published (GET /v1/keys/signing) so that a citizen can
// prove what the authority gave them.
#pragma once

#include "engine/ports.hpp"
#include "storage/database.hpp"

#include <functional>
#include <memory>

namespace dsr::storage {

class Ed25519Signer final : public PackageSigner {
 public:
  // Loads the key, or makes and stores one (on SQLite).
  static Result<std::unique_ptr<Ed25519Signer>> open(Database& db);
  // The same on any backend: `stored` reads the sealed key (empty: none
  // yet); `keep` stores a new sealed key unless one is there already (two
  // nodes starting at once) and answers the sealed key that is kept.
  static Result<std::unique_ptr<Ed25519Signer>> open(const MasterKey& keys, const std::function<Result<Bytes>()>& stored,
                                                     const std::function<Result<Bytes>(const Bytes&)>& keep);
  ~Ed25519Signer() override;

  std::string sign(std::string_view bytes) const override;
  std::string public_key() const override;

 private:
  Ed25519Signer() = default;
  Bytes secret_;  // 64 bytes, wiped on destruction
  Bytes public_;
};

// Checks a base64 Ed25519 signature over `bytes` with a base64 public key.
bool verify_signature(std::string_view bytes, std::string_view signature_b64, std::string_view public_key_b64);

std::string to_base64(std::span<const unsigned char> bytes);
std::optional<Bytes> from_base64(std::string_view text);

}  // namespace dsr::storage
