// The consent ledger on PostgreSQL, as storage/consent_ledger.hpp keeps it
// on SQLite: append-only rows, one per consent given or withdrawn.
//
// Thread-safe: every call leases its own connection; writes complete on
// the caller's thread once committed.
#pragma once

#include "engine/ports.hpp"
#include "storage/postgres/pg_executor.hpp"
#include "storage/postgres/pg_pool.hpp"

namespace dsr::storage::pg {

// The entry `id`, for a transaction of its own or a consent withdrawal's.
Statement insert_consent(const std::string& id, const Consent& consent);

class PgConsentLedger final : public ConsentLedger {
 public:
  PgConsentLedger(Pool& pool, Executor& executor) : pool_(pool), executor_(executor) {}
  void record(Consent consent, std::function<void(Result<std::string>)> done) override;
  Result<std::vector<ConsentEntry>> for_subject(std::string_view subject_ref) const override;

 private:
  Pool& pool_;
  Executor& executor_;
};

}  // namespace dsr::storage::pg
