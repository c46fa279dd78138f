// The storage contract for the rights that act beyond the record's own
// fields: the consent ledger, a consent withdrawal's entry and its notices
// to the recipients of one purpose, restrictions of processing placed,
// merged and lifted, portability transfers, duplicate requests and filings
// verified in their own commit. Each case runs against both backends,
// SQLite and PostgreSQL, as store_contract_test.cpp does.
#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <map>
#include <utility>

#include "storage/access_log.hpp"
#include "storage/consent_ledger.hpp"
#include "storage/postgres/pg_access_log.hpp"
#include "storage/policy_archive.hpp"
#include "storage/postgres/pg_policy_archive.hpp"
#include "storage/postgres/pg_consents.hpp"
#include "storage_backends.hpp"

using namespace dsr;
using namespace dsr::test;
using test::actor;
using test::budi;
using test::sari;

namespace {

// The backends have no consent ledger of their own yet: one on the same database.
storage::SqliteConsentLedger consent_ledger(SqliteBackend& b) { return storage::SqliteConsentLedger{*b.db}; }
storage::pg::PgConsentLedger consent_ledger(PostgresBackend& b) { return storage::pg::PgConsentLedger{b.pool, b.executor}; }
storage::SqliteAccessLog access_log(SqliteBackend& b) { return storage::SqliteAccessLog{*b.db}; }
storage::pg::PgAccessLog access_log(PostgresBackend& b) { return storage::pg::PgAccessLog{b.pool, b.executor}; }
template <class Backend>
using ConsentLedgerOf = decltype(consent_ledger(std::declval<Backend&>()));
storage::SqlitePolicyArchive policy_archive(SqliteBackend& b) { return storage::SqlitePolicyArchive{*b.db}; }
storage::pg::PgPolicyArchive policy_archive(PostgresBackend& b) { return storage::pg::PgPolicyArchive{b.pool, b.executor}; }

// A backend with its consent ledger, and a service that waits for the
// recipients' acknowledgements (as `dsr serve` runs it), on a clock the
// test moves.
template <class Backend>
struct Rights {
  Backend backend;
  FakeClock clock{SystemClock().now()};
  std::atomic<int> next{0};
  ConsentLedgerOf<Backend> consents = consent_ledger(backend);
  RequestService service{test::shipped_workflows(), test::shipped_policies(), backend.store, clock,
                         [this] { return "r" + std::to_string(++next); }, {nullptr, &backend.notices}};

  // A time at which every notice queued so far is due (they are queued at
  // the wall clock's now; the test's clock may be ahead of it).
  TimePoint due_by() const { return std::max(clock.now(), SystemClock().now()) + std::chrono::minutes(1); }
};

Result<std::string> record_consent(ConsentLedger& ledger, Consent consent) {
  return wait_for<Result<std::string>>([&](auto done) { ledger.record(std::move(consent), done); });
}

template <class Backend>
Recipient make_recipient(Backend& b, std::string name) {
  auto made = wait_for<Result<Recipient>>([&](auto done) {
    b.disclosures.create_recipient({"", std::move(name), "institution", "https://x.example/dsr", ""}, done);
  });
  REQUIRE(made.ok());
  return *made;
}

template <class Backend>
void disclose(Backend& b, Disclosure d) {
  REQUIRE(wait_for<Result<std::string>>([&](auto done) { b.disclosures.record(std::move(d), done); }).ok());
}

// A filing whose form carries `details_json` (the purpose, the categories,
// the controller to transfer to).
Result<Request> file(RequestService& service, std::string type, std::string subject_ref, std::string details_json) {
  Filing filing;
  filing.details_json = std::move(details_json);
  return wait_for<Result<Request>>([&](auto done) {
    service.submit({std::move(type), "id-pdp", std::move(subject_ref), {"subject", Role::subject}, filing, {}}, done);
  });
}

Result<Request> settle(RequestService& service, const std::string& id) {
  return wait_for<Result<Request>>([&](auto done) { service.settle(id, done); });
}

template <class Backend>
void acknowledge(Backend& b, const std::string& notification_id, TimePoint at) {
  REQUIRE(wait_for<Status>([&](auto done) { b.notices.acknowledge(notification_id, at, done); }).ok());
}

boost::json::object fields_of(const storage::DueNotification& n) {
  boost::system::error_code ec;
  auto parsed = boost::json::parse(n.fields_json, ec);
  REQUIRE_FALSE(ec);
  REQUIRE(parsed.is_object());
  return parsed.get_object();
}

std::vector<std::string> strings_of(const boost::json::value& v) {
  std::vector<std::string> out;
  for (const auto& s : v.as_array()) out.emplace_back(s.as_string());
  return out;
}

}  // namespace

