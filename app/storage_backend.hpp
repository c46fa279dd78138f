// The storage one dsr process works on, whichever backend holds it: SQLite
// on a file (the default, app/sqlite_storage.cpp) or PostgreSQL
// (app/postgres_storage.cpp), chosen by the db setting. Each gives every
// engine port the API and the workers use, and the duties `dsr serve` runs
// in the background. The engine and the API see only the ports.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "engine/ports.hpp"
#include "engine/sla_policy.hpp"
#include "engine/sla_report.hpp"
#include "engine/store.hpp"
#include "engine/subject_vault.hpp"
#include "storage/filing_receipts.hpp"
#include "storage/log_checkpoints.hpp"
#include "storage/log_key.hpp"
#include "storage/master_key_rotation.hpp"
#include "storage/outbox.hpp"
#include "storage/package_signer.hpp"
#include "storage/recipient_notices.hpp"
#include "storage/report_slots.hpp"
#include "storage/retention_sweep.hpp"
#include "storage/staff_certificates.hpp"
#include "storage/token_registry.hpp"

namespace dsr::app {

// Every port, owned by the backend that made them.
struct StoragePorts {
  Store& store;
  SubjectVault& vault;
  storage::TokenRegistry& tokens;
  VerificationCodeStore& codes;
  DisclosureRegistry& disclosures;
  const PackageSigner& signer;
  const AuditTrail& audit;
  NotificationLedger& notifications;
  storage::NoticeQueue& notice_queue;  // the same ledger, as the notification worker drains it
  storage::MessageQueue& outbox;
  storage::ReceiptQueue& receipts;
  AuditLogReader& audit_log;
  ConsentLedger& consents;
  PolicyArchive& policy_archive;
  SubjectNoticeLedger& subject_notices;  // the outbox, as staff read a breach notice's deliveries
  AccessLog& access_log;                 // staff reads of personal data, in the audit log
  storage::StaffCertificates& staff_certificates;  // client certificates mapped to staff (dsr staff add)
};

class StorageBackend {
 public:
  virtual ~StorageBackend() = default;

  virtual StoragePorts& ports() = 0;
  // For messages: "the SQLite database var/dsr.db", "PostgreSQL database dsr on db1:5432".
  virtual std::string description() const = 0;

  // The audit log's signing key: the one the database remembers (its
  // verifier key, "origin+hash+key"), a key to remember (refused if the
  // database remembers another), the key the log reader signs with.
  virtual Result<std::optional<std::string>> remembered_verifier_key() = 0;
  virtual Status remember_log_key(const storage::LogKey& key) = 0;
  virtual void use_log_key(const storage::LogSigningKeys* keys) = 0;
  // A checkpoint of the log if it grew since the last one (its size), at
  // most one per size whichever node signs, with the key in force.
  virtual Result<std::optional<std::uint64_t>> sign_checkpoint(const storage::LogSigningKeys& keys) = 0;
  // The log's keys (in force first, then retired), and `dsr key
  // rotate-log`'s steps: the log as it is now, then the rotation itself.
  virtual Result<std::vector<LogKeyListing>> log_keys() = 0;
  virtual Result<storage::Checkpoint> current_checkpoint(const std::string& origin) = 0;
  virtual Status rotate_log_key(const storage::LogKeyRotation& rotation) = 0;

  // True where a filing's journal entries get their places in the log
  // after the commit (PostgreSQL): `dsr serve` then runs sequence() often.
  virtual bool sequenced_after_commit() const { return false; }
  // Places the entries ready for it (how many); nothing to do on SQLite.
  virtual Result<std::size_t> sequence() { return std::size_t{0}; }

  // Whether this node is to perform `duty` (a background task one node at
  // a time performs, e.g. "timers") now: takes or renews its lease. Always
  // true where one process serves the database (SQLite).
  virtual Result<bool> hold_duty(const std::string& duty) {
    (void)duty;
    return true;
  }

  // Which node writes a scheduled report; nullptr where one process serves
  // the database (SQLite).
  virtual storage::ReportSlots* report_slots() { return nullptr; }

  // The SLA report in the database's own SQL, under these policies.
  virtual std::unique_ptr<SlaReports> sla_reports(const SlaCatalog& policies) = 0;

  virtual Result<storage::RetentionSweep> sweep_retention(const SlaCatalog& policies, const RetentionRules& rules,
                                                          TimePoint now) = 0;
  // Why this process cannot do its work now (/readyz), if so.
  virtual Status readiness() = 0;

  // The master key(s) the storage was opened with, and the steps of
  // `dsr key rotate-master` on this database.
  virtual const storage::MasterKey& master_key() const = 0;
  virtual std::unique_ptr<storage::MasterKeyRotation> master_key_rotation() = 0;
  // The package signer, for `dsr key rotate-signing`.
  virtual storage::Ed25519Signer& package_signer() = 0;
};

}  // namespace dsr::app

namespace dsr::storage {
class Database;
namespace pg {
class Backend;
}
}  // namespace dsr::storage

namespace dsr::app {

// The ports over an open SQLite database.
Result<std::unique_ptr<StorageBackend>> sqlite_storage(std::unique_ptr<storage::Database> db);

// The ports over an open PostgreSQL database; `node` names this process in
// the claims it takes on shared work (the outbox, the sequencer's lease).
// Claims left under that name by a crash are given back at once: a node's
// name must be its own (open_serve_storage makes it from the host and the
// listening address).
Result<std::unique_ptr<StorageBackend>> postgres_storage(std::unique_ptr<storage::pg::Backend> backend, std::string node,
                                                         std::string description);

}  // namespace dsr::app
