// A request's messages to its subject and its notices to recipients, through
// RequestService and RequestTimers over the in-memory Store: what the subject
// is told at each step, what a fulfilment carries out, and when a request
// waiting on its recipients may close.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/request_service.hpp"
#include "engine/request_timers.hpp"
#include "engine/subject_notices.hpp"
#include "engine/subject_vault.hpp"
#include "test_support.hpp"

using namespace dsr;
using namespace std::chrono_literals;
using test::actor;
using test::at;

namespace {

// Subject records in a map; every write completes at once.
class MapVault final : public SubjectVault {
 public:
  void put(SubjectRecord record, RefDone done) override {
    for (const auto& [ref, existing] : records_)
      if (existing.nik == record.nik) {
        records_[ref] = std::move(record);
        return done(std::string(ref));
      }
    std::string ref = "subject-" + std::to_string(records_.size() + 1);
    records_.emplace(ref, std::move(record));
    done(ref);
  }
  Result<SubjectRecord> get(std::string_view subject_ref) const override {
    auto it = records_.find(subject_ref);
    if (it == records_.end()) return fail(Error::not_found(fmt::format("no subject {}", subject_ref)));
    return it->second;
  }
  Result<std::optional<std::string>> find_by_nik(std::string_view nik) const override {
    for (const auto& [ref, r] : records_)
      if (r.nik == nik) return std::optional<std::string>(ref);
    return std::optional<std::string>();
  }
  Result<std::optional<std::string>> find_by_email(std::string_view email) const override {
    for (const auto& [ref, r] : records_)
      if (r.email == email) return std::optional<std::string>(ref);
    return std::optional<std::string>();
  }
  void erase(std::string subject_ref, Done done) override {
    records_.erase(subject_ref);
    done(ok_status());
  }
  void set_legal_hold(std::string, LegalHold, Done done) override { done(ok_status()); }
  Result<std::optional<Restriction>> restriction(std::string_view) const override { return std::optional<Restriction>{}; }
  Result<std::vector<std::string>> find_by_organization(std::string_view) const override { return std::vector<std::string>{}; }

  std::string add(SubjectRecord record) {
    std::optional<Result<std::string>> ref;
    put(std::move(record), [&](Result<std::string> r) { ref = std::move(r); });
    REQUIRE(ref.has_value());
    REQUIRE(ref->ok());
    return **ref;
  }

 private:
  std::map<std::string, SubjectRecord, std::less<>> records_;
};

// The notices to recipients, as the test sets them.
class FixedLedger final : public NotificationLedger {
 public:
  std::vector<RecipientNotification> notifications;

  Result<std::vector<RecipientNotification>> for_request(std::string_view request_id) const override {
    std::vector<RecipientNotification> out;
    for (const auto& n : notifications)
      if (n.request_id == request_id) out.push_back(n);
    return out;
  }
  Result<RecipientNotification> find(std::string_view id) const override {
    for (const auto& n : notifications)
      if (n.id == id) return n;
    return fail(Error::not_found(fmt::format("no notification {}", id)));
  }
  void acknowledge(std::string id, TimePoint when, std::function<void(Status)> done) override {
    for (auto& n : notifications)
      if (n.id == id && n.status != NotificationStatus::acknowledged) {
        n.status = NotificationStatus::acknowledged;
        n.acknowledged_at = when;
      }
    done(ok_status());
  }
  // The notices as the test sets them carry nothing of their own.
  Result<std::vector<NoticeContent>> contents(std::string_view request_id) const override {
    std::vector<NoticeContent> out;
    for (const auto& n : notifications)
      if (n.request_id == request_id) out.push_back({n.id, n.recipient_id, "", "{}"});
    return out;
  }
};

// Erases the subject's record when a commit carries an erasure, as the
// SQLite store does in the same transaction.
class ErasingStore final : public Store {
 public:
  ErasingStore(InMemoryStore& inner, SubjectVault& vault) : inner_(inner), vault_(vault) {}
  Result<Request> load(std::string_view id) const override { return inner_.load(id); }
  void commit(RequestChange change, Completion done) override {
    bool erase = change.fulfilment.erase_subject;
    std::string ref = change.header.subject_ref;
    inner_.commit(std::move(change), [this, erase, ref, done = std::move(done)](Status s) {
      if (s && erase) vault_.erase(ref, [](Status) {});
      done(s);
    });
  }
  Result<RequestPage> list(const RequestQuery& q) const override { return inner_.list(q); }
  Result<std::string> details(std::string_view id) const override { return inner_.details(id); }
  Result<std::vector<Correspondence>> correspondence(std::string_view id) const override {
    return inner_.correspondence(id);
  }
  Result<std::optional<IdempotentReply>> idempotent_reply(std::string_view key) const override {
    return inner_.idempotent_reply(key);
  }
  Result<QueueStats> stats(TimePoint now) const override { return inner_.stats(now); }
  Result<std::optional<std::string>> open_request_of(std::string_view subject_ref, std::string_view type) const override {
    return inner_.open_request_of(subject_ref, type);
  }