TEMPLATE_TEST_CASE("rights contract: consents recorded through the ledger come back oldest first, with every field",
                   "[storage][contract][rights]", SqliteBackend, PostgresBackend) {
  Rights<TestType> w;
  auto& ledger = w.consents;
  TimePoint before = SystemClock().now();
  // Recorded out of order: listed by when they were given or withdrawn.
  Consent withdrawn{"s-1", "newsletter", "withdrawn", "2024-01", test::at("2025-02-01T08:00:00Z"), "portal",
                    "doc-77", "ams", ""};
  Consent given{"s-1", "newsletter", "given", "2024-01", test::at("2024-03-05T01:30:00Z"), "paper_form", "scan-12",
                "ams", ""};
  Consent other{"s-2", "newsletter", "given", "2024-01", test::at("2024-03-06T01:30:00Z"), "portal", "doc-78", "ams", ""};
  auto withdrawn_id = record_consent(ledger, withdrawn);
  auto given_id = record_consent(ledger, given);
  REQUIRE(withdrawn_id.ok());
  REQUIRE(given_id.ok());
  REQUIRE(record_consent(ledger, other).ok());
  CHECK(*withdrawn_id != *given_id);
  TimePoint after = SystemClock().now();

  auto entries = ledger.for_subject("s-1");
  REQUIRE(entries.ok());
  REQUIRE(entries->size() == 2);  // not s-2's
  const ConsentEntry& first = (*entries)[0];
  CHECK(first.id == *given_id);
  CHECK(first.consent.subject_ref == "s-1");
  CHECK(first.consent.purpose == "newsletter");
  CHECK(first.consent.status == "given");
  CHECK(first.consent.policy_version == "2024-01");
  CHECK(first.consent.at == test::at("2024-03-05T01:30:00Z"));
  CHECK(first.consent.channel == "paper_form");
  CHECK(first.consent.evidence_ref == "scan-12");
  CHECK(first.consent.recorded_by == "ams");
  CHECK(first.consent.request_id.empty());
  CHECK(first.recorded_at >= before);
  CHECK(first.recorded_at <= after);
  const ConsentEntry& second = (*entries)[1];
  CHECK(second.id == *withdrawn_id);
  CHECK(second.consent.status == "withdrawn");
  CHECK(second.consent.at == test::at("2025-02-01T08:00:00Z"));
  CHECK(second.consent.channel == "portal");
  CHECK(second.consent.evidence_ref == "doc-77");

  // A withdrawal that names no policy version takes the latest given one's.
  REQUIRE(record_consent(ledger, {"s-2", "newsletter", "given", "2025-06", test::at("2025-06-01T00:00:00Z"), "portal",
                                  "doc-79", "ams", ""}).ok());
  REQUIRE(record_consent(ledger, {"s-2", "payroll", "given", "2025-09", test::at("2025-09-01T00:00:00Z"), "portal",
                                  "doc-80", "ams", ""}).ok());
  REQUIRE(record_consent(ledger, {"s-2", "newsletter", "withdrawn", "", test::at("2025-10-01T00:00:00Z"), "portal",
                                  "doc-81", "ams", ""}).ok());
  auto s2 = ledger.for_subject("s-2");
  REQUIRE(s2.ok());
  REQUIRE(s2->size() == 4);
  CHECK(s2->back().consent.status == "withdrawn");
  CHECK(s2->back().consent.policy_version == "2025-06");
  CHECK(ledger.for_subject("s-none")->empty());
}

TEMPLATE_TEST_CASE("rights contract: a consent withdrawal writes its entry and tells only the recipients of its purpose",
                   "[storage][contract][rights]", SqliteBackend, PostgresBackend) {
  Rights<TestType> w;
  auto& b = w.backend;
  auto ref = test::put(b.vault, budi());
  REQUIRE(ref.ok());
  // Given twice for the purpose (the later version counts), once for another.
  REQUIRE(record_consent(w.consents, {*ref, "newsletter", "given", "2023-07", test::at("2023-07-01T00:00:00Z"), "portal",
                                      "doc-1", "ams", ""}).ok());
  REQUIRE(record_consent(w.consents, {*ref, "newsletter", "given", "2024-01", test::at("2024-01-10T00:00:00Z"), "portal",
                                      "doc-2", "ams", ""}).ok());
  REQUIRE(record_consent(w.consents, {*ref, "payroll", "given", "2025-09", test::at("2025-09-01T00:00:00Z"), "portal",
                                      "doc-3", "ams", ""}).ok());
  Recipient mailer = make_recipient(b, "Mailer Co");
  Recipient payroll = make_recipient(b, "Payroll Bureau");
  disclose(b, {*ref, mailer.id, {"email"}, "consent", test::at("2024-02-01T00:00:00Z"), "ams", "newsletter"});
  disclose(b, {*ref, payroll.id, {"name", "nip"}, "consent", test::at("2025-09-02T00:00:00Z"), "ams", "payroll"});

  REQUIRE(file(w.service, "consent_withdrawal", *ref, R"({"purpose":"newsletter"})").ok());
  REQUIRE(test::fire(w.service, "r1", "verify", actor(Role::subject, "subject"), 1).ok());
  w.clock.advance(std::chrono::hours(1));
  auto fulfilled = test::fire(w.service, "r1", "fulfil", actor(Role::reviewer, "rita"), 2);
  REQUIRE(fulfilled.ok());
  CHECK(fulfilled->state == "notifying_recipients");  // waits for the mailer's acknowledgement
  auto loaded = b.store.load("r1");
  REQUIRE(loaded.ok());
  CHECK(loaded->state == "notifying_recipients");
  CHECK(loaded->version == 3);

  auto entries = w.consents.for_subject(*ref);
  REQUIRE(entries.ok());
  REQUIRE(entries->size() == 4);
  const Consent& withdrawal = entries->back().consent;
  CHECK(withdrawal.subject_ref == *ref);
  CHECK(withdrawal.purpose == "newsletter");
  CHECK(withdrawal.status == "withdrawn");
  CHECK(withdrawal.policy_version == "2024-01");
  CHECK(withdrawal.at == loaded->events.back().at);
  CHECK(withdrawal.channel == "request");
  CHECK(withdrawal.evidence_ref == "r1");
  CHECK(withdrawal.recorded_by == "rita");
  CHECK(withdrawal.request_id == "r1");

  auto listed = b.notices.for_request("r1");
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 1);
  CHECK(listed->front().recipient_id == mailer.id);
  auto due = b.notices.due(w.due_by(), 10);
  REQUIRE(due.ok());
  REQUIRE(due->size() == 1);
  CHECK(due->front().notification.recipient_id == mailer.id);
  CHECK(due->front().nik == budi().nik);
  CHECK(due->front().request_type == "consent_withdrawal");
  auto fields = fields_of(due->front());
  REQUIRE(fields.contains("purpose"));
  CHECK(fields.at("purpose").as_string() == "newsletter");
  CHECK_FALSE(fields.contains("export"));
}

