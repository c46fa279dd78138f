// PgVault: subject records on PostgreSQL, sealed in dsr before they are
// sent (storage/subject_seal.hpp): PostgreSQL holds the wrapped data key,
// the ciphertext and the blind indexes, never the record. Erasure deletes
// the row, and with it the only copy of the data key, with what the
// subject wrote or was sent, and blanks the reasons on their requests'
// events (keeping each reason's salted hash, as the audit log's leaves
// commit to it).
//
// Thread-safe: every call leases its own connection; writes complete on
// the caller's thread once committed.
#pragma once

#include "engine/subject_vault.hpp"
#include "storage/crypto.hpp"
#include "storage/postgres/pg_executor.hpp"
#include "storage/postgres/pg_pool.hpp"
#include "storage/subject_seal.hpp"

namespace dsr::storage::pg {

// Inside a transaction, for a request's fulfilment as for the vault's own
// calls: the record on file (locked until the end), its write, its erasure.
Result<std::optional<SubjectRecord>> read_subject_for_update(Connection& c, const MasterKey& keys, const std::string& ref);
Statement write_subject(const std::string& ref, const SealedRecord& sealed);
// The first statement's rows affected say whether there was a record.
std::vector<Statement> erase_subject(const std::string& ref);

// The restrictions on the record, one per request that placed it (locked
// until the end), and one's write.
Result<std::vector<Restriction>> restrictions_for_update(Connection& c, const std::string& ref);
Statement write_restriction(const std::string& ref, const Restriction& restriction);

// A NIK held by another subject, said as the SQLite vault says it.
Error nik_taken_if_so(Error e);

class PgVault final : public SubjectVault {
 public:
  PgVault(Pool& pool, const MasterKey& keys, Executor& executor) : pool_(pool), keys_(keys), executor_(executor) {}

  void put(SubjectRecord record, RefDone done) override;
  Result<SubjectRecord> get(std::string_view subject_ref) const override;
  Result<std::optional<std::string>> find_by_nik(std::string_view nik) const override;
  Result<std::optional<std::string>> find_by_email(std::string_view email) const override;
  Result<std::vector<std::string>> find_by_organization(std::string_view organization) const override;
  void erase(std::string subject_ref, Done done) override;
  void set_legal_hold(std::string subject_ref, LegalHold hold, Done done) override;
  Result<std::optional<Restriction>> restriction(std::string_view subject_ref) const override;

 private:
  Result<std::optional<std::string>> find_by(const char* column, const Bytes& index) const;
  Pool& pool_;
  const MasterKey& keys_;
  Executor& executor_;
};

}  // namespace dsr::storage::pg