 private:
  InMemoryStore& inner_;
  SubjectVault& vault_;
};

const char* const kPortalDetails =
    R"({"corrections":[{"field":"email","requested":"budi@bssn.go.id"}],)"
    R"("contact_given":{"name":"Budi","email":"budi@example.go.id","phone":"","nip":"","organization":""},)"
    R"("verification":"code","locale":"en"})";

const Actor kSubject{"subject", Role::subject};
const Actor kRita{"rita", Role::reviewer};
const Actor kSari{"sari", Role::supervisor};
const Actor kSupervisorTwo{"surya", Role::supervisor};

struct Fixture {
  InMemoryStore memory;
  MapVault vault;
  ErasingStore store{memory, vault};
  FakeClock clock{at("2026-11-24T07:00:00Z")};  // 14:00 WIB
  FixedLedger ledger;
  SubjectNotices notices{test::shipped_messages(), test::shipped_policies(), vault, store};
  int next_id = 0;
  RequestService service{test::shipped_workflows(), test::shipped_policies(), store, clock,
                         [this] { return "r" + std::to_string(++next_id); }, RequestServiceCollaborators{&notices, &ledger}};
  std::string subject_ref;
  std::vector<OutgoingMessage> receipts;  // RequestService::receipt() of each filing

  // Budi is on file with his old work address.
  explicit Fixture(bool on_file = true) {
    if (on_file)
      subject_ref = vault.add({"Budi Santoso", "3174012345678901", "", "BSSN", "Direktorat", "Analis",
                               "budi.santoso@bssn.go.id", "+6281200000001", "", {}});
    else
      subject_ref = "subject-unknown";
  }

  Request submit(std::string type, std::string details = kPortalDetails, std::string policy = "id-pdp") {
    Filing filing;
    filing.tracking_token = "tt-" + std::to_string(next_id + 1);
    filing.details_json = std::move(details);
    std::optional<Result<Request>> out;
    service.submit({std::move(type), std::move(policy), subject_ref, kSubject, filing, {}},
                   [&](Result<Request> r) { out = std::move(r); });
    REQUIRE(out.has_value());
    if (!out->ok()) FAIL("filing refused: " << out->error().message);
    // What the outbox worker writes from the stored filing, afterwards.
    const Request& r = **out;
    auto receipt = service.receipt({r.id, r.type, r.policy, r.subject_ref}, r.received_at, filing.details_json);
    REQUIRE(receipt.ok());
    if (*receipt) receipts.push_back(std::move(**receipt));
    return std::move(**out);
  }

  Result<Request> try_fire(const std::string& id, const std::string& event, const Actor& who, std::string reason = "") {
    auto current = service.get(id);
    REQUIRE(current.ok());
    std::optional<Result<Request>> out;
    service.fire(id, Command{event, who, std::move(reason), current->version, {}, {}},
                 [&](Result<Request> r) { out = std::move(r); });
    REQUIRE(out.has_value());
    return std::move(*out);
  }

  Request fire(const std::string& id, const std::string& event, const Actor& who, std::string reason = "") {
    INFO("firing " << event << " as " << who.principal);
    auto r = try_fire(id, event, who, std::move(reason));
    if (!r.ok()) FAIL("refused: " << r.error().message);
    return std::move(r).value();
  }

  Request settle(const std::string& id) {
    std::optional<Result<Request>> out;
    service.settle(id, [&](Result<Request> r) { out = std::move(r); });
    REQUIRE(out.has_value());
    REQUIRE(out->ok());
    return std::move(**out);
  }

  // Verified by the subject and approved by the staff the workflow asks for.
  void bring_to_fulfilling(const std::string& id) {
    fire(id, "verify", kSubject);
    fire(id, "approve", kRita);
    if (service.get(id)->state == "second_review") fire(id, "approve", kSari);
    REQUIRE(service.get(id)->state == "fulfilling");
  }

