// A subject record at rest, the same for both backends (policy E.2-E.7):
// a random 32-byte data key per write seals the record
// (XChaCha20-Poly1305), the master key's wrapping key seals the data key,
// and both carry the subject's reference as associated data, so that a
// ciphertext moved to another row does not open. NIK, e-mail and
// organisation are found through keyed BLAKE2b blind indexes. A backend
// stores these bytes and never sees the plaintext.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "engine/subject_vault.hpp"
#include "storage/crypto.hpp"

namespace dsr::storage {

struct SealedRecord {
  std::string wrap_key_id;  // the master key the data key is wrapped under
  Bytes wrapped_key;
  Bytes record;
  Bytes nik_index;
  std::optional<Bytes> email_index;         // none without an e-mail
  std::optional<Bytes> organization_index;  // none without an organisation
};

// Seals `record` for subject `ref` under a fresh data key.
SealedRecord seal_record(const MasterKey& keys, std::string_view ref, const SubjectRecord& record);
// Opens a row's wrapped data key (under the master key `wrap_key_id`
// names; "" for rows from before keys had ids) and sealed record.
Result<SubjectRecord> open_record(const MasterKey& keys, std::string_view ref, std::string_view wrap_key_id,
                                  const Bytes& wrapped, const Bytes& sealed);
// The data key of a row wrapped again under the master key in force
// (dsr key rotate-master): the record itself is not touched.
Result<Wrapped> rewrap_data_key(const MasterKey& keys, std::string_view ref, std::string_view wrap_key_id,
                                const Bytes& wrapped);

Bytes nik_index_of(const MasterKey& keys, std::string_view nik);
Bytes email_index_of(const MasterKey& keys, std::string_view email);
Bytes organization_index_of(const MasterKey& keys, std::string_view organization);

// A NIK as a record needs it: exactly 16 digits.
bool is_nik(std::string_view nik);

// The subject record's field a correction names (the portal's names:
// name, nik, nip, organization, unit, position, email, phone, face_photo).
std::string* record_field(SubjectRecord& record, std::string_view field);

}  // namespace dsr::storage
