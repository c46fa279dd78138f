// The consent ledger on SQLite (policy C.3, H.2): append-only rows, one per
// consent given or withdrawn. A consent withdrawal request writes its entry
// in its own transaction (insert_consent_in); systems record the rest
// through POST /v1/consents.
//
// Thread-safe like the other stores: reads from any thread, writes through
// the group-commit writer.
#pragma once

#include "engine/ports.hpp"
#include "storage/database.hpp"

namespace dsr::storage {

// Inside a writer job: appends the entry `id`.
void insert_consent_in(WriteConnection& db, const std::string& id, const Consent& consent);

class SqliteConsentLedger final : public ConsentLedger {
 public:
  explicit SqliteConsentLedger(Database& db) : db_(db) {}
  void record(Consent consent, std::function<void(Result<std::string>)> done) override;
  Result<std::vector<ConsentEntry>> for_subject(std::string_view subject_ref) const override;

 private:
  Database& db_;
};

}  // namespace dsr::storage