  // Receipts first, then the messages queued with events.
  std::vector<OutgoingMessage> all_messages() const {
    std::vector<OutgoingMessage> out = receipts;
    for (const auto& m : memory.messages()) out.push_back(m);
    return out;
  }

  std::vector<OutgoingMessage> messages_of(const std::string& template_name) const {
    std::vector<OutgoingMessage> out;
    for (const auto& m : all_messages())
      if (m.template_name == template_name) out.push_back(m);
    return out;
  }

  OutgoingMessage only_message(const std::string& template_name) const {
    auto found = messages_of(template_name);
    INFO("messages " << template_name);
    REQUIRE(found.size() == 1);
    return found.front();
  }

  void notify(const std::string& id, const std::string& recipient_id, const std::string& name,
              NotificationStatus status) {
    RecipientNotification n;
    n.id = "n-" + recipient_id;
    n.request_id = id;
    n.recipient_id = recipient_id;
    n.recipient_name = name;
    n.recipient_kind = "institution";
    n.status = status;
    n.created_at = clock.now();
    ledger.notifications.push_back(n);
  }
};

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// A variable the message was rendered with; "<absent>" if it had none.
std::string variable(const OutgoingMessage& m, const std::string& name) {
  auto it = m.variables.find(name);
  return it == m.variables.end() ? "<absent>" : it->second;
}

}  // namespace

TEST_CASE("filing tells the subject at the contact on record, in their language, with the deadline in WIB",
          "[recipients]") {
  Fixture f;
  Request r = f.submit("rectification");
  CHECK(r.state == "verifying");

  auto m = f.only_message("request_received");
  CHECK(m.to == "budi.santoso@bssn.go.id");  // the record's address, not the form's
  CHECK(m.channel == "email");
  CHECK(m.locale == "en");
  CHECK(m.request_id == r.id);
  // id-pdp: 3 x 24 hours from receipt at 14:00 WIB on Tuesday.
  CHECK(variable(m, "due_at") == "Friday 27 November 2026, 14:00 WIB");
  CHECK(contains(m.text, "Friday 27 November 2026, 14:00 WIB"));
  CHECK(contains(m.text, r.id));
  CHECK(contains(m.text, "request to correct your personal data"));
  CHECK(contains(m.subject, r.id));
  CHECK(f.all_messages().size() == 1);
}

TEST_CASE("a subject dsr holds no record of is written to at the form's address once a verifier has checked them",
          "[recipients][enumeration]") {
  Fixture f(false);
  Request r = f.submit("access");
  // Before: nothing, not even the receipt. What reaches the form's address
  // would tell the filer that the NIK is not on file (a subject on file
  // under another address is written to there, not here).
  CHECK(f.all_messages().empty());
  f.fire(r.id, "verify_manually", {"vera", Role::verifier}, "called back on the number in the population register");
  f.fire(r.id, "request_info", kRita, "Which certificate do you mean?");
  auto m = f.only_message("information_needed");
  CHECK(m.to == "budi@example.go.id");
  CHECK(m.channel == "email");
  CHECK(m.locale == "en");
  CHECK(contains(m.text, r.id));
}

TEST_CASE("a subject dsr holds no record of, filed for by a verifier, is written to at the form's address at once",
          "[recipients][enumeration]") {
  Fixture f(false);
  Request r = f.submit("access", R"({"contact_given":{"email":"budi@example.go.id"},"locale":"en","verification":"on_behalf"})");
  auto m = f.only_message("request_received");
  CHECK(m.to == "budi@example.go.id");
  CHECK(contains(m.text, r.id));
}

TEST_CASE("a filing in Indonesian, or in no stated language, is answered in Indonesian", "[recipients]") {
  Fixture f;
  f.submit("access", R"({"contact_given":{"email":"budi@example.go.id"},"locale":"id"})");
  f.submit("access", R"({"contact_given":{"email":"budi@example.go.id"}})");
  auto received = f.messages_of("request_received");
  REQUIRE(received.size() == 2);
  for (const auto& m : received) {
    CHECK(m.locale == "id");
    CHECK(variable(m, "due_at") == "Jumat, 27 November 2026 pukul 14.00 WIB");
    CHECK(contains(m.text, "permintaan akses data pribadi"));
  }
}