TEMPLATE_TEST_CASE("rights contract: a restriction is placed, merged with one in force, and lifted, every recipient told",
                   "[storage][contract][rights]", SqliteBackend, PostgresBackend) {
  Rights<TestType> w;
  auto& b = w.backend;
  auto ref = test::put(b.vault, budi());
  REQUIRE(ref.ok());
  Recipient sdm = make_recipient(b, "Biro SDM");
  Recipient bank = make_recipient(b, "Bank Gaji");
  disclose(b, {*ref, sdm.id, {"email"}, "employment", test::at("2024-02-01T00:00:00Z"), "ams", ""});
  disclose(b, {*ref, bank.id, {"name"}, "salary", test::at("2024-03-01T00:00:00Z"), "ams", "payroll"});
  CHECK_FALSE(b.vault.restriction(*ref).value().has_value());
  // Every notice of `request` due now, each acknowledged once read.
  auto read_notices = [&](const std::string& request) {
    auto due = b.notices.due(w.due_by(), 10);
    REQUIRE(due.ok());
    std::vector<storage::DueNotification> out;
    for (auto& n : *due)
      if (n.notification.request_id == request) out.push_back(n);
    for (const auto& n : out) acknowledge(b, n.notification.id, w.clock.now());
    std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) {
      return x.notification.recipient_id < y.notification.recipient_id;
    });
    return out;
  };
  std::vector<std::string> everyone{sdm.id, bank.id};
  std::sort(everyone.begin(), everyone.end());

  REQUIRE(file(w.service, "restriction", *ref, R"({"categories":["email","phone"],"grounds":"accuracy contested"})").ok());
  REQUIRE(test::fire(w.service, "r1", "verify", actor(Role::subject, "subject"), 1).ok());
  w.clock.advance(std::chrono::hours(1));
  const TimePoint placed_at = w.clock.now();
  auto restricted = test::fire(w.service, "r1", "restrict", actor(Role::reviewer, "rita"), 2);
  REQUIRE(restricted.ok());
  CHECK(restricted->state == "notifying_recipients");
  auto in_force = b.vault.restriction(*ref);
  REQUIRE(in_force.ok());
  REQUIRE(in_force->has_value());
  CHECK((*in_force)->since == placed_at);
  CHECK((*in_force)->categories == std::vector<std::string>{"email", "phone"});
  CHECK((*in_force)->request_id == "r1");
  CHECK(b.notices.for_request("r1")->size() == 2);
  auto told = read_notices("r1");
  REQUIRE(told.size() == 2);
  for (std::size_t i = 0; i < told.size(); ++i) {
    INFO("recipient " << told[i].notification.recipient_id);
    CHECK(told[i].notification.recipient_id == everyone[i]);
    CHECK(told[i].nik == budi().nik);
    auto fields = fields_of(told[i]);
    REQUIRE(fields.contains("restriction"));
    const auto& r = fields.at("restriction").as_object();
    CHECK(r.at("status").as_string() == "restricted");
    CHECK(r.at("since").as_string() == format_rfc3339(placed_at));
    CHECK(strings_of(r.at("categories")) == std::vector<std::string>{"email", "phone"});
  }
  // Every recipient acknowledged: the request completes.
  auto completed = settle(w.service, "r1");
  REQUIRE(completed.ok());
  CHECK(completed->state == "completed");

  // A second restriction covers both sets of categories, from the first's time.
  REQUIRE(file(w.service, "restriction", *ref, R"({"categories":["name","phone"],"grounds":"objection pending"})").ok());
  REQUIRE(test::fire(w.service, "r2", "verify", actor(Role::subject, "subject"), 1).ok());
  w.clock.advance(std::chrono::hours(1));
  REQUIRE(test::fire(w.service, "r2", "restrict", actor(Role::reviewer, "rita"), 2).ok());
  auto merged = b.vault.restriction(*ref);
  REQUIRE(merged.ok());
  REQUIRE(merged->has_value());
  CHECK((*merged)->since == placed_at);
  CHECK((*merged)->categories == std::vector<std::string>{"email", "name", "phone"});
  CHECK((*merged)->request_id == "r1");  // named by the earliest
  CHECK(read_notices("r2").size() == 2);

  // Lifting comes after the subject is told it will be, with a reason
  // (GDPR Art. 18(3)); the announcement alone leaves the restriction standing.
  auto unannounced = test::fire(w.service, "r1", "lift_restriction", actor(Role::supervisor, "sam"), 4);
  REQUIRE_FALSE(unannounced.ok());
  CHECK(unannounced.error().kind == "earlier_step_missing");
  auto unreasoned = test::fire(w.service, "r1", "announce_lift", actor(Role::supervisor, "sam"), 4);
  REQUIRE_FALSE(unreasoned.ok());
  REQUIRE(test::fire(w.service, "r1", "announce_lift", actor(Role::supervisor, "sam"), 4, "the accuracy was confirmed").ok());
  CHECK(b.vault.restriction(*ref).value().has_value());
  w.clock.advance(std::chrono::hours(1));
  auto lifted = test::fire(w.service, "r1", "lift_restriction", actor(Role::supervisor, "sam"), 5);
  REQUIRE(lifted.ok());
  CHECK(lifted->state == "completed");
  CHECK(b.store.load("r1")->version == 6);
  // Only r1's restriction is lifted: r2's stands, and the notices say so.
  auto standing = b.vault.restriction(*ref);
  REQUIRE(standing.ok());
  REQUIRE(standing->has_value());
  CHECK((*standing)->categories == std::vector<std::string>{"name", "phone"});
  CHECK((*standing)->request_id == "r2");
  CHECK(b.notices.for_request("r1")->size() == 4);  // two when placed, two when lifted
  auto lift_notices = read_notices("r1");
  REQUIRE(lift_notices.size() == 2);
  for (std::size_t i = 0; i < lift_notices.size(); ++i) {
    CHECK(lift_notices[i].notification.recipient_id == everyone[i]);
    auto fields = fields_of(lift_notices[i]);
    REQUIRE(fields.contains("restriction"));
    CHECK(fields.at("restriction").at("status").as_string() == "lifted");
    CHECK(fields.at("restriction").at("at").as_string() == format_rfc3339(w.clock.now()));
    CHECK(strings_of(fields.at("restriction").at("still_restricted").at("categories")) ==
          std::vector<std::string>{"name", "phone"});
  }
  // Lifting r2's too leaves nothing standing.
  REQUIRE(settle(w.service, "r2").ok());
  REQUIRE(test::fire(w.service, "r2", "announce_lift", actor(Role::supervisor, "sam"), 4, "resolved").ok());
  REQUIRE(test::fire(w.service, "r2", "lift_restriction", actor(Role::supervisor, "sam"), 5).ok());
  auto gone = b.vault.restriction(*ref);
  REQUIRE(gone.ok());
  CHECK_FALSE(gone->has_value());
  auto last = read_notices("r2");
  REQUIRE_FALSE(last.empty());
  CHECK(fields_of(last.back()).at("restriction").at("still_restricted").is_null());
}

