#include "storage/crypto.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <mutex>
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

std::string master_key_id(const Key& key) {
  crypto_ready();
  Bytes digest = keyed_hash(derive(key, kCheck), "dsr master key id v1");
  return to_hex(std::span(digest).first(8));
}

namespace {

constexpr std::string_view kPurposeKeysContext = "dsr purpose keys v1";

// The key whose derived purpose keys a database uses until it keeps its
// own: the oldest of the set (the one it was made with, if never rotated).
const Key& first_key(const MasterKeySet& keys) { return keys.previous ? *keys.previous : keys.current; }

}  // namespace

MasterKey::MasterKey(const Key& key) : MasterKey(MasterKeySet{key, std::nullopt}) {}

MasterKey::MasterKey(const MasterKeySet& keys, std::function<Result<MasterKeySet>()> reload)
    : reload_(std::move(reload)),
      blind_index_((crypto_ready(), derive(first_key(keys), kBlindIndex))),
      token_hash_(derive(first_key(keys), kTokenHash)),
      secrets_(derive(first_key(keys), kSecrets)),
      details_(derive(first_key(keys), kDetails)) {
  if (!crypto_ready()) throw std::runtime_error("libsodium could not be initialised");
  hold(keys);
}

void MasterKey::hold(const MasterKeySet& keys) const {
  held_.clear();
  auto add = [&](const Key& k) {
    held_.push_back(Held{master_key_id(k), derive(k, kWrapping), keyed_hash(derive(k, kCheck), "dsr master key check v1")});
  };
  add(keys.current);
  if (keys.previous) add(*keys.previous);
}

std::string MasterKey::current_id() const {
  std::shared_lock lock(mutex_);
  return held_.front().id;
}

std::vector<std::string> MasterKey::held_ids() const {
  std::shared_lock lock(mutex_);
  std::vector<std::string> out;
  for (const auto& h : held_) out.push_back(h.id);
  return out;
}

Wrapped MasterKey::wrap(std::span<const unsigned char> plaintext, std::string_view associated) const {
  std::shared_lock lock(mutex_);
  return Wrapped{held_.front().id, seal(held_.front().wrapping, plaintext, associated)};
}

Result<Bytes> MasterKey::unwrap(std::string_view key_id, std::span<const unsigned char> sealed,
                                std::string_view associated) const {
  auto attempt = [&]() -> std::optional<Result<Bytes>> {
    std::shared_lock lock(mutex_);
    std::optional<Result<Bytes>> last;
    for (const auto& h : held_) {
      if (!key_id.empty() && h.id != key_id) continue;
      last = unseal(h.wrapping, sealed, associated);
      if (*last) return last;
    }
    return last;
  };
  auto opened = attempt();
  if (opened) return std::move(*opened);
  // A key not held: a rotation may have begun since the file was read.
  if (reload_) {
    if (Status reread = reload(); !reread) return fail(reread.error());
    opened = attempt();
    if (opened) return std::move(*opened);
  }
  return fail(Error::internal(fmt::format(
      "the value was wrapped under master key {}, which the key file does not hold (it holds {}): give the key file "
      "that dsr key rotate-master wrote", key_id, fmt::join(held_ids(), " and "))));
}

Status MasterKey::reload() const {
  if (!reload_) return ok_status();
  auto keys = reload_();
  if (!keys) return fail(keys.error());
  std::unique_lock lock(mutex_);
  hold(*keys);
  return ok_status();
}

Bytes MasterKey::check_value() const {
  std::shared_lock lock(mutex_);
  return held_.front().check;
}

bool MasterKey::matches_check(std::span<const unsigned char> check) const {
  std::shared_lock lock(mutex_);
  for (const auto& h : held_)
    if (equal_constant_time(h.check, check)) return true;
  return false;
}

Wrapped MasterKey::sealed_purpose_keys() const {
  Bytes plain;
  for (const SecretKey* k : {&blind_index_, &token_hash_, &secrets_, &details_})
    plain.insert(plain.end(), k->bytes().begin(), k->bytes().end());
  Wrapped out = wrap(plain, kPurposeKeysContext);
  sodium_memzero(plain.data(), plain.size());
  return out;
}

Status MasterKey::adopt_purpose_keys(const Wrapped& sealed) {
  auto plain = unwrap(sealed.key_id, sealed.sealed, kPurposeKeysContext);
  if (!plain) return fail(Error(plain.error().code, "the database's purpose keys do not open: " + plain.error().message));
  if (plain->size() != 4 * kKeySize) return fail(Error::internal("the database's purpose keys are damaged"));
  std::size_t at = 0;
  for (SecretKey* k : {&blind_index_, &token_hash_, &secrets_, &details_}) {
    Key bytes{};
    std::copy_n(plain->begin() + static_cast<std::ptrdiff_t>(at), kKeySize, bytes.begin());
    *k = SecretKey(bytes);
    sodium_memzero(bytes.data(), bytes.size());
    at += kKeySize;
  }
  sodium_memzero(plain->data(), plain->size());
  return ok_status();
}

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