TEST_CASE("holding, asking for information, extending and rejecting each tell the subject why", "[recipients]") {
  Fixture f;
  Request r = f.submit("rectification");
  f.fire(r.id, "verify", kSubject);

  f.clock.advance(1h);
  f.fire(r.id, "request_info", kRita, "Please upload your SK pengangkatan.");
  auto info = f.only_message("information_needed");
  CHECK(info.to == "budi.santoso@bssn.go.id");
  CHECK(info.locale == "en");
  CHECK(variable(info, "reason") == "Please upload your SK pengangkatan.");
  CHECK(contains(info.text, "Please upload your SK pengangkatan."));
  CHECK(contains(info.text, r.id));

  f.fire(r.id, "reply", kSubject);
  f.fire(r.id, "hold", kRita, "The instruction may conflict with a court order.");
  auto hold = f.only_message("on_hold");
  CHECK(contains(hold.text, "The instruction may conflict with a court order."));
  CHECK(hold.to == "budi.santoso@bssn.go.id");

  f.fire(r.id, "reject", kSari, "A court order forbids the change.");
  auto rejected = f.only_message("rejected");
  CHECK(contains(rejected.text, "A court order forbids the change."));
  CHECK(variable(rejected, "reason") == "A court order forbids the change.");
  CHECK(f.service.get(r.id)->state == "rejected");

  // Erasure under id-pdp may be extended once (28 days): the new deadline is written too.
  Request e = f.submit("erasure");
  f.fire(e.id, "extend", kSari, "Backups must be checked at three data centres.");
  auto extended = f.only_message("extended");
  CHECK(contains(extended.text, "Backups must be checked at three data centres."));
  CHECK(contains(variable(extended, "due_at"), "WIB"));
  CHECK(contains(extended.text, variable(extended, "due_at")));
  auto received_due = variable(f.messages_of("request_received").back(), "due_at");
  CHECK(variable(extended, "due_at") != received_due);

  // Events without a notify_subject (verify, reply) write nothing.
  CHECK(f.all_messages().size() == 6);  // 2 received, info, hold, rejected, extended
}

TEST_CASE("a rectification fulfilled with no recipients applies the corrections and completes at once",
          "[recipients]") {
  Fixture f;
  Request r = f.submit("rectification");
  f.bring_to_fulfilling(r.id);

  Request done = f.fire(r.id, "fulfil", kRita);
  CHECK(done.state == "completed");
  Request stored = *f.service.get(r.id);
  CHECK(stored.state == "completed");
  REQUIRE(stored.events.size() >= 2);
  const Event& fulfil = stored.events[stored.events.size() - 2];
  const Event& last = stored.events.back();
  CHECK(fulfil.name == "fulfil");
  CHECK(fulfil.to_state == "notifying_recipients");
  CHECK(last.name == "complete");
  CHECK(last.actor.principal == "dsr");
  CHECK(last.actor.role == Role::system);

  auto fulfilments = f.memory.fulfilments();
  REQUIRE(fulfilments.size() == 1);
  CHECK(fulfilments[0].first == r.id);
  const Fulfilment& fx = fulfilments[0].second;
  CHECK(fx.corrections == std::map<std::string, std::string>{{"email", "budi@bssn.go.id"}});
  CHECK(fx.notify_recipients);
  CHECK_FALSE(fx.erase_subject);
  CHECK(fx.changes_json == R"([{"field":"email","value":"budi@bssn.go.id"}])");

  auto completed = f.only_message("completed");
  CHECK(completed.to == "budi.santoso@bssn.go.id");
  CHECK(contains(completed.text, r.id));
}

