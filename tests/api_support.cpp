#include "api_support.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <future>

#include "api/routes.hpp"
#include "storage/filing_receipts.hpp"
#include "storage/sla_report_query.hpp"
#include "storage_support.hpp"
#include "test_support.hpp"

namespace dsr::test {

std::string Reply::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k == name) return v;
  return "";
}

ApiHarness::ApiHarness() : clock(at("2025-03-03T02:15:00Z")) {
  db = open_database(":memory:");
  store = std::make_unique<storage::SqliteStore>(*db);
  vault = std::make_unique<storage::SqliteVault>(*db);
  tokens = std::make_unique<storage::TokenRegistry>(*db);
  codes = std::make_unique<storage::VerificationCodes>(*db);
  outbox = std::make_unique<storage::Outbox>(*db);
  disclosures = std::make_unique<storage::SqliteDisclosures>(*db);
  auto made = storage::Ed25519Signer::open(*db);
  REQUIRE(made.ok());
  signer = std::move(made).value();
  audit = std::make_unique<storage::AuditTrailCheck>([this] {
    return db->read("verify", [this](SQLite::Database& c) { return storage::verify_audit_log(c); });
  });
  notifications = std::make_unique<storage::SqliteNotificationLedger>(*db);
  notices = std::make_unique<SubjectNotices>(shipped_messages(), shipped_policies(), *vault, *store);
  requests = std::make_unique<RequestService>(shipped_workflows(), shipped_policies(), *store, clock,
                                              [this] { return "r" + std::to_string(++next_id); },
                                              RequestServiceCollaborators{notices.get(), notifications.get()});
  context = std::make_unique<api::ApiContext>(api::ApiContext{
      shipped_workflows(), shipped_policies(), *requests, *store, *vault, *tokens, *codes, *disclosures, *signer, *audit,
      *notices, *notifications, clock, "id-pdp",
      [] { return storage::random_id(24); },
      [] { return std::string("123456"); },
      [this] { return "r" + std::to_string(++next_id); },
      [](std::string_view body) { return storage::to_hex(storage::hash({storage::as_bytes(body)})); },
      {}, [] { return ok_status(); }});
  reports = std::make_unique<storage::SqliteSlaReports>(*db, shipped_policies());
  context->reports = reports.get();
  context->token_admin = tokens.get();
  auto key = storage::LogKey::load(scratch.file("log.key"), "dsr.test/log", true);
  REQUIRE(key.ok());
  log_key = std::move(key).value();
  audit_log = std::make_unique<storage::SqliteAuditLog>(*db);
  audit_log->set_key(&*log_key);
  context->audit_log = audit_log.get();
  consents = std::make_unique<storage::SqliteConsentLedger>(*db);
  context->consents = consents.get();
  policy_archive = std::make_unique<storage::SqlitePolicyArchive>(*db);
  context->policy_archive = policy_archive.get();
  context->subject_notices = outbox.get();
  access_log = std::make_unique<storage::SqliteAccessLog>(*db);
  context->access_log = access_log.get();
  staff_certificates = std::make_unique<storage::StaffCertificates>(*db);
  context->staff_certificates = staff_certificates.get();
  router = api::build_router(*context);
}

ApiHarness::~ApiHarness() = default;

Reply ApiHarness::call(std::string method, std::string target, std::string body, std::string token,
                       std::string language) {
  api::HttpRequest request;
  request.method = std::move(method);
  request.target = std::move(target);
  request.body = std::move(body);
  request.client_address = "127.0.0.1";
  if (!token.empty()) request.headers["Authorization"] = "Bearer " + token;
  request.client_certificate = presenting;
  if (!language.empty()) request.headers["Accept-Language"] = language;
  // As the console and every JSON client send a change.
  if (request.method == "POST" || request.method == "PUT" || request.method == "PATCH")
    request.headers["Content-Type"] = "application/json";
  for (const auto& [name, value] : extra_headers) request.headers[name] = value;
  std::promise<api::HttpResponse> answered;
  router->dispatch(request, [&answered](api::HttpResponse r) { answered.set_value(std::move(r)); });
  api::HttpResponse r = answered.get_future().get();
  Reply reply{r.status, nullptr, r.content_type, r.body, r.headers, r.head_of_length};
  boost::system::error_code ec;
  reply.body = boost::json::parse(r.body, ec);
  return reply;
}

std::string ApiHarness::token(Role role, std::string name, std::string organization) {
  auto t = tokens->create_sync({std::move(name), role, std::move(organization)});
  REQUIRE(t.ok());
  return t->token;
}

void ApiHarness::put_subject(const std::string& nik, const std::string& email, const std::string& organization) {
  SubjectRecord r;
  r.name = "Budi Santoso";
  r.nik = nik;
  r.email = email;
  r.phone = "+6281234567890";
  r.organization = organization;
  REQUIRE(test::put(*vault, r).ok());
}

std::string ApiHarness::last_code(const std::string& request_id) {
  auto due = outbox->due(at("2100-01-01T00:00:00Z"), 1000);
  REQUIRE(due.ok());
  std::string code;
  for (const auto& m : *due)
    if (m.message.request_id == request_id && m.message.variables.contains("code")) code = m.message.variables.at("code");
  return code;
}

std::vector<OutgoingMessage> ApiHarness::owed_receipts() {
  auto owed = storage::FilingReceipts(*db).owed(1000);
  REQUIRE(owed.ok());
  std::vector<OutgoingMessage> out;
  for (const auto& filing : *owed) {
    auto receipt = requests->receipt(filing.request, filing.received_at, filing.details_json);
    REQUIRE(receipt.ok());
    if (*receipt) out.push_back(std::move(**receipt));
  }
  return out;
}

}  // namespace dsr::test
