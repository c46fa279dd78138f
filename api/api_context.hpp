// Everything the handlers need, as engine ports: the API never touches
// SQLite. app/ builds one ApiContext at start-up; it outlives the server.
#pragma once

#include <functional>
#include <string>

#include "engine/clock.hpp"
#include "engine/ports.hpp"
#include "engine/request_service.hpp"
#include "engine/sla_policy.hpp"
#include "engine/sla_report.hpp"
#include "engine/store.hpp"
#include "engine/subject_notices.hpp"
#include "engine/subject_vault.hpp"
#include "engine/workflow_set.hpp"
#include "api/metrics.hpp"

namespace dsr::api {

class RequestLog;  // api/request_log.hpp

struct VerificationSettings {
  std::chrono::seconds code_lifetime{15 * 60};
  int attempts = 5;
  int max_sends = 3;  // the first code and two more on request
};

struct ApiContext {
  const WorkflowSet& workflows;
  const SlaCatalog& policies;
  RequestService& requests;
  Store& store;
  SubjectVault& vault;
  const TokenDirectory& tokens;
  VerificationCodeStore& codes;
  DisclosureRegistry& disclosures;
  const PackageSigner& signer;
  const AuditTrail& audit;
  const SubjectNotices& notices;        // messages to subjects, from the catalogue
  NotificationLedger& notifications;    // recipient notices (D.2)
  const Clock& clock;
  std::string default_policy;
  // Secrets from a CSPRNG: the secret part of tracking tokens, and 6-digit
  // one-time codes.
  std::function<std::string()> new_tracking_token;
  std::function<std::string()> new_code;
  std::function<std::string()> new_request_id;
  // A cryptographic digest (hex) of a request body, for Idempotency-Key checks.
  std::function<std::string(std::string_view)> digest;
  VerificationSettings verification;
  // Readiness beyond "the process runs": an error (its message is shown)
  // while dsr cannot do its work, e.g. the database cannot be written.
  std::function<Status()> readiness = [] { return ok_status(); };
  // Filled by the transport, shown at /metrics.
  HttpMetrics* http_metrics = nullptr;
  // The per-request log's own counters (lines, bytes, write errors), shown
  // at /metrics if set.
  const RequestLog* request_log = nullptr;
  const SlaReports* reports = nullptr;  // GET /v1/reports/sla answers 503 without
  TokenAdministration* token_admin = nullptr;  // /v1/tokens answers 503 without
  AuditLogReader* audit_log = nullptr;          // /v1/log/* answer 503 without
  ConsentLedger* consents = nullptr;            // the consent routes answer 503 without
  PolicyArchive* policy_archive = nullptr;      // the policy routes answer 503 without
  const SubjectNoticeLedger* subject_notices = nullptr;  // GET /v1/requests/{id}/notices answers 503 without
  // The staff access log (api/access_record.hpp): without it, no answer
  // carrying personal data goes to staff (503).
  AccessLog* access_log = nullptr;
  // Whether the access package names the staff who read the subject's
  // data, or only their roles (--access-log-names; default off).
  bool access_log_names = false;
  // Client certificates mapped to staff; none: a certificate signs no one in.
  const StaffCertificateDirectory* staff_certificates = nullptr;
};

}  // namespace dsr::api
