// SqliteVault: subject records at rest (policy E.2, E.3-E.7).
//  - Each subject has a random 32-byte data key; the record is sealed under
//    it with XChaCha20-Poly1305, the data key is sealed under the master
//    key's wrapping key. Both ciphertexts carry the subject's reference as
//    associated data, so a ciphertext moved to another row fails to open.
//  - NIK, e-mail and organisation are found through keyed BLAKE2b blind
//    indexes; no plaintext personal data is ever written to the file.
//  - erase() deletes the row (and with it the only copy of the data key)
//    under secure_delete: crypto-shredding.
// Thread-safe like SqliteStore.
#pragma once

#include "engine/subject_vault.hpp"
#include "storage/database.hpp"

namespace dsr::storage {

// The same operations inside a writer job, so that a request's fulfilment
// (corrections, erasure) commits with the event that records it.
// The record on file, or nullopt if there is none.
Result<std::optional<SubjectRecord>> read_subject_in(WriteConnection& db, const MasterKey& keys, const std::string& ref);
// ok if new rows may be wrapped under the master key in force: the key a
// rotation announced in the database (read in the writer's transaction,
// so no row is wrapped under the old key once the announcement is
// committed), the key file read again if it names another.
Status require_announced_master_key(WriteConnection& db, const MasterKey& keys);
// Writes the record under a fresh data key and re-indexes NIK, e-mail and
// organisation. A NIK already held by another subject is a conflict.
Status write_subject_in(WriteConnection& db, const MasterKey& keys, const std::string& ref, const SubjectRecord& record);
// Deletes the record (its data key with it) and what the subject wrote or
// was sent; false if there was no record.
bool erase_subject_in(WriteConnection& db, const std::string& ref);
// The restrictions of processing on the record, one per request that
// placed it (storage/rights_rows.hpp standing_restriction: their union);
// one placed; one lifted (false if that request's was not there).
std::vector<Restriction> read_restrictions_in(WriteConnection& db, const std::string& ref);
void write_restriction_in(WriteConnection& db, const std::string& ref, const Restriction& restriction);
bool delete_restriction_in(WriteConnection& db, const std::string& ref, const std::string& request_id);

class SqliteVault final : public SubjectVault {
 public:
  explicit SqliteVault(Database& db) : db_(db) {}

  void put(SubjectRecord record, RefDone done) override;
  Result<SubjectRecord> get(std::string_view subject_ref) const override;
  Result<std::optional<std::string>> find_by_nik(std::string_view nik) const override;
  Result<std::optional<std::string>> find_by_email(std::string_view email) const override;
  Result<std::vector<std::string>> find_by_organization(std::string_view organization) const override;
  void erase(std::string subject_ref, Done done) override;
  void set_legal_hold(std::string subject_ref, LegalHold hold, Done done) override;
  Result<std::optional<Restriction>> restriction(std::string_view subject_ref) const override;

  // Blind index values, exposed for tests and for queries by organisation.
  Bytes nik_index(std::string_view nik) const;
  Bytes email_index(std::string_view email) const;
  Bytes organization_index(std::string_view organization) const;

 private:
  Result<std::optional<std::string>> find_by(const char* column, const Bytes& index) const;
  Database& db_;
};

}  // namespace dsr::storage
