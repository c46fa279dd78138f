#include "storage/crypto.hpp"

#include <fmt/format.h>
#include <sodium.h>

#include <chrono>
#include <stdexcept>

namespace dsr::storage {
namespace {

constexpr char kContext[crypto_kdf_CONTEXTBYTES] = {'d', 's', 'r', 'k', 'e', 'y', 's', '1'};

// Subkey ids: fixed forever, since changing one would orphan existing data.
// 4 sealed the journal's former hash chain: never to be used for anything else.
enum SubkeyId : std::uint64_t { kWrapping = 1, kBlindIndex = 2, kTokenHash = 3, kSecrets = 5, kCheck = 6, kDetails = 7 };

SecretKey derive(const Key& master, SubkeyId id) {
  Key sub{};
  crypto_kdf_derive_from_key(sub.data(), sub.size(), id, kContext, master.data());
  SecretKey out(sub);
  sodium_memzero(sub.data(), sub.size());
  return out;
}

}  // namespace

bool crypto_ready() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

Bytes random_bytes(std::size_t n) {
  crypto_ready();
  Bytes out(n);
  randombytes_buf(out.data(), n);
  return out;
}

Key random_key() {
  crypto_ready();
  Key k{};
  randombytes_buf(k.data(), k.size());
  return k;
}

std::string random_id(std::size_t bytes) { return to_hex(random_bytes(bytes)); }

std::string time_ordered_id(std::string_view prefix) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch()).count();
  return fmt::format("{}{:012x}{}", prefix, ms, random_id(6));
}

SecretKey::SecretKey() = default;
SecretKey::SecretKey(const Key& key) : key_(key) {}
SecretKey::~SecretKey() { sodium_memzero(key_.data(), key_.size()); }
SecretKey::SecretKey(const SecretKey& other) : key_(other.key_) {}
SecretKey& SecretKey::operator=(const SecretKey& other) {
  key_ = other.key_;
  return *this;
}

MasterKey::MasterKey(const Key& key)
    : wrapping_((crypto_ready(), derive(key, kWrapping))),
      blind_index_(derive(key, kBlindIndex)),
      token_hash_(derive(key, kTokenHash)),
      secrets_(derive(key, kSecrets)),
      check_(derive(key, kCheck)),
      details_(derive(key, kDetails)) {
  if (!crypto_ready()) throw std::runtime_error("libsodium could not be initialised");
}

Bytes MasterKey::check_value() const { return keyed_hash(check_, "dsr master key check v1"); }

Bytes seal(const SecretKey& key, std::span<const unsigned char> plaintext, std::string_view associated) {
  Bytes out(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + plaintext.size() +
            crypto_aead_xchacha20poly1305_ietf_ABYTES);
  unsigned char* nonce = out.data();
  randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      out.data() + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &written, plaintext.data(), plaintext.size(),
      reinterpret_cast<const unsigned char*>(associated.data()), associated.size(), nullptr, nonce,
      key.bytes().data());
  out.resize(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + written);
  return out;
}

Result<Bytes> unseal(const SecretKey& key, std::span<const unsigned char> sealed, std::string_view associated) {
  constexpr auto overhead = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES;
  if (sealed.size() < overhead) return fail(Error::internal("ciphertext too short: the row is damaged"));
  Bytes out(sealed.size() - overhead);
  unsigned long long written = 0;
  int rc = crypto_aead_xchacha20poly1305_ietf_decrypt(
      out.data(), &written, nullptr, sealed.data() + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
      sealed.size() - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
      reinterpret_cast<const unsigned char*>(associated.data()), associated.size(), sealed.data(),
      key.bytes().data());
  if (rc != 0)
    return fail(Error::internal("decryption failed: the data was altered, moved to another row, or sealed "
                                "under another key"));
  out.resize(written);
  return out;
}

Bytes keyed_hash(const SecretKey& key, std::string_view text) {
  Bytes out(crypto_generichash_BYTES);
  crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>(text.data()), text.size(),
                     key.bytes().data(), key.bytes().size());
  return out;
}

Bytes hash(std::initializer_list<std::span<const unsigned char>> parts) {
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, crypto_generichash_BYTES);
  for (auto part : parts) crypto_generichash_update(&state, part.data(), part.size());
  Bytes out(crypto_generichash_BYTES);
  crypto_generichash_final(&state, out.data(), out.size());
  return out;
}

bool equal_constant_time(std::span<const unsigned char> a, std::span<const unsigned char> b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string to_hex(std::span<const unsigned char> bytes) {
  std::string out(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes.data(), bytes.size());
  out.pop_back();
  return out;
}

}  // namespace dsr::storage