TEMPLATE_TEST_CASE("rights contract: a consent withdrawal, restriction or transfer for a subject not on file is refused",
                   "[storage][contract][rights]", SqliteBackend, PostgresBackend) {
  Rights<TestType> w;
  auto& b = w.backend;
  Recipient other = make_recipient(b, "Another Controller");
  // s-test was never put in the vault.
  REQUIRE(record_consent(w.consents, {"s-test", "newsletter", "given", "2024-01", test::at("2024-01-10T00:00:00Z"),
                                      "portal", "doc-1", "ams", ""}).ok());
  disclose(b, {"s-test", other.id, {"email"}, "consent", test::at("2024-02-01T00:00:00Z"), "ams", "newsletter"});
  struct Case {
    std::string type, details, event;
  };
  for (const Case& c : {Case{"consent_withdrawal", R"({"purpose":"newsletter"})", "fulfil"},
                        Case{"restriction", R"({"categories":["email"]})", "restrict"},
                        Case{"portability", R"({"format":"json","transfer_to":")" + other.id + R"("})", "fulfil"}}) {
    INFO(c.type);
    auto filed = file(w.service, c.type, "s-test", c.details);
    REQUIRE(filed.ok());
    REQUIRE(test::fire(w.service, filed->id, "verify", actor(Role::subject, "subject"), 1).ok());
    auto refused = test::fire(w.service, filed->id, c.event, actor(Role::reviewer, "rita"), 2);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code == ErrorCode::conflict);
    CHECK(refused.error().kind == "no_record");
    auto loaded = b.store.load(filed->id);
    REQUIRE(loaded.ok());
    CHECK(loaded->version == 2);
    CHECK(loaded->state == "in_review");
    CHECK(b.notices.for_request(filed->id)->empty());
  }
  CHECK(w.consents.for_subject("s-test")->size() == 1);  // only the one given
  CHECK_FALSE(b.vault.restriction("s-test").value().has_value());
  CHECK(b.disclosures.for_subject("s-test")->size() == 1);  // no transfer recorded
  CHECK(b.notices.due(w.due_by(), 10)->empty());
}

TEMPLATE_TEST_CASE("rights contract: a portability transfer is recorded as a disclosure and sent to that controller only",
                   "[storage][contract][rights]", SqliteBackend, PostgresBackend) {
  Rights<TestType> w;
  auto& b = w.backend;
  auto ref = test::put(b.vault, budi());
  REQUIRE(ref.ok());
  Recipient sdm = make_recipient(b, "Biro SDM");
  Recipient next_employer = make_recipient(b, "Kementerian Baru");
  disclose(b, {*ref, sdm.id, {"email"}, "employment", test::at("2024-02-01T00:00:00Z"), "ams", ""});

  REQUIRE(file(w.service, "portability", *ref, R"({"format":"json","transfer_to":")" + next_employer.id + R"("})").ok());
  REQUIRE(test::fire(w.service, "r1", "verify", actor(Role::subject, "subject"), 1).ok());
  w.clock.advance(std::chrono::hours(1));
  auto fulfilled = test::fire(w.service, "r1", "fulfil", actor(Role::reviewer, "rita"), 2);
  REQUIRE(fulfilled.ok());
  CHECK(fulfilled->state == "notifying_recipients");  // until the new controller acknowledges

  auto disclosures = b.disclosures.for_subject(*ref);
  REQUIRE(disclosures.ok());
  REQUIRE(disclosures->size() == 2);
  const DisclosureEntry& transfer = disclosures->back();
  CHECK(transfer.disclosure.recipient_id == next_employer.id);
  CHECK(transfer.recipient_name == "Kementerian Baru");
  CHECK(transfer.disclosure.disclosed_at == w.clock.now());
  CHECK(transfer.disclosure.recorded_by == "rita");
  CHECK(transfer.disclosure.legal_basis.find("r1") != std::string::npos);
  const auto& categories = transfer.disclosure.categories;
  CHECK(std::find(categories.begin(), categories.end(), "name") != categories.end());
  CHECK(std::find(categories.begin(), categories.end(), "nik") != categories.end());

  auto listed = b.notices.for_request("r1");
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 1);
  CHECK(listed->front().recipient_id == next_employer.id);
  auto due = b.notices.due(w.due_by(), 10);
  REQUIRE(due.ok());
  REQUIRE(due->size() == 1);
  CHECK(due->front().notification.recipient_id == next_employer.id);
  CHECK(due->front().request_type == "portability");
  auto fields = fields_of(due->front());
  REQUIRE(fields.contains("export"));
  const auto& exported = fields.at("export").as_object();
  CHECK(exported.at("request_id").as_string() == "r1");
  CHECK(exported.at("subject").at("name").as_string() == budi().name);
  CHECK(exported.at("subject").at("nik").as_string() == budi().nik);
  CHECK(exported.at("subject").at("email").as_string() == budi().email);
  CHECK(exported.at("subject").at("categories").at("certificate_serial").as_string() == "4F00A1");

  // Acknowledged by the new controller: the request completes.
  acknowledge(b, due->front().notification.id, w.clock.now());
  auto completed = settle(w.service, "r1");
  REQUIRE(completed.ok());
  CHECK(completed->state == "completed");
}

TEMPLATE_TEST_CASE("rights contract: a portability export without a transfer tells no recipient and completes",
                   "[storage][contract][rights]", SqliteBackend, PostgresBackend) {
  Rights<TestType> w;
  auto& b = w.backend;
  auto ref = test::put(b.vault, sari());
  REQUIRE(ref.ok());
  Recipient sdm = make_recipient(b, "Biro SDM");
  disclose(b, {*ref, sdm.id, {"email"}, "employment", test::at("2024-02-01T00:00:00Z"), "ams", ""});

  REQUIRE(file(w.service, "portability", *ref, R"({"format":"json"})").ok());
  REQUIRE(test::fire(w.service, "r1", "verify", actor(Role::subject, "subject"), 1).ok());
  auto fulfilled = test::fire(w.service, "r1", "fulfil", actor(Role::reviewer, "rita"), 2);
  REQUIRE(fulfilled.ok());
  CHECK(fulfilled->state == "completed");
  CHECK(b.notices.for_request("r1")->empty());
  CHECK(b.notices.due(w.due_by(), 10)->empty());
  CHECK(b.disclosures.for_subject(*ref)->size() == 1);  // no transfer recorded
}

