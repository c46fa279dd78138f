// What a commit stores sealed or hashed, made on the caller's thread before
// any database work, the same for both backends: a filing's tracking-token
// hash, sealed details, idempotent reply and code hash, and a message's
// sealed text. The contexts bind each ciphertext to its place, so that a
// row moved elsewhere no longer opens.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/store.hpp"
#include "storage/crypto.hpp"

namespace dsr::storage {

struct SealedFiling {
  Bytes tracking_hash;   // empty: no tracking token
  Bytes details;         // empty: no details
  Bytes idempotency_key_hash;
  Bytes request_digest;
  Bytes response;
  Bytes code_hash;       // empty: no code
  std::int64_t code_expires_at = 0;
  int code_attempts = 0;
};

SealedFiling seal_filing(const MasterKey& keys, const std::string& request_id, const Filing& filing);

// The keyed hash an Idempotency-Key is kept under, and its reply's context.
Bytes idempotency_key_hash(const MasterKey& keys, std::string_view key);
std::string idempotent_reply_context(const Bytes& key_hash);

// The sealing context of message `seq` of a request's correspondence.
std::string message_context(std::string_view request_id, std::int64_t seq);

// A notification to a recipient of the subject's data (a correction, an
// erasure, a consent withdrawal, a restriction, a transfer: policy D.2):
// its id and its sealed payload (the subject's NIK, the request's type,
// the changes as a JSON array, the further fields of its body as a JSON
// object: storage/rights_rows.hpp).
struct SealedNotice {
  std::string id;
  Bytes payload;
};
SealedNotice seal_recipient_notice(const MasterKey& keys, const RequestHeader& request, const std::string& nik,
                                   const std::string& changes_json, const std::string& fields_json = "{}");
std::string recipient_notice_context(std::string_view notice_id);

// The sealing context of a filing's details (the form): binds the
// ciphertext to its request.
std::string request_details_context(std::string_view request_id);

}  // namespace dsr::storage
