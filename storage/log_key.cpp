#include "storage/log_key.hpp"

#include <fmt/format.h>
#include <sodium.h>

#include <charconv>

#include "storage/master_key_file.hpp"
#include "storage/package_signer.hpp"

namespace dsr::storage {
namespace {

constexpr unsigned char kEd25519 = 0x01;  // signed-note's signature type for Ed25519
constexpr std::string_view kSignaturePrefix = "\u2014 ";  // em dash, space

std::array<unsigned char, 4> key_hash(std::string_view name, std::span<const unsigned char> public_key) {
  Bytes input(name.begin(), name.end());
  input.push_back('\n');
  input.push_back(kEd25519);
  input.insert(input.end(), public_key.begin(), public_key.end());
  merkle::Hash h = merkle::sha256(input);
  return {h[0], h[1], h[2], h[3]};
}

// A key name: non-empty, no spaces, no '+' (signed-note).
bool valid_name(std::string_view name) {
  return !name.empty() && name.find_first_of(" +\t\n") == std::string_view::npos;
}

}  // namespace

std::filesystem::path default_log_key_path(const std::filesystem::path& database) {
  return database.parent_path() / "log.key";
}

Result<LogKey> LogKey::load(const std::filesystem::path& file, std::string origin, bool create) {
  if (!valid_name(origin))
    return fail(Error::invalid_argument(fmt::format(
        "the log origin \"{}\" is not a key name: give a schema-less URL such as bsre.example/dsr-log (no spaces, no +)",
        origin)));
  if (sodium_init() < 0) return fail(Error::internal("libsodium did not start"));
  // Its own file, read and made as the master key's is (0600, 32 bytes).
  static_assert(crypto_sign_SEEDBYTES == kKeySize);
  auto seed = create ? load_or_create_key_file(file, "audit log key") : load_key_file(file, "audit log key");
  if (!seed) return fail(seed.error());
  LogKey key;
  key.origin_ = std::move(origin);
  key.secret_.resize(crypto_sign_SECRETKEYBYTES);
  key.public_.resize(crypto_sign_PUBLICKEYBYTES);
  crypto_sign_seed_keypair(key.public_.data(), key.secret_.data(), seed->data());
  sodium_memzero(seed->data(), seed->size());
  return key;
}

std::string LogKey::verifier_key() const {
  auto id = key_hash(origin_, public_);
  Bytes encoded{kEd25519};
  encoded.insert(encoded.end(), public_.begin(), public_.end());
  return fmt::format("{}+{:02x}{:02x}{:02x}{:02x}+{}", origin_, id[0], id[1], id[2], id[3], to_base64(encoded));
}

std::string LogKey::key_id() const {
  auto id = key_hash(origin_, public_);
  return fmt::format("{:02x}{:02x}{:02x}{:02x}", id[0], id[1], id[2], id[3]);
}

std::string LogKey::signature_line(std::string_view text) const {
  auto id = key_hash(origin_, public_);
  Bytes signature(id.begin(), id.end());
  signature.resize(4 + crypto_sign_BYTES);
  crypto_sign_detached(signature.data() + 4, nullptr, reinterpret_cast<const unsigned char*>(text.data()), text.size(),
                       secret_.data());
  return fmt::format("{}{} {}", kSignaturePrefix, origin_, to_base64(signature));
}

std::string LogKey::sign_note(std::string_view text) const { return sign_note_by(text, {this}); }

Result<std::shared_ptr<const LogKey>> LogKey::key_for(const std::optional<std::string>& in_force) const {
  if (in_force && *in_force != verifier_key())
    return fail(Error::conflict(fmt::format("the audit log key in force is {}, not this key ({})", *in_force,
                                            verifier_key())));
  return std::shared_ptr<const LogKey>(std::shared_ptr<const LogKey>{}, this);  // not owned: this outlives the call
}

std::string sign_note_by(std::string_view text, const std::vector<const LogKey*>& keys) {
  std::string note = fmt::format("{}\n", text);
  for (const LogKey* key : keys) note += key->signature_line(text) + "\n";
  return note;
}

std::string verifier_key_id(std::string_view verifier_key) {
  auto plus1 = verifier_key.find('+');
  if (plus1 == std::string_view::npos || verifier_key.size() < plus1 + 10 || verifier_key[plus1 + 9] != '+') return "";
  return std::string(verifier_key.substr(plus1 + 1, 8));
}

std::string checkpoint_text(const Checkpoint& c) {
  std::string text = fmt::format("{}\n{}\n{}\n", c.origin, c.size, merkle::to_base64(c.root));
  for (const auto& line : c.extensions) text += line + "\n";
  return text;
}

std::string handover_note(Checkpoint at_rotation, const LogKey& retiring, const LogKey& successor) {
  at_rotation.extensions = {std::string(kSuccessorExtension) + successor.verifier_key()};
  return sign_note_by(checkpoint_text(at_rotation), {&retiring, &successor});
}

std::optional<std::string> successor_named(const Checkpoint& checkpoint) {
  for (const auto& line : checkpoint.extensions)
    if (line.starts_with(kSuccessorExtension)) return line.substr(kSuccessorExtension.size());
  return std::nullopt;
}

Result<SignedCheckpoint> open_checkpoint_among(std::string_view note, const std::vector<std::string>& verifier_keys) {
  // The signatures' key names and IDs, to pick the key each names.
  auto split = note.rfind("\n\n");
  if (split == std::string_view::npos || !note.ends_with('\n'))
    return fail(Error::invalid_argument("not a signed note: no blank line before the signatures"));
  std::vector<std::string> named;
  for (std::string_view signatures = note.substr(split + 2); !signatures.empty();) {
    auto end = signatures.find('\n');
    std::string_view line = signatures.substr(0, end);
    signatures.remove_prefix(end + 1);
    if (!line.starts_with(kSignaturePrefix)) continue;  // open_checkpoint names this fault
    line.remove_prefix(kSignaturePrefix.size());
    auto space = line.find(' ');
    if (space == std::string_view::npos) continue;
    auto signature = from_base64(line.substr(space + 1));
    if (!signature || signature->size() < 4) continue;
    named.push_back(fmt::format("{}+{:02x}{:02x}{:02x}{:02x}", line.substr(0, space), (*signature)[0], (*signature)[1],
                                (*signature)[2], (*signature)[3]));
  }
  for (const auto& wanted : named)
    for (const auto& key : verifier_keys)
      if (key.starts_with(wanted + "+")) {
        auto opened = open_checkpoint(note, key);
        if (!opened) return fail(opened.error());
        return SignedCheckpoint{std::move(opened).value(), key};
      }
  std::string ids;
  for (const auto& n : named) ids += (ids.empty() ? "" : ", ") + n;
  return fail(Error::forbidden(fmt::format("the note is signed by none of the log's keys (its signatures name {})",
                                           ids.empty() ? "no key" : ids)));
}

Result<Checkpoint> open_checkpoint(std::string_view note, std::string_view verifier_key) {
  // The verifier key: name+hexid+base64(type || key).
  auto plus1 = verifier_key.find('+');
  auto plus2 = plus1 == std::string_view::npos ? plus1 : verifier_key.find('+', plus1 + 1);
  if (plus2 == std::string_view::npos || plus2 - plus1 != 9)
    return fail(Error::invalid_argument("the verifier key is not <name>+<8 hex digits>+<base64 key>"));
  std::string name(verifier_key.substr(0, plus1));
  auto encoded = from_base64(verifier_key.substr(plus2 + 1));
  if (!encoded || encoded->size() != 1 + crypto_sign_PUBLICKEYBYTES || (*encoded)[0] != kEd25519)
    return fail(Error::invalid_argument("the verifier key does not hold an Ed25519 public key"));
  std::span<const unsigned char> public_key(encoded->data() + 1, crypto_sign_PUBLICKEYBYTES);
  auto id = key_hash(name, public_key);
  if (fmt::format("{:02x}{:02x}{:02x}{:02x}", id[0], id[1], id[2], id[3]) != verifier_key.substr(plus1 + 1, 8))
    return fail(Error::invalid_argument("the verifier key's ID does not match its name and key"));

  // The note: text (ending "\n"), a blank line, signature lines.
  auto split = note.rfind("\n\n");
  if (split == std::string_view::npos || !note.ends_with('\n'))
    return fail(Error::invalid_argument("not a signed note: no blank line before the signatures"));
  std::string_view text = note.substr(0, split + 1);
  std::string_view signatures = note.substr(split + 2);
  bool signed_by_key = false;
  while (!signatures.empty()) {
    auto end = signatures.find('\n');
    std::string_view line = signatures.substr(0, end);
    signatures.remove_prefix(end + 1);
    if (!line.starts_with(kSignaturePrefix))
      return fail(Error::invalid_argument("not a signed note: a signature line does not start with an em dash"));
    line.remove_prefix(kSignaturePrefix.size());
    auto space = line.find(' ');
    if (space == std::string_view::npos || line.substr(0, space) != name) continue;  // another key's signature
    auto signature = from_base64(line.substr(space + 1));
    if (!signature || signature->size() != 4 + crypto_sign_BYTES || !std::equal(id.begin(), id.end(), signature->begin()))
      continue;
    if (crypto_sign_verify_detached(signature->data() + 4, reinterpret_cast<const unsigned char*>(text.data()),
                                    text.size(), public_key.data()) != 0)
      return fail(Error::forbidden(fmt::format("the signature of {} on this note does not verify", name)));
    signed_by_key = true;
  }
  if (!signed_by_key) return fail(Error::forbidden(fmt::format("the note carries no signature of {}", name)));

  // The checkpoint: origin, size, root, then optional extension lines.
  Checkpoint c;
  std::vector<std::string_view> lines;
  for (std::string_view rest = text; !rest.empty();) {
    auto end = rest.find('\n');
    lines.push_back(rest.substr(0, end));
    rest.remove_prefix(end + 1);
  }
  if (lines.size() < 3) return fail(Error::invalid_argument("the note is not a checkpoint (origin, size, root)"));
  c.origin = std::string(lines[0]);
  if (c.origin != name) return fail(Error::invalid_argument("the checkpoint's origin is not the key's name"));
  auto [ptr, ec] = std::from_chars(lines[1].data(), lines[1].data() + lines[1].size(), c.size);
  if (ec != std::errc{} || ptr != lines[1].data() + lines[1].size() || (lines[1].size() > 1 && lines[1][0] == '0'))
    return fail(Error::invalid_argument("the checkpoint's size is not a decimal number"));
  auto root = from_base64(lines[2]);
  if (!root || root->size() != c.root.size()) return fail(Error::invalid_argument("the checkpoint's root is not a SHA-256 hash"));
  std::copy(root->begin(), root->end(), c.root.begin());
  for (std::size_t i = 3; i < lines.size(); ++i) c.extensions.emplace_back(lines[i]);
  return c;
}

Result<TlogProof> parse_tlog_proof(std::string_view text) {
  auto bad = [](std::string what) { return fail(Error::invalid_argument("not a c2sp.org/tlog-proof@v1 proof: " + what)); };
  auto next_line = [&text]() -> std::optional<std::string_view> {
    auto end = text.find('\n');
    if (end == std::string_view::npos) return std::nullopt;
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end + 1);
    return line;
  };
  if (next_line() != std::optional<std::string_view>("c2sp.org/tlog-proof@v1")) return bad("the first line");
  auto line = next_line();
  if (line && line->starts_with("extra ")) line = next_line();  // opaque, unauthenticated: not used here
  if (!line || !line->starts_with("index ")) return bad("no index line");
  TlogProof proof;
  std::string_view digits = line->substr(6);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), proof.index);
  if (ec != std::errc{} || end != digits.data() + digits.size() || (digits.size() > 1 && digits[0] == '0'))
    return bad("the index is not a decimal number");
  while ((line = next_line()) && !line->empty()) {
    auto hash = from_base64(*line);
    if (!hash || hash->size() != 32) return bad("a proof line is not a base64 SHA-256 hash");
    merkle::Hash h;
    std::copy(hash->begin(), hash->end(), h.begin());
    proof.hashes.push_back(h);
  }
  if (!line) return bad("no checkpoint after the proof");
  proof.checkpoint = std::string(text);
  return proof;
}

}  // namespace dsr::storage
