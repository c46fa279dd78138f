#include "fuzzed_api.hpp"

#include <boost/json/parse.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <mutex>
#include <span>

#include "api/routes.hpp"
#include "engine/message_catalog.hpp"
#include "engine/request_service.hpp"
#include "engine/sla_policy.hpp"
#include "engine/subject_notices.hpp"
#include "engine/workflow_set.hpp"
#include "storage/access_log.hpp"
#include "storage/crypto.hpp"
#include "storage/database.hpp"
#include "storage/journal.hpp"
#include "storage/package_signer.hpp"
#include "storage/recipient_notices.hpp"
#include "storage/registries.hpp"
#include "storage/token_registry.hpp"
#include "storage/sla_report_query.hpp"
#include "storage/sqlite_store.hpp"
#include "storage/sqlite_vault.hpp"
#include "workflows/embedded_workflows.hpp"

namespace dsr::fuzz {

namespace {

[[noreturn]] void give_up(const std::string& why) {
  std::fprintf(stderr, "fuzz_http_request: cannot set up the API: %s\n", why.c_str());
  std::abort();
}

template <class T, class E>
T must(Result<T, E> r, const char* what) {
  if (!r) give_up(what);
  return std::move(r).value();
}

std::vector<SourceFile> definition_files() {
  std::vector<SourceFile> files;
  for (const auto& f : embedded_workflows()) files.push_back({std::string(f.path), std::string(f.content)});
  return files;
}

// A handler that never answers would hang the fuzzer; one that takes this
// long is as much a finding.
constexpr auto kAnswerTimeout = std::chrono::seconds(5);

}  // namespace

struct Answers {
  std::mutex mutex;
  std::condition_variable answered;
  int count = 0;  // guarded by mutex
  api::HttpResponse first;  // guarded by mutex
  std::string what;  // "GET /path", for the message
};

struct FuzzedApi::Parts {
  std::vector<SourceFile> files = definition_files();
  WorkflowSet workflows = must(load_workflow_set(files), "the embedded workflows do not load");
  SlaCatalog policies = must(load_sla_catalog(files), "the embedded policies do not load");
  MessageCatalog messages = must(load_message_catalog(files, workflows), "the embedded messages do not load");
  FakeClock clock{std::chrono::sys_seconds{std::chrono::seconds{1740968100}}};  // 2025-03-03T02:15:00Z
  std::unique_ptr<storage::Database> db;
  std::unique_ptr<storage::SqliteStore> store;
  std::unique_ptr<storage::SqliteVault> vault;
  std::unique_ptr<storage::TokenRegistry> tokens;
  std::unique_ptr<storage::VerificationCodes> codes;
  std::unique_ptr<storage::SqliteDisclosures> disclosures;
  std::unique_ptr<storage::Ed25519Signer> signer;
  std::unique_ptr<storage::AuditTrailCheck> audit;
  std::unique_ptr<storage::SqliteNotificationLedger> notifications;
  std::unique_ptr<storage::SqliteAccessLog> access_log;
  std::unique_ptr<SubjectNotices> notices;
  std::unique_ptr<RequestService> requests;
  std::unique_ptr<storage::SqliteSlaReports> reports;
  std::unique_ptr<api::ApiContext> context;
  int next_id = 0;
  int next_secret = 0;
};

FuzzedApi::FuzzedApi() : parts_(std::make_unique<Parts>()) {
  Parts& p = *parts_;
  storage::Key key{};
  key.fill(7);
  p.db = must(storage::Database::open(":memory:", key), "the in-memory database does not open");
  p.store = std::make_unique<storage::SqliteStore>(*p.db);
  p.vault = std::make_unique<storage::SqliteVault>(*p.db);
  p.tokens = std::make_unique<storage::TokenRegistry>(*p.db);
  p.codes = std::make_unique<storage::VerificationCodes>(*p.db);
  p.disclosures = std::make_unique<storage::SqliteDisclosures>(*p.db);
  p.signer = must(storage::Ed25519Signer::open(*p.db), "no signing key");
  storage::Database& db = *p.db;
  p.audit = std::make_unique<storage::AuditTrailCheck>([&db] {
    return db.read("verifying the audit log", [&db](SQLite::Database& c) { return storage::verify_audit_log(c); });
  });
  p.notifications = std::make_unique<storage::SqliteNotificationLedger>(*p.db);
  p.notices = std::make_unique<SubjectNotices>(p.messages, p.policies, *p.vault, *p.store);
  p.requests = std::make_unique<RequestService>(p.workflows, p.policies, *p.store, p.clock,
                                                [&p] { return "r" + std::to_string(++p.next_id); },
                                                RequestServiceCollaborators{p.notices.get(), p.notifications.get()});
  p.context = std::make_unique<api::ApiContext>(api::ApiContext{
      p.workflows, p.policies, *p.requests, *p.store, *p.vault, *p.tokens, *p.codes, *p.disclosures, *p.signer,
      *p.audit, *p.notices, *p.notifications, p.clock, "id-pdp",
      [&p] {
        char secret[32];
        std::snprintf(secret, sizeof secret, "fuzzsecret%014d", ++p.next_secret);
        return std::string(secret);
      },
      [] { return std::string("123456"); },
      [&p] { return "r" + std::to_string(++p.next_id); },
      [](std::string_view body) { return storage::to_hex(storage::hash({storage::as_bytes(body)})); },
      {}});
  p.reports = std::make_unique<storage::SqliteSlaReports>(*p.db, p.policies);
  p.context->reports = p.reports.get();
  p.context->token_admin = p.tokens.get();
  p.access_log = std::make_unique<storage::SqliteAccessLog>(*p.db);
  p.context->access_log = p.access_log.get();
  router_ = api::build_router(*p.context);

  for (Role role : {Role::admin, Role::system, Role::verifier, Role::reviewer, Role::supervisor, Role::auditor,
                    Role::institution}) {
    std::string name = "fuzz-" + std::string(to_string(role));
    staff_[must(p.tokens->create_sync({name, role, role == Role::institution ? "BSSN" : ""}), "no staff token").token] = role;
  }
  ours_ = plant("3171012303850007", "budi@example.go.id", "BSSN");
  theirs_ = plant("3273015506900002", "siti@kementerian.example", "Kementerian Lain");
  // Ours is verified, so that the staff routes have a request past the
  // code; theirs stays verifying, for the code routes.
  api::HttpRequest verify{"POST", "/v1/requests/" + ours_.id + "/verify", {}, R"({"code": "123456"})", "203.0.113.7"};
  verify.headers["Authorization"] = "Bearer " + ours_.tracking_token;
  if (call(verify).status != 200) give_up("the planted request does not verify");
}

FuzzedApi::~FuzzedApi() {
  router_.reset();
  parts_.reset();  // the database last of its users: it finishes every write first
}

PlantedRequest FuzzedApi::plant(const std::string& nik, const std::string& email, const std::string& organization) {
  Parts& p = *parts_;
  SubjectRecord record;
  record.name = "Subjek " + nik.substr(12);
  record.nik = nik;
  record.email = email;
  record.phone = "+6281234567890";
  record.organization = organization;
  std::promise<Result<std::string>> put;
  p.vault->put(record, [&put](Result<std::string> r) { put.set_value(std::move(r)); });
  must(put.get_future().get(), "the subject is not put on file");
  std::string body = R"({"type": "access", "subject": {"name": ")" + record.name + R"(", "nik": ")" + nik +
                     R"(", "email": ")" + email + R"("}})";
  api::HttpResponse filed = call({"POST", "/v1/requests", {}, body, "203.0.113.7"});
  if (filed.status != 201) give_up("the planted request is not filed: " + filed.body);
  auto answer = boost::json::parse(filed.body).as_object();
  return {nik, std::string(answer.at("id").as_string()), std::string(answer.at("tracking_token").as_string())};
}