TEMPLATE_TEST_CASE("rights contract: a second open request of the same type for a subject on file names the first",
                   "[storage][contract][rights][duplicates]", SqliteBackend, PostgresBackend) {
  Rights<TestType> w;
  auto& b = w.backend;
  auto ref = test::put(b.vault, budi());
  REQUIRE(ref.ok());
  auto submit = [&](std::string type, std::string subject) {
    auto r = wait_for<Result<Request>>([&](auto done) {
      w.service.submit({std::move(type), "id-pdp", std::move(subject), {"subject", Role::subject}, std::nullopt, {}}, done);
    });
    REQUIRE(r.ok());
    w.clock.advance(std::chrono::seconds(1));
    return *r;
  };
  CHECK(b.store.open_request_of(*ref, "access").value() == std::nullopt);
  CHECK_FALSE(submit("access", *ref).duplicate_of.has_value());  // r1
  CHECK(submit("access", *ref).duplicate_of == "r1");            // r2
  CHECK_FALSE(submit("erasure", *ref).duplicate_of.has_value()); // r3: another type
  CHECK(submit("access", *ref).duplicate_of == "r1");            // r4: still the oldest open one
  CHECK_FALSE(submit("access", "u-walk-in").duplicate_of.has_value());  // r5: not on file
  CHECK_FALSE(submit("access", "u-walk-in").duplicate_of.has_value());  // r6
  CHECK_FALSE(submit("access", *test::put(b.vault, sari())).duplicate_of.has_value());  // r7: another subject

  auto loaded = b.store.load("r2");
  REQUIRE(loaded.ok());
  CHECK(loaded->duplicate_of == "r1");
  CHECK(loaded->events.front().data.at("duplicate_of") == "r1");
  CHECK_FALSE(b.store.load("r1")->duplicate_of.has_value());
  CHECK_FALSE(b.store.load("r3")->duplicate_of.has_value());
  CHECK_FALSE(b.store.load("r6")->duplicate_of.has_value());
  RequestQuery q;
  q.now = w.clock.now();
  auto listed = b.store.list(q);
  REQUIRE(listed.ok());
  std::map<std::string, std::optional<std::string>> duplicates;
  for (const auto& s : listed->items) duplicates[s.id] = s.duplicate_of;
  REQUIRE(duplicates.size() == 7);
  CHECK(duplicates["r1"] == std::nullopt);
  CHECK(duplicates["r2"] == "r1");
  CHECK(duplicates["r3"] == std::nullopt);
  CHECK(duplicates["r4"] == "r1");
  CHECK(duplicates["r5"] == std::nullopt);
  CHECK(duplicates["r6"] == std::nullopt);

  CHECK(b.store.open_request_of(*ref, "access").value() == "r1");
  CHECK(b.store.open_request_of(*ref, "erasure").value() == "r3");
  CHECK(b.store.open_request_of(*ref, "rectification").value() == std::nullopt);
  // Closed requests are no longer duplicated: the oldest open one is.
  REQUIRE(test::fire(w.service, "r1", "withdraw", actor(Role::subject, "subject"), 1).ok());
  CHECK(b.store.open_request_of(*ref, "access").value() == "r2");
  REQUIRE(test::fire(w.service, "r2", "withdraw", actor(Role::subject, "subject"), 1).ok());
  REQUIRE(test::fire(w.service, "r4", "withdraw", actor(Role::subject, "subject"), 1).ok());
  CHECK(b.store.open_request_of(*ref, "access").value() == std::nullopt);
  auto fresh = submit("access", *ref);  // r8
  CHECK_FALSE(fresh.duplicate_of.has_value());
  CHECK_FALSE(b.store.load("r8")->duplicate_of.has_value());
  CHECK(b.store.open_request_of(*ref, "access").value() == "r8");
}

TEMPLATE_TEST_CASE("rights contract: erasing a subject removes its consents and its restriction",
                   "[storage][contract][rights][erasure]", SqliteBackend, PostgresBackend) {
  Rights<TestType> w;
  auto& b = w.backend;
  auto ref = test::put(b.vault, budi());
  auto kept = test::put(b.vault, sari());
  REQUIRE((ref.ok() && kept.ok()));
  for (const auto& subject : {*ref, *kept}) {
    REQUIRE(record_consent(w.consents, {subject, "newsletter", "given", "2024-01", test::at("2024-01-10T00:00:00Z"),
                                        "portal", "doc-1", "ams", ""}).ok());
    auto filed = file(w.service, "restriction", subject, R"({"categories":["email"]})");
    REQUIRE(filed.ok());
    REQUIRE(test::fire(w.service, filed->id, "verify", actor(Role::subject, "subject"), 1).ok());
    REQUIRE(test::fire(w.service, filed->id, "restrict", actor(Role::reviewer, "rita"), 2).ok());
    REQUIRE(b.vault.restriction(subject).value().has_value());
    REQUIRE(w.consents.for_subject(subject)->size() == 1);
  }
  SECTION("through the vault") { REQUIRE(test::erase(b.vault, *ref).ok()); }
  SECTION("through an erasure request's fulfilment") {
    auto filed = file(w.service, "erasure", *ref, "{}");
    REQUIRE(filed.ok());
    Fulfilment erase;
    erase.erase_subject = true;
    REQUIRE(commit(b.store, next_change(*b.store.load(filed->id), erase)).ok());
  }
  CHECK(b.vault.get(*ref).error().code == ErrorCode::not_found);
  CHECK(w.consents.for_subject(*ref)->empty());
  CHECK_FALSE(b.vault.restriction(*ref).value().has_value());
  CHECK(w.consents.for_subject(*kept)->size() == 1);  // another subject's stay
  CHECK(b.vault.restriction(*kept).value().has_value());
}

