// The ports on SQLite: one file, one process, one writer thread.
#include "app/storage_backend.hpp"

#include <fmt/format.h>

#include "storage/access_log.hpp"
#include "storage/consent_ledger.hpp"
#include "storage/database.hpp"
#include "storage/policy_archive.hpp"
#include "storage/journal.hpp"
#include "storage/log_checkpoints.hpp"
#include "storage/package_signer.hpp"
#include "storage/registries.hpp"
#include "storage/sla_report_query.hpp"
#include "storage/sqlite_audit_log.hpp"
#include "storage/sqlite_key_rotation.hpp"
#include "storage/sqlite_store.hpp"
#include "storage/sqlite_vault.hpp"

namespace dsr::app {
namespace {

class SqliteStorage final : public StorageBackend {
 public:
  SqliteStorage(std::unique_ptr<storage::Database> db, std::unique_ptr<storage::Ed25519Signer> signer)
      : db_(std::move(db)), signer_(std::move(signer)) {}

  StoragePorts& ports() override { return ports_; }
  std::string description() const override { return fmt::format("the SQLite database {}", db_->path()); }

  Result<std::optional<std::string>> remembered_verifier_key() override {
    return db_->read("reading the audit log's key",
                     [](SQLite::Database& c) { return storage::remembered_verifier_key(c); });
  }
  Status remember_log_key(const storage::LogKey& key) override { return storage::remember_log_key(*db_, key); }
  void use_log_key(const storage::LogSigningKeys* keys) override { audit_log_.set_key(keys); }
  Result<std::optional<std::uint64_t>> sign_checkpoint(const storage::LogSigningKeys& keys) override {
    return storage::sign_checkpoint(*db_, keys);
  }
  Result<std::vector<LogKeyListing>> log_keys() override {
    return db_->read("reading the audit log's keys", [](SQLite::Database& c) { return storage::log_keys(c); });
  }
  Result<storage::Checkpoint> current_checkpoint(const std::string& origin) override {
    return db_->read("reading the log's tree",
                     [&](SQLite::Database& c) { return storage::current_checkpoint(c, origin); });
  }
  Status rotate_log_key(const storage::LogKeyRotation& rotation) override {
    return storage::rotate_log_key(*db_, rotation);
  }
  std::unique_ptr<SlaReports> sla_reports(const SlaCatalog& policies) override {
    return std::make_unique<storage::SqliteSlaReports>(*db_, policies);
  }
  Result<storage::RetentionSweep> sweep_retention(const SlaCatalog& policies, const RetentionRules& rules,
                                                  TimePoint now) override {
    return storage::sweep_retention(*db_, policies, rules, now);
  }
  storage::Ed25519Signer& package_signer() override { return *signer_; }
  const storage::MasterKey& master_key() const override { return db_->keys(); }
  std::unique_ptr<storage::MasterKeyRotation> master_key_rotation() override {
    return storage::sqlite_master_key_rotation(*db_);
  }
  Status readiness() override {
    if (auto answered = outbox_.pending_count(); !answered) return fail(answered.error());
    if (!db_->writable()) {
      db_->retry_writing();  // the next /readyz sees whether it worked
      return fail(Error::unavailable("the database can only be read (is its disk mounted read-only?); dsr writes "
                                     "again by itself once it can"));
    }
    return ok_status();
  }

 private:
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<storage::Ed25519Signer> signer_;
  storage::SqliteStore store_{*db_};
  storage::SqliteVault vault_{*db_};
  storage::TokenRegistry tokens_{*db_};
  storage::VerificationCodes codes_{*db_};
  storage::SqliteDisclosures disclosures_{*db_};
  storage::AuditTrailCheck audit_{[db = db_.get()] {
    return db->read("verifying the audit log", [](SQLite::Database& c) { return storage::verify_audit_log(c); });
  }};
  storage::SqliteNotificationLedger notifications_{*db_};
  storage::Outbox outbox_{*db_};
  storage::FilingReceipts receipts_{*db_};
  storage::SqliteAuditLog audit_log_{*db_};
  storage::SqliteConsentLedger consents_{*db_};
  storage::SqlitePolicyArchive policy_archive_{*db_};
  storage::SqliteAccessLog access_log_{*db_};
  storage::StaffCertificates staff_certificates_{*db_};
  StoragePorts ports_{store_,         vault_,         tokens_, codes_,    disclosures_, *signer_,  audit_,
                      notifications_, notifications_, outbox_, receipts_, audit_log_, consents_, policy_archive_,
                      outbox_,        access_log_,    staff_certificates_};
};

}  // namespace

Result<std::unique_ptr<StorageBackend>> sqlite_storage(std::unique_ptr<storage::Database> db) {
  auto signer = storage::Ed25519Signer::open(*db);
  if (!signer) return fail(signer.error());
  return std::unique_ptr<StorageBackend>(new SqliteStorage(std::move(db), std::move(signer).value()));
}

}  // namespace dsr::app
