#include "storage/audit_leaf.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "engine/merkle.hpp"
#include "engine/time.hpp"
#include "storage/journal.hpp"
#include "storage/package_signer.hpp"

namespace dsr::storage {
namespace {

// SHA-256(salt || text), in base64: binds the leaf to text it does not hold.
std::string salted(std::span<const unsigned char> salt, std::span<const unsigned char> text) {
  Bytes joined(salt.begin(), salt.end());
  joined.insert(joined.end(), text.begin(), text.end());
  return merkle::to_base64(merkle::sha256(joined));
}

std::span<const unsigned char> bytes_of(std::string_view s) {
  return {reinterpret_cast<const unsigned char*>(s.data()), s.size()};
}

}  // namespace

std::string event_leaf(std::string_view request_id, const Event& e, std::span<const unsigned char> salt) {
  // Keys in sorted order: boost::json keeps insertion order, and the
  // serialization has no spaces, so this is the canonical form.
  boost::json::object leaf;
  leaf["actor_role"] = to_string(e.actor.role);
  leaf["actor_sha256"] = salted(salt, bytes_of(e.actor.principal));
  leaf["at"] = format_rfc3339(e.at);
  leaf["clock"] = to_string(e.clock);
  Bytes data = encode_event_data(e.data);
  leaf["data_sha256"] = salted(salt, data);
  leaf["event"] = e.name;
  leaf["from"] = e.from_state;
  leaf["outcome"] = e.outcome;
  leaf["reason_public"] = e.reason_public;
  leaf["reason_sha256"] = salted(salt, bytes_of(e.reason));
  leaf["request_id"] = request_id;
  leaf["salt"] = to_base64(salt);
  leaf["sequence"] = e.sequence;
  leaf["to"] = e.to_state;
  leaf["v"] = "dsr-leaf-v1";
  return boost::json::serialize(leaf);
}

std::optional<Bytes> leaf_salt(std::string_view leaf) {
  boost::system::error_code ec;
  auto parsed = boost::json::parse(leaf, ec);
  if (ec || !parsed.is_object()) return std::nullopt;
  const auto* salt = parsed.as_object().if_contains("salt");
  if (salt == nullptr || !salt->is_string()) return std::nullopt;
  auto out = from_base64(std::string_view(salt->as_string()));
  if (!out || out->size() != kLeafSaltSize) return std::nullopt;
  return out;
}

}  // namespace dsr::storage