TEMPLATE_TEST_CASE("rights contract: a filing verified by the verifier who took it stores both events in one commit",
                   "[storage][contract][rights][filing]", SqliteBackend, PostgresBackend) {
  Rights<TestType> w;
  auto& b = w.backend;
  auto ref = test::put(b.vault, budi());
  REQUIRE(ref.ok());
  const Actor vera = actor(Role::verifier, "vera");
  auto file_verified = [&](Command check) {
    Submission s{"access", "id-pdp", *ref, vera, std::nullopt, {}};
    s.verified_by = std::move(check);
    return wait_for<Result<Request>>([&](auto done) { w.service.submit(s, done); });
  };
  auto filed = file_verified(Command{"verify_manually", vera, "KTP checked at the front desk", 0, {},
                                     {{"channel", "in_person"}}});
  REQUIRE(filed.ok());
  CHECK(filed->state == "in_review");
  auto loaded = b.store.load("r1");
  REQUIRE(loaded.ok());
  CHECK(loaded->state == "in_review");
  CHECK(loaded->version == 2);
  REQUIRE(loaded->events.size() == 2);
  CHECK(loaded->events[0].name == "submit");
  CHECK(loaded->events[0].actor == vera);
  CHECK(loaded->events[1].name == "verify_manually");
  CHECK(loaded->events[1].actor == vera);
  CHECK(loaded->events[1].sequence == 2);
  CHECK(loaded->events[1].reason == "KTP checked at the front desk");
  CHECK(loaded->events[1].data.at("channel") == "in_person");
  CHECK(loaded->events[1].at == loaded->events[0].at);

  // A check the workflow refuses files nothing at all.
  auto refused = file_verified(Command{"verify", vera, "", 0, {}, {}});
  REQUIRE_FALSE(refused.ok());
  CHECK(b.store.load("r2").error().code == ErrorCode::not_found);

  b.sequence();
  auto v = b.verify();
  CHECK(v.ok);
  CHECK(v.events == 2);
}

TEMPLATE_TEST_CASE("rights contract: the policy's versions are kept, ordered, never replaced, and one is in force",
                   "[storage][contract][rights][policy]", SqliteBackend, PostgresBackend) {
  TestType b;
  auto archive = policy_archive(b);
  auto publish = [&](PolicyVersion v) { return wait_for<Status>([&](auto done) { archive.publish(v, done); }); };
  TimePoint now = SystemClock().now();
  const PolicyVersion v2_en{"2025-07", test::at("2025-07-01T00:00:00Z"), "en", "Privacy policy, July 2025", "ops", now};
  const PolicyVersion v1_id{"2024-01", test::at("2024-01-01T00:00:00Z"), "id", "Kebijakan privasi, Januari 2024", "ops", now};
  const PolicyVersion v2_id{"2025-07", test::at("2025-07-01T00:00:00Z"), "id", "Kebijakan privasi, Juli 2025", "ops", now};
  for (const auto& v : {v2_en, v1_id, v2_id}) REQUIRE(publish(v).ok());

  PolicyVersion changed = v1_id;
  changed.text = "a quiet rewrite";
  auto refused = publish(changed);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == ErrorCode::conflict);

  // One instant per version, one version per instant, kept by the archive
  // itself (two admins publishing at once cannot both get theirs in).
  PolicyVersion elsewhen = v2_en;
  elsewhen.language = "de";
  elsewhen.effective_at = test::at("2025-08-01T00:00:00Z");
  auto moved = publish(elsewhen);
  REQUIRE_FALSE(moved.ok());
  CHECK(moved.error().code == ErrorCode::invalid_argument);
  PolicyVersion same_instant{"2025-07b", v2_en.effective_at, "id", "another text", "ops", now};
  auto clashing = publish(same_instant);
  REQUIRE_FALSE(clashing.ok());
  CHECK(clashing.error().message.find("2025-07 already takes effect") != std::string::npos);

  auto versions = archive.versions();
  REQUIRE(versions.ok());
  REQUIRE(versions->size() == 3);
  CHECK((*versions)[0].version == "2024-01");
  CHECK((*versions)[0].text == "Kebijakan privasi, Januari 2024");  // the first text stands
  CHECK((*versions)[1].language == "en");  // by effective date, then version, then language
  CHECK((*versions)[2].language == "id");
  CHECK((*versions)[2].published_by == "ops");
  CHECK(std::chrono::abs((*versions)[2].published_at - now) <= std::chrono::seconds(1));

  CHECK_FALSE(policy_in_force(*versions, test::at("2023-12-31T23:59:59Z"), "id").has_value());
  CHECK(policy_in_force(*versions, test::at("2025-06-30T00:00:00Z"), "en")->version == "2024-01");  // only in id
  CHECK(policy_in_force(*versions, test::at("2025-06-30T00:00:00Z"), "en")->language == "id");
  CHECK(policy_in_force(*versions, test::at("2025-07-01T00:00:00Z"), "en")->text == "Privacy policy, July 2025");
  CHECK(policy_in_force(*versions, test::at("2026-01-01T00:00:00Z"), "id")->text == "Kebijakan privasi, Juli 2025");
}

TEMPLATE_TEST_CASE("breach contract: an organisation's subjects are found, and a request's messages to many subjects are listed",
                   "[storage][contract][breach]", SqliteBackend, PostgresBackend) {
  Rights<TestType> w;
  auto& b = w.backend;
  SubjectRecord one = budi(), two = budi(), other = budi();
  two.nik = "3171010101900002";
  two.email = "dua@example.go.id";
  other.nik = "3171010101900003";
  other.organization = "Kementerian Lain";
  auto ref_one = test::put(b.vault, one), ref_two = test::put(b.vault, two), ref_other = test::put(b.vault, other);
  REQUIRE((ref_one.ok() && ref_two.ok() && ref_other.ok()));
  auto found = b.vault.find_by_organization(one.organization);
  REQUIRE(found.ok());
  std::vector<std::string> expected{*ref_one, *ref_two};
  std::sort(expected.begin(), expected.end());
  CHECK(*found == expected);  // in reference order, the other organisation's left out
  CHECK(b.vault.find_by_organization("Nobody")->empty());

  // One change, messages to two subjects who are not the request's own:
  // each row is theirs, listed with its delivery state.
  REQUIRE(file(w.service, "access", "b-elsewhere", "{}").ok());
  RequestChange c = next_change(*b.store.load("r1"), {});
  for (const auto& ref : expected)
    c.messages.push_back(OutgoingMessage{"x@example.go.id", "email", "breach_notice", "id", "r1", "notice", {}, "", ref});
  REQUIRE(test::commit(b.store, std::move(c)).ok());
  auto listed = b.outbox.notices_of("r1");
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 2);
  std::vector<std::string> whose{(*listed)[0].subject_ref, (*listed)[1].subject_ref};
  std::sort(whose.begin(), whose.end());
  CHECK(whose == expected);
  CHECK((*listed)[0].status == "pending");
  CHECK_FALSE((*listed)[0].delivered_at.has_value());
  CHECK(b.outbox.notices_of("b-none")->empty());
}

