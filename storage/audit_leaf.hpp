// The leaf of the audit log's Merkle tree for one journal entry: the
// event's canonical JSON (keys sorted, no spaces), with a random 16-byte
// salt inside, so that the published hashes reveal nothing that could be
// guessed. What may be personal data (who acted, the reason, the event's
// facts) is not in the leaf: the leaf commits to each by a salted SHA-256,
// and the journal row keeps the text, so that it can be read, and checked
// against the leaf, by whoever holds both.
//
//   {"actor_role":"reviewer","actor_sha256":"<b64>","at":"2025-03-03T02:15:00Z",
//    "clock":"run","data_sha256":"<b64>","event":"approve","from":"in_review",
//    "outcome":"","reason_public":false,"reason_sha256":"<b64>",
//    "request_id":"r-...","salt":"<b64>","sequence":3,"to":"fulfilling",
//    "v":"dsr-leaf-v1"}
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "engine/request.hpp"
#include "storage/crypto.hpp"

namespace dsr::storage {

inline constexpr std::size_t kLeafSaltSize = 16;

// The leaf of `event` of request `request_id`, with this salt.
std::string event_leaf(std::string_view request_id, const Event& event, std::span<const unsigned char> salt);

// The salt inside a leaf dsr wrote; nullopt if the bytes are not one.
std::optional<Bytes> leaf_salt(std::string_view leaf);

}  // namespace dsr::storage
