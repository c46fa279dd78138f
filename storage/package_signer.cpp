#include "storage/package_signer.hpp"
#include "storage/sqlite_values.hpp"

#include <SQLiteCpp/Statement.h>
#include <sodium.h>

namespace dsr::storage {
namespace {
constexpr std::string_view kContext = "dsr/signing-key/v1";
}

std::string to_base64(std::span<const unsigned char> bytes) {
  std::string out(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes.data(), bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.pop_back();  // the terminating NUL
  return out;
}

std::optional<Bytes> from_base64(std::string_view text) {
  Bytes out(text.size());
  std::size_t len = 0;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &len, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0)
    return std::nullopt;
  out.resize(len);
  return out;
}

Result<std::unique_ptr<Ed25519Signer>> Ed25519Signer::open(Database& db) {
  return open(
      db.keys(),
      [&db]() {
        return db.read("reading the signing key", [](SQLite::Database& c) -> Result<Bytes> {
          SQLite::Statement q(c, "SELECT value FROM meta WHERE key = 'signing_key'");
          if (!q.executeStep()) return Bytes{};
          return column_blob(q.getColumn(0));
        });
      },
      [&db](const Bytes& sealed) -> Result<Bytes> {
        Status saved = db.writer().run([&](WriteConnection& c) -> Status {
          auto& insert = c.prepared("INSERT INTO meta (key, value) VALUES ('signing_key', ?)");
          insert.bind(1, sealed.data(), static_cast<int>(sealed.size()));
          insert.exec();
          return ok_status();
        });
        if (!saved) return fail(saved.error());
        return sealed;
      });
}

Result<std::unique_ptr<Ed25519Signer>> Ed25519Signer::open(const MasterKey& keys,
                                                           const std::function<Result<Bytes>()>& stored_key,
                                                           const std::function<Result<Bytes>(const Bytes&)>& keep) {
  crypto_ready();
  std::unique_ptr<Ed25519Signer> signer(new Ed25519Signer());
  auto stored = stored_key();
  if (!stored) return fail(stored.error());
  if (stored->empty()) {
    Bytes pk(crypto_sign_PUBLICKEYBYTES), sk(crypto_sign_SECRETKEYBYTES);
    crypto_sign_keypair(pk.data(), sk.data());
    stored = keep(seal(keys.details(), sk, kContext));
    sodium_memzero(sk.data(), sk.size());
    if (!stored) return fail(stored.error());
  }
  auto opened = unseal(keys.details(), *stored, kContext);
  if (!opened || opened->size() != crypto_sign_SECRETKEYBYTES)
    return fail(Error::internal("the signing key in the database does not open"));
  signer->secret_ = std::move(opened).value();
  signer->public_.resize(crypto_sign_PUBLICKEYBYTES);
  crypto_sign_ed25519_sk_to_pk(signer->public_.data(), signer->secret_.data());
  return signer;
}

Ed25519Signer::~Ed25519Signer() { sodium_memzero(secret_.data(), secret_.size()); }

std::string Ed25519Signer::sign(std::string_view bytes) const {
  Bytes sig(crypto_sign_BYTES);
  crypto_sign_detached(sig.data(), nullptr, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                       secret_.data());
  return to_base64(sig);
}

std::string Ed25519Signer::public_key() const { return to_base64(public_); }

bool verify_signature(std::string_view bytes, std::string_view signature_b64, std::string_view public_key_b64) {
  crypto_ready();
  auto sig = from_base64(signature_b64);
  auto pk = from_base64(public_key_b64);
  if (!sig || !pk || sig->size() != crypto_sign_BYTES || pk->size() != crypto_sign_PUBLICKEYBYTES) return false;
  return crypto_sign_verify_detached(sig->data(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                                     pk->data()) == 0;
}

}  // namespace dsr::storage