TEMPLATE_TEST_CASE("authority contract: a release writes a disclosure and a notice per subject, the subjects' notices held "
                   "until a prohibition ends",
                   "[storage][contract][authority]", SqliteBackend, PostgresBackend) {
  Rights<TestType> w;
  auto& b = w.backend;
  SubjectRecord one = budi(), two = budi();
  two.nik = "3171010101900002";
  two.email = "dua@example.go.id";
  auto ref_one = test::put(b.vault, one), ref_two = test::put(b.vault, two);
  REQUIRE((ref_one.ok() && ref_two.ok()));
  auto police = wait_for<Result<Recipient>>([&](auto done) {
    b.disclosures.create_recipient({"", "Bareskrim Polri", "law_enforcement", "", ""}, done);
  });
  REQUIRE(police.ok());

  // The approval's change: one release per subject (neither the request's
  // own subject), and one notice to each, held until the prohibition ends.
  auto filed = wait_for<Result<Request>>([&](auto done) {
    w.service.submit({"authority_request", "id-pdp", "a-elsewhere", {"ams", Role::system}, Filing{}, {}}, done);
  });
  REQUIRE(filed.ok());
  TimePoint released_at = test::at("2026-12-01T03:00:00Z");
  TimePoint until = std::chrono::floor<std::chrono::seconds>(SystemClock().now()) + std::chrono::days(30);
  RequestChange c = next_change(*b.store.load("r1"), {});
  for (const auto& [ref, nik] : {std::pair{*ref_one, one.nik}, std::pair{*ref_two, two.nik}}) {
    c.fulfilment.releases.push_back(
        {nik, R"({"release":{"categories":["name"],"subject":{"name":"N"}},"document_ref":"12/Pen.Pid/2026"})",
         Disclosure{ref, police->id, {"name"}, "KUHAP Pasal 43 (12/Pen.Pid/2026)", released_at, "sari", "", until}});
    OutgoingMessage notice{"x@example.go.id", "email", "authority_disclosure", "id", "r1", "told", {}, "", ref};
    notice.not_before = until;
    c.messages.push_back(std::move(notice));
  }
  REQUIRE(test::commit(b.store, std::move(c)).ok());

  // The ledger: one entry for each subject, withheld until the end.
  for (const auto& ref : {*ref_one, *ref_two}) {
    auto ledger = b.disclosures.for_subject(ref);
    REQUIRE(ledger.ok());
    REQUIRE(ledger->size() == 1);
    CHECK(ledger->front().disclosure.recipient_id == police->id);
    CHECK(ledger->front().recipient_kind == "law_enforcement");
    CHECK(ledger->front().disclosure.categories == std::vector<std::string>{"name"});
    CHECK(ledger->front().disclosure.disclosed_at == released_at);
    CHECK(ledger->front().disclosure.withheld_until == std::optional<TimePoint>(until));
  }
  // An entry recorded without a prohibition is never withheld.
  disclose(b, {*ref_one, police->id, {"email"}, "court order", released_at, "ams", ""});
  auto both = b.disclosures.for_subject(*ref_one);
  REQUIRE(both.ok());
  REQUIRE(both->size() == 2);
  for (const auto& e : *both)
    CHECK(e.disclosure.withheld_until.has_value() == (e.disclosure.legal_basis != "court order"));

  // The authority's notices: one per subject, its NIK and the data sealed.
  auto sent = b.notices.for_request("r1");
  REQUIRE(sent.ok());
  REQUIRE(sent->size() == 2);
  auto contents = b.notices.contents("r1");
  REQUIRE(contents.ok());
  REQUIRE(contents->size() == 2);
  std::vector<std::string> niks{(*contents)[0].nik, (*contents)[1].nik};
  std::sort(niks.begin(), niks.end());
  CHECK(niks == std::vector<std::string>{two.nik, one.nik});
  CHECK((*contents)[0].recipient_id == police->id);
  auto fields = boost::json::parse((*contents)[0].fields_json);
  CHECK(fields.at("release").at("subject").at("name").as_string() == "N");
  CHECK(fields.at("document_ref").as_string() == "12/Pen.Pid/2026");
  CHECK(b.notices.contents("r-none")->empty());

  // The subjects' notices wait in the outbox: not due before the end, due after.
  auto held = b.outbox.notices_of("r1");
  REQUIRE(held.ok());
  REQUIRE(held->size() == 2);
  for (const auto& n : *held) CHECK(n.next_attempt_at == std::optional<TimePoint>(until));
  auto before = b.outbox.due(until - std::chrono::seconds(1), 10);
  REQUIRE(before.ok());
  CHECK(std::none_of(before->begin(), before->end(), [](const auto& p) { return p.message.request_id == "r1"; }));
  auto after = b.outbox.due(until, 10);
  REQUIRE(after.ok());
  CHECK(std::count_if(after->begin(), after->end(), [](const auto& p) { return p.message.request_id == "r1"; }) == 2);
  // Owed from the end of the prohibition: the whole delivery horizon of
  // retries is still ahead when it becomes due.
  for (const auto& p : *after)
    if (p.message.request_id == "r1") CHECK(p.created_at == until);

  // Erasing a subject empties the data released of them: an undelivered
  // release fails, saying why, and the hand-over document leaves it out.
  auto erased = test::erase(b.vault, *ref_one);
  if (!erased.ok()) FAIL(erased.error().message);
  REQUIRE(erased.ok());
  auto left = b.notices.contents("r1");
  REQUIRE(left.ok());
  REQUIRE(left->size() == 1);
  CHECK(left->front().nik == two.nik);
  auto states = b.notices.for_request("r1");
  REQUIRE(states.ok());
  CHECK(std::count_if(states->begin(), states->end(), [](const RecipientNotification& n) {
          return n.status == NotificationStatus::failed && n.last_error.find("erased") != std::string::npos;
        }) == 1);

  // A release composed before an erasure committed after it: refused, nothing written.
  REQUIRE(file(w.service, "access", "a-later", "{}").ok());
  RequestChange late = next_change(*b.store.load("r2"), {});
  late.fulfilment.releases.push_back({one.nik, "{}", Disclosure{*ref_one, police->id, {"name"}, "late", released_at, "sari", "", {}}});
  auto refused = test::commit(b.store, std::move(late));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == ErrorCode::conflict);
  CHECK(b.notices.for_request("r2")->empty());
  CHECK(b.store.load("r2")->version == 1);
}