TEST_CASE("a request waits for every recipient to acknowledge before it completes", "[recipients]") {
  Fixture f;
  Request r = f.submit("rectification");
  f.bring_to_fulfilling(r.id);
  f.notify(r.id, "rcp-bkn", "Badan Kepegawaian Negara", NotificationStatus::acknowledged);
  f.notify(r.id, "rcp-kpk", "Komisi Pemberantasan Korupsi", NotificationStatus::delivered);

  Request fulfilled = f.fire(r.id, "fulfil", kRita);
  CHECK(fulfilled.state == "notifying_recipients");
  CHECK(f.service.get(r.id)->state == "notifying_recipients");
  CHECK(f.messages_of("completed").empty());

  auto refused = f.try_fire(r.id, "complete", actor(Role::system, "dsr"));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == ErrorCode::conflict);
  CHECK(refused.error().kind == "guard_failed");
  CHECK(contains(refused.error().message, "Komisi Pemberantasan Korupsi"));
  CHECK_FALSE(contains(refused.error().message, "Badan Kepegawaian Negara"));
  CHECK(f.service.get(r.id)->state == "notifying_recipients");

  // Settling changes nothing while someone is still waiting.
  CHECK(f.settle(r.id).state == "notifying_recipients");

  SECTION("a supervisor may close it with a reason; the journal names who never acknowledged") {
    auto no_reason = f.try_fire(r.id, "complete_unacknowledged", kSari);
    REQUIRE_FALSE(no_reason.ok());
    CHECK(no_reason.error().kind == "reason_missing");

    Request closed = f.fire(r.id, "complete_unacknowledged", kSari, "KPK confirmed by letter 12/2026");
    CHECK(closed.state == "completed");
    const Event last = f.service.get(r.id)->events.back();
    CHECK(last.name == "complete_unacknowledged");
    CHECK(last.actor.principal == "sari");
    REQUIRE(last.data.contains("unacknowledged"));
    CHECK(contains(last.data.at("unacknowledged"), "Komisi Pemberantasan Korupsi"));
    CHECK(contains(last.data.at("unacknowledged"), "rcp-kpk"));
    CHECK_FALSE(contains(last.data.at("unacknowledged"), "Badan Kepegawaian Negara"));
    CHECK(f.only_message("completed").to == "budi.santoso@bssn.go.id");
  }
  SECTION("once every recipient has acknowledged, settling completes it as the system") {
    std::optional<Status> acked;
    f.ledger.acknowledge("n-rcp-kpk", f.clock.now(), [&](Status s) { acked = s; });
    REQUIRE(acked.has_value());
    REQUIRE(acked->ok());

    Request settled = f.settle(r.id);
    CHECK(settled.state == "completed");
    const Event last = f.service.get(r.id)->events.back();
    CHECK(last.name == "complete");
    CHECK(last.actor.principal == "dsr");
    CHECK_FALSE(last.data.contains("unacknowledged"));
    CHECK(f.messages_of("completed").size() == 1);
    // A second settle is harmless.
    CHECK(f.settle(r.id).state == "completed");
    CHECK(f.service.get(r.id)->version == settled.version);
  }
}

TEST_CASE("an erasure tells the subject it is done before their record is destroyed", "[recipients]") {
  Fixture f;
  Request r = f.submit("erasure", R"({"contact_given":{"name":"Budi","email":"budi@example.go.id"},"locale":"en"})");
  f.fire(r.id, "verify", kSubject);
  f.fire(r.id, "approve", kRita);
  // Four eyes: the reviewer may not also confirm.
  auto same_eyes = f.try_fire(r.id, "approve", Actor{"rita", Role::supervisor});
  REQUIRE_FALSE(same_eyes.ok());
  CHECK(same_eyes.error().kind == "four_eyes_violated");
  f.fire(r.id, "approve", kSupervisorTwo);
  REQUIRE(f.service.get(r.id)->state == "fulfilling");
  REQUIRE(f.vault.get(f.subject_ref).ok());

  Request fulfilled = f.fire(r.id, "fulfil", kSari);
  CHECK(fulfilled.state == "completed");  // no recipients to wait for

  auto fulfilments = f.memory.fulfilments();
  REQUIRE(fulfilments.size() == 1);
  CHECK(fulfilments[0].first == r.id);
  CHECK(fulfilments[0].second.erase_subject);
  CHECK(fulfilments[0].second.notify_recipients);
  CHECK(fulfilments[0].second.corrections.empty());
  CHECK(fulfilments[0].second.changes_json == "[]");

  CHECK_FALSE(f.vault.get(f.subject_ref).ok());  // the record is gone...
  auto completed = f.only_message("completed");  // ...but the subject was told, at the address on record
  CHECK(completed.to == "budi.santoso@bssn.go.id");
  CHECK(completed.locale == "en");
  CHECK(contains(completed.text, r.id));
  CHECK(contains(completed.text, "request to erase your personal data"));
}

