// The leaf of the audit log's Merkle tree for one journal entry: the
// event's canonical JSON (keys sorted, no spaces), with a random 16-byte
// salt inside, so that the published hashes reveal nothing that could be
// guessed. What may be personal data (who acted, the reason, the event's
// facts) is not in the leaf: the leaf commits to each by a salted SHA-256.
//
// The journal row keeps only the salt, not the leaf: the leaf is the row's
// own fields with it, rebuilt for proofs and audits. An erasure that blanks
// a reason keeps the reason's salted hash in the row instead, so that the
// leaf, and the tree, stay as they were.
//
//   {"actor_role":"reviewer","actor_sha256":"<b64>","at":"2025-03-03T02:15:00Z",
//    "clock":"run","data_sha256":"<b64>","event":"approve","from":"in_review",
//    "outcome":"","reason_public":false,"reason_sha256":"<b64>",
//    "request_id":"r-...","salt":"<b64>","sequence":3,"to":"fulfilling",
//    "v":"dsr-leaf-v1"}
//
// A staff access entry (a read of a subject's data, engine/ports.hpp
// AccessEntry) is a leaf of the same tree, of its own shape:
//
//   {"actor_role":"reviewer","actor_sha256":"<b64>","at":"2025-03-03T02:15:00Z",
//    "fields":["email","name","nik"],"request_id":"r-...","route":"GET /v1/requests/{id}",
//    "salt":"<b64>","subject_ref":"s-...","v":"dsr-access-v1"}
//
// The subject is named by its reference, the route by its template: no
// personal data, and no NIK, is in it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "engine/ports.hpp"
#include "engine/request.hpp"
#include "storage/crypto.hpp"

namespace dsr::storage {

inline constexpr std::size_t kLeafSaltSize = 16;

// A fresh salt, in base64 as the leaf and the journal row hold it.
std::string new_leaf_salt();

// The leaf of `event` of request `request_id`, with this salt (base64).
// `erased_reason`: the reason's salted hash, kept when an erasure blanked it.
std::string event_leaf(std::string_view request_id, const Event& event, std::string_view salt,
                       std::optional<std::string_view> erased_reason = std::nullopt);

// The leaf of a staff access entry, with this salt (base64).
std::string access_leaf(const AccessEntry& entry, std::string_view salt);

// SHA-256(salt || reason) in base64, as the leaf's reason_sha256.
std::string salted_reason(std::string_view salt, std::string_view reason);

}  // namespace dsr::storage