TEMPLATE_TEST_CASE("rights contract: staff reads are entries of the audit log, listed per subject newest first, kept "
                   "through an erasure",
                   "[storage][contract][access-log]", SqliteBackend, PostgresBackend) {
  Rights<TestType> w;
  auto log = access_log(w.backend);
  auto ref = test::put(w.backend.vault, budi());
  REQUIRE(ref.ok());
  auto filed = file(w.service, "access", *ref, "{}");
  REQUIRE(filed.ok());
  auto record = [&](std::vector<AccessEntry> entries) {
    return wait_for<Status>([&](auto done) { log.record(std::move(entries), done); });
  };
  AccessEntry read_request{"rita", Role::reviewer, *ref, filed->id, {"name", "nik", "email"}, "GET /v1/requests/{id}",
                           test::at("2025-03-03T02:15:00Z")};
  AccessEntry read_record{"ams", Role::system, *ref, "", {"name", "nik"}, "GET /v1/subjects/{nik}",
                          test::at("2025-03-03T02:16:00Z")};
  AccessEntry someone_else{"rita", Role::reviewer, "s-someone-else", "", {"name"}, "GET /v1/subjects/{nik}",
                           test::at("2025-03-03T02:17:00Z")};
  AccessEntry read_log{"audra", Role::auditor, *ref, "", {"access_log"}, "GET /v1/subjects/{nik}/access-log",
                       test::at("2025-03-03T02:18:00Z")};
  REQUIRE(record({read_request}).ok());
  REQUIRE(record({read_record, someone_else}).ok());  // one write, two subjects
  REQUIRE(record({read_log}).ok());
  REQUIRE(record({}).ok());  // nothing read: nothing written

  // Newest first, a page at a time, every field as recorded.
  auto first = log.for_subject(*ref, 2, std::nullopt);
  REQUIRE(first.ok());
  REQUIRE(first->items.size() == 2);
  REQUIRE(first->next_cursor.has_value());
  const AccessEntry& newest = first->items[0];
  CHECK(newest.principal == "audra");
  CHECK(newest.role == Role::auditor);
  CHECK(newest.subject_ref == *ref);
  CHECK(newest.request_id.empty());
  CHECK(newest.fields == std::vector<std::string>{"access_log"});
  CHECK(newest.route == "GET /v1/subjects/{nik}/access-log");
  CHECK(newest.at == test::at("2025-03-03T02:18:00Z"));
  CHECK(first->items[1].principal == "ams");
  auto second = log.for_subject(*ref, 2, first->next_cursor);
  REQUIRE(second.ok());
  REQUIRE(second->items.size() == 1);
  CHECK_FALSE(second->next_cursor.has_value());
  const AccessEntry& oldest = second->items[0];
  CHECK(oldest.principal == "rita");
  CHECK(oldest.role == Role::reviewer);
  CHECK(oldest.request_id == filed->id);
  CHECK(oldest.fields == std::vector<std::string>{"name", "nik", "email"});
  CHECK(oldest.route == "GET /v1/requests/{id}");
  CHECK(log.for_subject("s-someone-else", 10, std::nullopt)->items.size() == 1);
  CHECK(log.for_subject("s-nobody", 10, std::nullopt)->items.empty());
  // A cursor is this subject's: garbage, or another subject's, is refused.
  CHECK(log.for_subject(*ref, 2, std::string("x1")).error().code == ErrorCode::invalid_argument);
  CHECK(log.for_subject(*ref, 2, std::string("999999")).error().code == ErrorCode::invalid_argument);
  auto others = log.for_subject("s-someone-else", 1, std::nullopt);
  REQUIRE(others.ok());
  CHECK(others->items.size() == 1);

  // The entries are leaves of the audit log: the log verifies, and counts
  // them with the request's events; the request's own proofs are its events only.
  w.backend.sequence();
  auto verdict = w.backend.verify();
  CHECK(verdict.ok);
  CHECK(verdict.events == 1 + 4);
  auto leaves = w.backend.audit_log.entries(0, 5);
  REQUIRE(leaves.ok());
  int access_leaves = 0;
  for (const auto& leaf : *leaves) {
    CHECK(leaf.find(budi().nik) == std::string::npos);  // no personal data, no NIK
    CHECK(leaf.find(budi().name) == std::string::npos);
    CHECK(leaf.find("rita") == std::string::npos);  // who acted: a salted hash
    if (leaf.find("\"v\":\"dsr-access-v1\"") != std::string::npos) {
      ++access_leaves;
      CHECK(leaf.find("\"route\":\"GET ") != std::string::npos);
    }
  }
  CHECK(access_leaves == 4);
  test::TempDir keys;
  auto key = storage::LogKey::load(keys.file("log.key"), "bsre.test/dsr-log", true);
  REQUIRE(key.ok());
  REQUIRE(w.backend.remember(*key).ok());
  w.backend.audit_log.set_key(&*key);
  auto proofs = wait_for<Result<RequestLogProofs>>([&](auto done) {
    w.backend.audit_log.proofs_for(filed->id, done);
  });
  REQUIRE(proofs.ok());
  CHECK(proofs->entries.size() == filed->events.size());

  // Erasure shreds the record; the access entries hold none of it and stay.
  Fulfilment erase;
  erase.erase_subject = true;
  REQUIRE(commit(w.backend.store, next_change(*w.backend.store.load(filed->id), erase)).ok());
  CHECK(w.backend.vault.get(*ref).error().code == ErrorCode::not_found);
  CHECK(log.for_subject(*ref, 10, std::nullopt)->items.size() == 3);
  w.backend.sequence();
  CHECK(w.backend.verify().ok);
  CHECK(w.backend.audit().ok);

  // An entry edited behind dsr's back no longer matches its leaf.
  w.backend.tamper("UPDATE journal SET principal = 'someone' WHERE subject_ref IS NOT NULL AND principal = 'rita' "
                   "AND name = 'GET /v1/requests/{id}'");
  auto tampered = w.backend.verify();
  CHECK_FALSE(tampered.ok);
  CHECK(tampered.problem.find("does not match") != std::string::npos);
}