TEST_CASE("an unverified request is reminded once after a day and expires after a week", "[recipients]") {
  Fixture f;
  RequestTimers timers(f.service, f.store, test::shipped_workflows(), test::shipped_policies(), f.clock);
  Request r = f.submit("access");
  Request other = f.submit("access");
  f.fire(other.id, "verify", kSubject);  // verified: never reminded

  f.clock.advance(23h);
  auto early = timers.run_once();
  CHECK(early.reminded == 0);
  CHECK(f.messages_of("verification_reminder").empty());

  f.clock.advance(2h);  // 25 h after filing
  auto first = timers.run_once();
  CHECK(first.reminded == 1);
  CHECK(first.expired == 0);
  CHECK(first.failed == 0);
  Request reminded = *f.service.get(r.id);
  CHECK(reminded.state == "verifying");
  CHECK(reminded.events.back().name == "remind");
  CHECK(reminded.events.back().actor.role == Role::scheduler);
  auto reminder = f.only_message("verification_reminder");
  CHECK(reminder.to == "budi.santoso@bssn.go.id");
  CHECK(reminder.request_id == r.id);
  CHECK(contains(reminder.text, r.id));

  auto second = timers.run_once();
  CHECK(second.reminded == 0);
  CHECK(f.messages_of("verification_reminder").size() == 1);
  auto remind_count = [&] {
    auto events = f.service.get(r.id)->events;
    return std::count_if(events.begin(), events.end(), [](const Event& e) { return e.name == "remind"; });
  };
  CHECK(remind_count() == 1);

  f.clock.set(r.received_at + 7 * 24h);
  auto last = timers.run_once();
  CHECK(last.expired == 1);
  CHECK(last.reminded == 0);
  Request expired = *f.service.get(r.id);
  CHECK(expired.state == "expired");
  CHECK(expired.events.back().name == "expire");
  CHECK(remind_count() == 1);
  auto lapsed = f.only_message("expired");
  CHECK(lapsed.to == "budi.santoso@bssn.go.id");
  CHECK(contains(lapsed.text, r.id));
  CHECK(f.service.get(other.id)->state == "in_review");
  CHECK(timers.run_once().expired == 0);
}

TEST_CASE("the timers complete a request whose recipients have all acknowledged", "[recipients]") {
  Fixture f;
  RequestTimers timers(f.service, f.store, test::shipped_workflows(), test::shipped_policies(), f.clock);
  Request r = f.submit("rectification");
  f.bring_to_fulfilling(r.id);
  f.notify(r.id, "rcp-bkn", "Badan Kepegawaian Negara", NotificationStatus::delivered);
  REQUIRE(f.fire(r.id, "fulfil", kRita).state == "notifying_recipients");

  auto waiting = timers.run_once();
  CHECK(waiting.completed == 0);
  CHECK(f.service.get(r.id)->state == "notifying_recipients");

  f.ledger.notifications[0].status = NotificationStatus::acknowledged;
  f.clock.advance(2h);
  auto settled = timers.run_once();
  CHECK(settled.completed == 1);
  CHECK(settled.failed == 0);
  Request done = *f.service.get(r.id);
  CHECK(done.state == "completed");
  CHECK(done.events.back().name == "complete");
  CHECK(done.events.back().actor.principal == "dsr");
  CHECK(f.only_message("completed").to == "budi.santoso@bssn.go.id");
  CHECK(timers.run_once().completed == 0);
}

TEST_CASE("a record that cannot be read is never replaced by the form's address", "[recipients]") {
  // A vault that holds Budi but cannot open him now (a locked database, a damaged row).
  class UnreadableVault final : public SubjectVault {
   public:
    void put(SubjectRecord, RefDone done) override { done(std::string("s-on-file")); }
    Result<SubjectRecord> get(std::string_view) const override { return fail(Error::unavailable("database is locked")); }
    Result<std::optional<std::string>> find_by_nik(std::string_view) const override { return std::optional<std::string>("s-on-file"); }
    Result<std::optional<std::string>> find_by_email(std::string_view) const override { return std::optional<std::string>(); }
    void erase(std::string, Done done) override { done(ok_status()); }
    void set_legal_hold(std::string, LegalHold, Done done) override { done(ok_status()); }
    Result<std::optional<Restriction>> restriction(std::string_view) const override { return std::optional<Restriction>{}; }
    Result<std::vector<std::string>> find_by_organization(std::string_view) const override { return std::vector<std::string>{}; }
  } vault;
  InMemoryStore store;
  FakeClock clock{at("2026-11-24T07:00:00Z")};
  SubjectNotices notices{test::shipped_messages(), test::shipped_policies(), vault, store};
  RequestService service{test::shipped_workflows(), test::shipped_policies(), store, clock, [] { return std::string("r1"); },
                         RequestServiceCollaborators{&notices, nullptr}};
  Filing filing;
  filing.details_json = kPortalDetails;
  std::optional<Result<Request>> filed;
  service.submit({"rectification", "id-pdp", "s-on-file", kSubject, filing, {}}, [&](Result<Request> r) { filed = std::move(r); });
  REQUIRE(filed.has_value());
  REQUIRE(filed->ok());
  for (const auto& m : store.messages()) CHECK(m.to != "budi@example.go.id");
  CHECK(store.messages().empty());
}