api::HttpResponse FuzzedApi::call(const api::HttpRequest& request) {
  auto check_once = [](const Answers& a) {
    if (a.count > 1) {
      std::fprintf(stderr, "fuzz_http_request: %s was answered %d times\n", a.what.c_str(), a.count);
      std::abort();
    }
  };
  if (previous_) {
    std::lock_guard lock(previous_->mutex);
    check_once(*previous_);
  }
  auto answers = std::make_shared<Answers>();
  answers->what = request.method + " " + request.target;
  router_->dispatch(request, [answers](api::HttpResponse r) {
    std::lock_guard lock(answers->mutex);
    if (++answers->count == 1) answers->first = std::move(r);
    answers->answered.notify_all();
  });
  {
    std::unique_lock lock(answers->mutex);
    if (!answers->answered.wait_for(lock, kAnswerTimeout, [&] { return answers->count > 0; })) {
      std::fprintf(stderr, "fuzz_http_request: %s had no answer within 5 s\n", answers->what.c_str());
      std::abort();
    }
  }
  // Whatever the handler left queued on the writer (a second answer, say)
  // runs before this empty job completes.
  (void)parts_->db->writer().run([](storage::WriteConnection&) { return ok_status(); });
  std::lock_guard lock(answers->mutex);
  check_once(*answers);
  previous_ = answers;
  return answers->first;
}

std::string FuzzedApi::substitute(std::string input) const {
  std::vector<std::pair<std::string, std::string>> secrets;
  // Longest first, so that "@tracking" does not eat "@tracking-other".
  secrets.emplace_back("@tracking-other", theirs_.tracking_token);
  secrets.emplace_back("@tracking", ours_.tracking_token);
  secrets.emplace_back("@id-other", theirs_.id);
  secrets.emplace_back("@id", ours_.id);
  for (const auto& [token, role] : staff_) secrets.emplace_back("@" + std::string(to_string(role)), token);
  for (const auto& [placeholder, secret] : secrets) {
    for (auto at = input.find(placeholder); at != std::string::npos; at = input.find(placeholder, at + secret.size())) {
      input.replace(at, placeholder.size(), secret);
    }
  }
  return input;
}

std::int64_t FuzzedApi::database_bytes() const {
  auto bytes = parts_->db->read("measuring the database", [](SQLite::Database& c) -> Result<std::int64_t> {
    return c.execAndGet("PRAGMA page_count").getInt64() * c.execAndGet("PRAGMA page_size").getInt64();
  });
  return bytes ? *bytes : -1;
}

std::optional<Role> FuzzedApi::staff_role(const std::string& token) const {
  auto it = staff_.find(token);
  if (it == staff_.end()) return std::nullopt;
  return it->second;
}

}  // namespace dsr::fuzz
