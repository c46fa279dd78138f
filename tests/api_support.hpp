// An API without a network: the real router and handlers over an in-memory
// database, driven by HttpRequest values. Shared by the API unit tests.
#pragma once

#include <boost/json/value.hpp>

#include <memory>
#include <optional>
#include <map>
#include <string>

#include "api/api_context.hpp"
#include "api/router.hpp"
#include "engine/request_service.hpp"
#include "storage/access_log.hpp"
#include "storage/consent_ledger.hpp"
#include "storage/policy_archive.hpp"
#include "storage/database.hpp"
#include "storage/outbox.hpp"
#include "storage/package_signer.hpp"
#include "storage/recipient_notices.hpp"
#include "storage/registries.hpp"
#include "storage/staff_certificates.hpp"
#include "storage/token_registry.hpp"
#include "storage/log_key.hpp"
#include "storage/sqlite_audit_log.hpp"
#include "storage/sqlite_store.hpp"
#include "storage/sqlite_vault.hpp"
#include "storage_support.hpp"

namespace dsr::test {

struct Reply {
  int status = 0;
  boost::json::value body;
  std::string content_type;
  std::string raw;
  std::string header(std::string_view name) const;
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<std::size_t> head_of_length;  // an answer to HEAD: the Content-Length it announces
};

class ApiHarness {
 public:
  ApiHarness();
  ~ApiHarness();

  Reply call(std::string method, std::string target, std::string body = "", std::string token = "",
             std::string language = "");
  std::string token(Role role, std::string name, std::string organization = "");
  // A subject on file with this NIK and e-mail.
  void put_subject(const std::string& nik, const std::string& email, const std::string& organization = "BSSN");
  // The last verification code sent for `request_id`, read from the outbox.
  std::string last_code(const std::string& request_id);
  // The receipts the filings so far owe their subjects, as the outbox
  // worker would write them (storage/filing_receipts.hpp), oldest first.
  std::vector<OutgoingMessage> owed_receipts();

  FakeClock clock;
  std::unique_ptr<storage::Database> db;
  std::unique_ptr<storage::SqliteStore> store;
  std::unique_ptr<storage::SqliteVault> vault;
  std::unique_ptr<storage::TokenRegistry> tokens;
  std::unique_ptr<storage::VerificationCodes> codes;
  std::unique_ptr<storage::Outbox> outbox;
  std::unique_ptr<storage::SqliteDisclosures> disclosures;
  std::unique_ptr<storage::Ed25519Signer> signer;
  std::unique_ptr<storage::AuditTrailCheck> audit;
  std::unique_ptr<storage::SqliteNotificationLedger> notifications;
  std::unique_ptr<SubjectNotices> notices;
  std::unique_ptr<RequestService> requests;
  std::unique_ptr<SlaReports> reports;
  TempDir scratch;                          // the audit log's key file
  std::optional<storage::LogKey> log_key;   // origin "dsr.test/log"
  std::unique_ptr<storage::SqliteConsentLedger> consents;
  std::unique_ptr<storage::SqlitePolicyArchive> policy_archive;
  std::unique_ptr<storage::SqliteAuditLog> audit_log;
  std::unique_ptr<storage::SqliteAccessLog> access_log;
  std::unique_ptr<storage::StaffCertificates> staff_certificates;
  // Headers every call() sends besides its own (a browser's, say); they win.
  std::map<std::string, std::string> extra_headers;
  // The client certificate every call() presents, as the TLS layer found
  // it; none: the server does not ask for one.
  std::optional<api::ClientCertificate> presenting;
  std::unique_ptr<api::ApiContext> context;
  std::unique_ptr<api::Router> router;
  int next_id = 0;
};

}  // namespace dsr::test
