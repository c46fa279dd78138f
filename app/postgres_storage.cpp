// The ports on PostgreSQL: a pool of connections, writes on the backend's
// own threads, shared work claimed by one node at a time, and the audit
// log sequenced after the commit (storage/postgres/pg_sequencer.hpp).
#include "app/storage_backend.hpp"

#include "storage/postgres/pg_access_log.hpp"
#include "storage/journal.hpp"
#include "storage/postgres/pg_audit_log.hpp"
#include "storage/postgres/pg_backend.hpp"
#include "storage/postgres/pg_consents.hpp"
#include "storage/postgres/pg_policy_archive.hpp"
#include "storage/postgres/pg_delivery.hpp"
#include "storage/postgres/pg_lease.hpp"
#include "storage/postgres/pg_receipts.hpp"
#include "storage/postgres/pg_registries.hpp"
#include "storage/postgres/pg_report_slots.hpp"
#include "storage/postgres/pg_reports.hpp"
#include "storage/postgres/pg_retention.hpp"
#include "storage/postgres/pg_sequencer.hpp"
#include "storage/postgres/pg_store.hpp"
#include "storage/postgres/pg_staff_certificate_rows.hpp"
#include "storage/postgres/pg_token_rows.hpp"
#include "storage/postgres/pg_vault.hpp"
#include "storage/postgres/pg_key_rotation.hpp"

namespace dsr::app {
namespace {

namespace pg = storage::pg;

// A node holds what it claimed (a message, a notice) this long; if it dies
// meanwhile, another node takes the work over once the claim lapsed.
constexpr std::chrono::seconds kClaimHold{60};
// A duty one node performs at a time (sending receipts) passes to another
// node this long after its holder stopped renewing it.
constexpr std::chrono::seconds kLeaseHold{10};

class PostgresStorage final : public StorageBackend {
 public:
  PostgresStorage(std::unique_ptr<pg::Backend> backend, std::unique_ptr<storage::Ed25519Signer> signer,
                  std::string node, std::string description)
      : backend_(std::move(backend)),
        signer_(std::move(signer)),
        node_(std::move(node)),
        description_(std::move(description)) {}

  StoragePorts& ports() override { return ports_; }
  std::string description() const override { return description_; }

  Result<std::optional<std::string>> remembered_verifier_key() override {
    return pool_.with([](pg::Connection& c) { return pg::remembered_verifier_key(c); });
  }
  Status remember_log_key(const storage::LogKey& key) override { return pg::remember_log_key(pool_, key); }
  void use_log_key(const storage::LogSigningKeys* keys) override { audit_log_.set_key(keys); }
  Result<std::optional<std::uint64_t>> sign_checkpoint(const storage::LogSigningKeys& keys) override {
    return pg::sign_checkpoint(pool_, keys);
  }
  Result<std::vector<LogKeyListing>> log_keys() override {
    return pool_.with([](pg::Connection& c) { return pg::log_keys(c); });
  }
  Result<storage::Checkpoint> current_checkpoint(const std::string& origin) override {
    return pool_.with([&](pg::Connection& c) { return pg::current_checkpoint(c, origin); });
  }
  Status rotate_log_key(const storage::LogKeyRotation& rotation) override {
    return pg::rotate_log_key(pool_, rotation);
  }
  Result<bool> hold_duty(const std::string& duty) override {
    return pool_.with([&](pg::Connection& c) { return pg::hold_lease(c, duty, {node_, kLeaseHold}); });
  }
  storage::ReportSlots* report_slots() override { return &report_slots_; }
  bool sequenced_after_commit() const override { return true; }
  Result<std::size_t> sequence() override { return sequencer_.run_once(); }
  std::unique_ptr<SlaReports> sla_reports(const SlaCatalog& policies) override {
    return std::make_unique<pg::PgSlaReports>(pool_, policies);
  }
  Result<storage::RetentionSweep> sweep_retention(const SlaCatalog& policies, const RetentionRules& rules,
                                                  TimePoint now) override {
    return pg::sweep_retention(pool_, policies, rules, now);
  }
  // A standby (after a failover, the old primary come back) takes no
  // writes: this node is not ready until it reaches a primary again.
  storage::Ed25519Signer& package_signer() override { return *signer_; }
  const storage::MasterKey& master_key() const override { return keys_; }
  std::unique_ptr<storage::MasterKeyRotation> master_key_rotation() override {
    return pg::master_key_rotation(*backend_);
  }
  Status readiness() override {
    auto standby = pool_.with([](pg::Connection& c) { return c.exec("SELECT pg_is_in_recovery()"); });
    if (!standby) return fail(standby.error());
    if (standby->boolean(0, 0))
      return fail(Error::unavailable("the PostgreSQL server is a standby and takes no writes; give --db the "
                                     "primary, or every host with target_session_attrs=read-write"));
    return ok_status();
  }

 private:
  std::unique_ptr<pg::Backend> backend_;
  std::unique_ptr<storage::Ed25519Signer> signer_;
  std::string node_;
  std::string description_;
  pg::Pool& pool_ = backend_->pool();
  const storage::MasterKey& keys_ = backend_->keys();
  pg::Executor& executor_ = backend_->executor();
  pg::PgStore store_{pool_, keys_, executor_};
  pg::PgVault vault_{pool_, keys_, executor_};
  storage::TokenRegistry tokens_{std::make_unique<pg::PgTokenRows>(pool_, executor_), keys_};
  pg::PgVerificationCodes codes_{pool_, keys_, executor_};
  pg::PgDisclosures disclosures_{pool_, keys_, executor_};
  storage::AuditTrailCheck audit_{[this] {
    return pool_.with([](pg::Connection& c) { return pg::verify_audit_log(c); });
  }};
  pg::PgNotificationLedger notifications_{pool_, keys_, executor_, {node_, kClaimHold}};
  pg::PgOutbox outbox_{pool_, keys_, {node_, kClaimHold}};
  pg::PgFilingReceipts receipts_{pool_, keys_, {node_, kLeaseHold}};
  pg::PgAuditLog audit_log_{pool_, executor_};
  pg::Sequencer sequencer_{pool_, node_};
  // A node that dies while writing a report: another writes it 5 minutes on.
  pg::PgReportSlots report_slots_{pool_, {node_, std::chrono::minutes(5)}};
  pg::PgConsentLedger consents_{pool_, executor_};
  pg::PgPolicyArchive policy_archive_{pool_, executor_};
  pg::PgAccessLog access_log_{pool_, executor_};
  storage::StaffCertificates staff_certificates_{std::make_unique<pg::PgStaffCertificateRows>(pool_)};
  StoragePorts ports_{store_,         vault_,         tokens_, codes_,    disclosures_, *signer_,  audit_,
                      notifications_, notifications_, outbox_, receipts_, audit_log_, consents_, policy_archive_,
                      outbox_,        access_log_,    staff_certificates_};
};

}  // namespace

Result<std::unique_ptr<StorageBackend>> postgres_storage(std::unique_ptr<pg::Backend> backend, std::string node,
                                                         std::string description) {
  auto signer = pg::open_signer(*backend);
  if (!signer) return fail(signer.error());
  if (Status released = pg::release_claims(backend->pool(), node); !released) return fail(released.error());
  return std::unique_ptr<StorageBackend>(new PostgresStorage(std::move(backend), std::move(signer).value(),
                                                             std::move(node), std::move(description)));
}

}  // namespace dsr::app
