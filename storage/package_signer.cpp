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

std::string signing_key_id(std::span<const unsigned char> public_key) {
  Bytes digest = hash({public_key});
  return to_hex(std::span(digest).first(8));
}

Result<std::unique_ptr<Ed25519Signer>> Ed25519Signer::open(Database& db) {
  SigningKeyStore store;
  store.stored = [&db]() {
    return db.read("reading the signing key", [](SQLite::Database& c) -> Result<Bytes> {
      SQLite::Statement q(c, "SELECT value FROM meta WHERE key = 'signing_key'");
      if (!q.executeStep()) return Bytes{};
      return column_blob(q.getColumn(0));
    });
  };
  store.keep = [&db](const Bytes& sealed) -> Result<Bytes> {
    Status saved = db.writer().run([&](WriteConnection& c) -> Status {
      auto& insert = c.prepared("INSERT INTO meta (key, value) VALUES ('signing_key', ?)");
      bind_blob(insert, 1, sealed);
      insert.exec();
      return ok_status();
    });
    if (!saved) return fail(saved.error());
    return sealed;
  };
  store.retired = [&db]() {
    return db.read("reading the retired signing keys", [](SQLite::Database& c) -> Result<std::vector<SigningKeyListing>> {
      SQLite::Statement q(c, "SELECT key_id, public_key, retired_at FROM retired_signing_keys ORDER BY retired_at DESC, "
                             "rowid DESC");
      std::vector<SigningKeyListing> out;
      while (q.executeStep())
        out.push_back({q.getColumn(0).getString(), q.getColumn(1).getString(), from_unix(q.getColumn(2).getInt64())});
      return out;
    });
  };
  store.replace = [&db](const Bytes& sealed, const Bytes& replaced, const SigningKeyListing& retiring) {
    return db.writer().run([&](WriteConnection& c) -> Status {
      auto& swap = c.prepared("UPDATE meta SET value = ? WHERE key = 'signing_key' AND value = ?");
      bind_blob(swap, 1, sealed);
      bind_blob(swap, 2, replaced);
      if (swap.exec() != 1)
        return fail(Error::conflict("the signing key was rotated by another process at the same time; run again"));
      auto& listed = c.prepared("INSERT INTO retired_signing_keys (key_id, public_key, retired_at) VALUES (?, ?, ?)");
      listed.bind(1, retiring.key_id);
      listed.bind(2, retiring.public_key);
      listed.bind(3, unix_seconds(*retiring.retired_at));
      listed.exec();
      return ok_status();
    });
  };
  return open(db.keys(), std::move(store));
}

Result<std::unique_ptr<Ed25519Signer>> Ed25519Signer::open(const MasterKey& keys, SigningKeyStore store) {
  crypto_ready();
  std::unique_ptr<Ed25519Signer> signer(new Ed25519Signer(keys, std::move(store)));
  auto stored = signer->store_.stored();
  if (!stored) return fail(stored.error());
  if (stored->empty()) {
    Bytes pk(crypto_sign_PUBLICKEYBYTES), sk(crypto_sign_SECRETKEYBYTES);
    crypto_sign_keypair(pk.data(), sk.data());
    stored = signer->store_.keep(seal(keys.details(), sk, kContext));
    sodium_memzero(sk.data(), sk.size());
    if (!stored) return fail(stored.error());
  }
  auto opened = signer->open_sealed(*stored);
  if (!opened) return fail(opened.error());
  signer->current_ = std::move(opened).value();
  signer->checked_at_ = std::chrono::steady_clock::now();
  return signer;
}

Ed25519Signer::Opened::~Opened() { sodium_memzero(secret.data(), secret.size()); }

Result<std::shared_ptr<const Ed25519Signer::Opened>> Ed25519Signer::open_sealed(const Bytes& sealed) const {
  auto opened = unseal(keys_.details(), sealed, kContext);
  if (!opened || opened->size() != crypto_sign_SECRETKEYBYTES)
    return fail(Error::internal("the signing key in the database does not open"));
  auto key = std::make_shared<Opened>();
  key->sealed = sealed;
  key->secret = std::move(opened).value();
  key->public_key.resize(crypto_sign_PUBLICKEYBYTES);
  crypto_sign_ed25519_sk_to_pk(key->public_key.data(), key->secret.data());
  key->id = signing_key_id(key->public_key);
  return std::shared_ptr<const Opened>(std::move(key));
}

std::shared_ptr<const Ed25519Signer::Opened> Ed25519Signer::current() const {
  std::lock_guard lock(mutex_);
  auto now = std::chrono::steady_clock::now();
  if (now - checked_at_ < kRefreshEvery) return current_;
  checked_at_ = now;
  // Another process may have rotated the key; on any trouble reading it,
  // the key held goes on signing (it still verifies, listed or in force).
  if (auto stored = store_.stored(); stored && !stored->empty() && *stored != current_->sealed)
    if (auto opened = open_sealed(*stored); opened) current_ = std::move(opened).value();
  return current_;
}

PackageSigner::InForce Ed25519Signer::in_force() const {
  auto key = current();
  return InForce{key->id, to_base64(key->public_key), [key](std::string_view bytes) {
                   Bytes sig(crypto_sign_BYTES);
                   crypto_sign_detached(sig.data(), nullptr, reinterpret_cast<const unsigned char*>(bytes.data()),
                                        bytes.size(), key->secret.data());
                   return to_base64(sig);
                 }};
}

std::vector<SigningKeyListing> Ed25519Signer::keys() const {
  auto key = current();
  std::vector<SigningKeyListing> out{{key->id, to_base64(key->public_key), std::nullopt}};
  if (auto retired = store_.retired(); retired)
    for (auto& r : *retired)
      if (r.key_id != key->id) out.push_back(std::move(r));
  return out;
}

Result<SigningKeyListing> Ed25519Signer::rotate(TimePoint now) {
  auto stored = store_.stored();
  if (!stored) return fail(stored.error());
  auto old = open_sealed(*stored);
  if (!old) return fail(old.error());
  Bytes pk(crypto_sign_PUBLICKEYBYTES), sk(crypto_sign_SECRETKEYBYTES);
  crypto_sign_keypair(pk.data(), sk.data());
  Bytes sealed = seal(keys_.details(), sk, kContext);
  sodium_memzero(sk.data(), sk.size());
  SigningKeyListing retiring{(*old)->id, to_base64((*old)->public_key), now};
  if (Status replaced = store_.replace(sealed, *stored, retiring); !replaced) return fail(replaced.error());
  auto opened = open_sealed(sealed);
  if (!opened) return fail(opened.error());
  std::lock_guard lock(mutex_);
  current_ = std::move(opened).value();
  checked_at_ = std::chrono::steady_clock::now();
  return SigningKeyListing{current_->id, to_base64(current_->public_key), std::nullopt};
}

bool verify_signature(std::string_view bytes, std::string_view signature_b64, std::string_view public_key_b64) {
  crypto_ready();
  auto sig = from_base64(signature_b64);
  auto pk = from_base64(public_key_b64);
  if (!sig || !pk || sig->size() != crypto_sign_BYTES || pk->size() != crypto_sign_PUBLICKEYBYTES) return false;
  return crypto_sign_verify_detached(sig->data(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                                     pk->data()) == 0;
}

}  // namespace dsr::storage
