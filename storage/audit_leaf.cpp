#include "storage/audit_leaf.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <stdexcept>

#include "engine/merkle.hpp"
#include "engine/time.hpp"
#include "storage/journal.hpp"
#include "storage/package_signer.hpp"

namespace dsr::storage {
namespace {

std::span<const unsigned char> bytes_of(std::string_view s) {
  return {reinterpret_cast<const unsigned char*>(s.data()), s.size()};
}

// SHA-256(salt || text), in base64: binds the leaf to text it does not hold.
std::string salted(const Bytes& salt, std::span<const unsigned char> text) {
  Bytes joined(salt.begin(), salt.end());
  joined.insert(joined.end(), text.begin(), text.end());
  return merkle::to_base64(merkle::sha256(joined));
}

Bytes salt_bytes(std::string_view salt) {
  auto bytes = from_base64(salt);
  // Only dsr writes salts; a row that holds something else was altered.
  if (!bytes || bytes->size() != kLeafSaltSize) throw std::invalid_argument("a journal row's leaf salt is not 16 bytes");
  return *bytes;
}

}  // namespace

std::string new_leaf_salt() { return to_base64(random_bytes(kLeafSaltSize)); }

std::string salted_reason(std::string_view salt, std::string_view reason) {
  return salted(salt_bytes(salt), bytes_of(reason));
}

std::string event_leaf(std::string_view request_id, const Event& e, std::string_view salt,
                       std::optional<std::string_view> erased_reason) {
  Bytes salt_raw = salt_bytes(salt);
  // Keys in sorted order: boost::json keeps insertion order, and the
  // serialization has no spaces, so this is the canonical form.
  boost::json::object leaf;
  leaf["actor_role"] = to_string(e.actor.role);
  leaf["actor_sha256"] = salted(salt_raw, bytes_of(e.actor.principal));
  leaf["at"] = format_rfc3339(e.at);
  leaf["clock"] = to_string(e.clock);
  leaf["data_sha256"] = salted(salt_raw, encode_event_data(e.data));
  leaf["event"] = e.name;
  leaf["from"] = e.from_state;
  leaf["outcome"] = e.outcome;
  leaf["reason_public"] = e.reason_public;
  leaf["reason_sha256"] = erased_reason ? std::string(*erased_reason) : salted(salt_raw, bytes_of(e.reason));
  leaf["request_id"] = request_id;
  leaf["salt"] = salt;
  leaf["sequence"] = e.sequence;
  leaf["to"] = e.to_state;
  leaf["v"] = "dsr-leaf-v1";
  return boost::json::serialize(leaf);
}

std::string access_leaf(const AccessEntry& e, std::string_view salt) {
  Bytes salt_raw = salt_bytes(salt);
  boost::json::array fields;
  for (const auto& f : e.fields) fields.emplace_back(f);
  boost::json::object leaf;  // keys in sorted order, as event_leaf's
  leaf["actor_role"] = to_string(e.role);
  leaf["actor_sha256"] = salted(salt_raw, bytes_of(e.principal));
  leaf["at"] = format_rfc3339(e.at);
  leaf["fields"] = std::move(fields);
  leaf["request_id"] = e.request_id;
  leaf["route"] = e.route;
  leaf["salt"] = salt;
  leaf["subject_ref"] = e.subject_ref;
  leaf["v"] = "dsr-access-v1";
  return boost::json::serialize(leaf);
}

}  // namespace dsr::storage
