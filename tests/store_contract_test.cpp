// The storage contract: what the engine's ports promise, run against both
// backends, SQLite and PostgreSQL, by the same test cases. A feature that
// stores something lands on both, and shows it here.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <set>

#include "app/report_scheduler.hpp"
#include "storage/postgres/pg_report_slots.hpp"
#include "storage/log_key_files.hpp"
#include "storage_backends.hpp"

using namespace dsr;
using namespace dsr::test;
using test::actor;
using test::budi;
using test::sari;

TEMPLATE_TEST_CASE("store contract: a filing and its events load back, folded, and the log verifies",
                   "[storage][contract]", SqliteBackend, PostgresBackend) {
  World<TestType> w;
  REQUIRE(test::submit(w.service, "erasure").ok());
  REQUIRE(test::fire(w.service, "r1", "verify", actor(Role::subject, "subject"), 1).ok());
  REQUIRE(test::fire(w.service, "r1", "approve", actor(Role::reviewer, "rita"), 2).ok());
  auto loaded = w.backend.store.load("r1");
  REQUIRE(loaded.ok());
  CHECK(loaded->state == "second_review");
  CHECK(loaded->version == 3);
  REQUIRE(loaded->events.size() == 3);
  CHECK(loaded->events[2].actor == actor(Role::reviewer, "rita"));
  CHECK(loaded->subject_ref == "s-test");
  CHECK(w.backend.store.load("r9").error().code == ErrorCode::not_found);
  w.backend.sequence();
  auto v = w.backend.verify();
  CHECK(v.ok);
  CHECK(v.events == 3);
}

TEMPLATE_TEST_CASE("store contract: a change from a stale version is refused and leaves nothing",
                   "[storage][contract]", SqliteBackend, PostgresBackend) {
  World<TestType> w;
  REQUIRE(test::submit(w.service).ok());
  REQUIRE(test::fire(w.service, "r1", "verify", actor(Role::subject, "subject"), 1).ok());
  auto stale = test::fire(w.service, "r1", "verify", actor(Role::subject, "subject"), 1);
  REQUIRE_FALSE(stale.ok());
  CHECK(stale.error().code == ErrorCode::conflict);
  auto loaded = w.backend.store.load("r1");
  REQUIRE(loaded.ok());
  CHECK(loaded->version == 2);
  CHECK(loaded->events.size() == 2);
}

TEMPLATE_TEST_CASE("store contract: of two changes made from one version, exactly one is stored",
                   "[storage][contract]", SqliteBackend, PostgresBackend) {
  World<TestType> w;
  REQUIRE(test::submit(w.service).ok());
  auto base = w.backend.store.load("r1");
  REQUIRE(base.ok());
  // The same change, built twice from version 1, committed at once.
  auto change = [&](std::string principal) {
    Event e;
    e.sequence = 2;
    e.name = "verify";
    e.actor = actor(Role::subject, principal);
    e.at = w.clock.now();
    e.from_state = base->state;
    e.to_state = "in_review";
    RequestChange c;
    c.header = {"r1", base->type, base->policy, base->subject_ref};
    c.expected_version = 1;
    c.events = {e};
    return c;
  };
  std::promise<Status> first, second;
  std::thread a([&] { w.backend.store.commit(change("a"), [&](Status s) { first.set_value(s); }); });
  std::thread b([&] { w.backend.store.commit(change("b"), [&](Status s) { second.set_value(s); }); });
  a.join();
  b.join();
  Status s1 = first.get_future().get(), s2 = second.get_future().get();
  CHECK(s1.ok() != s2.ok());
  const Status& refused = s1.ok() ? s2 : s1;
  CHECK(refused.error().code == ErrorCode::conflict);
  auto loaded = w.backend.store.load("r1");
  REQUIRE(loaded.ok());
  CHECK(loaded->version == 2);
  CHECK(loaded->events.size() == 2);
}

TEMPLATE_TEST_CASE("store contract: a request id filed twice is a conflict, the first kept",
                   "[storage][contract]", SqliteBackend, PostgresBackend) {
  World<TestType> w;
  REQUIRE(test::submit(w.service).ok());
  w.next = 0;  // the id source gives r1 again
  auto again = test::submit(w.service, "erasure");
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code == ErrorCode::conflict);
  auto loaded = w.backend.store.load("r1");
  REQUIRE(loaded.ok());
  CHECK(loaded->type == "access");
  CHECK(loaded->events.size() == 1);
}

TEMPLATE_TEST_CASE("store contract: the queue lists by due date, filters, and pages with a cursor",
                   "[storage][contract]", SqliteBackend, PostgresBackend) {
  World<TestType> w;
  for (int i = 0; i < 5; ++i) REQUIRE(test::submit(w.service, i % 2 ? "erasure" : "access").ok());
  RequestQuery q;
  q.now = w.clock.now();
  q.limit = 2;
  std::vector<std::string> seen;
  for (int page = 0; page < 4; ++page) {
    auto listed = w.backend.store.list(q);
    REQUIRE(listed.ok());
    for (const auto& r : listed->items) seen.push_back(r.id);
    if (!listed->next_cursor) break;
    q.after = listed->next_cursor;
  }
  CHECK(seen.size() == 5);
  CHECK(std::set<std::string>(seen.begin(), seen.end()).size() == 5);
  RequestQuery erasures;
  erasures.now = w.clock.now();
  erasures.type = "erasure";
  auto only = w.backend.store.list(erasures);
  REQUIRE(only.ok());
  CHECK(only->items.size() == 2);
  RequestQuery bad;
  bad.after = "r-never-given";
  CHECK(w.backend.store.list(bad).error().code == ErrorCode::invalid_argument);
}

TEMPLATE_TEST_CASE("vault contract: a record round-trips, is found by NIK or e-mail, and its NIK is its key",
                   "[storage][contract][vault]", SqliteBackend, PostgresBackend) {
  TestType b;
  auto ref = test::put(b.vault, budi());
  REQUIRE(ref.ok());
  CHECK(*b.vault.get(*ref) == budi());
  CHECK(b.vault.find_by_nik("3171012303850007")->value() == *ref);
  CHECK(b.vault.find_by_email("  Budi.Wirawan@EXAMPLE.go.id ")->value() == *ref);
  CHECK_FALSE(b.vault.find_by_nik("3171012303850008")->has_value());
  SubjectRecord moved = budi();
  moved.email = "budi@example.id";
  CHECK(test::put(b.vault, moved).value() == *ref);  // the same NIK: the same record, updated
  CHECK_FALSE(b.vault.find_by_email("budi.wirawan@example.go.id")->has_value());
  SubjectRecord bad = budi();
  bad.nik = "31710123";
  CHECK(test::put(b.vault, bad).error().code == ErrorCode::invalid_argument);
  CHECK(b.vault.get("s-none").error().code == ErrorCode::not_found);
  std::promise<Status> held;
  b.vault.set_legal_hold("s-none", {true, "sam", "dispute", SystemClock().now()}, [&](Status st) { held.set_value(st); });
  CHECK(held.get_future().get().error().code == ErrorCode::not_found);
}

TEMPLATE_TEST_CASE("store contract: a correction is applied with its event, and a NIK held by another refused",
                   "[storage][contract][vault]", SqliteBackend, PostgresBackend) {
  World<TestType> w;
  auto ref = test::put(w.backend.vault, budi());
  REQUIRE(test::put(w.backend.vault, sari()).ok());
  REQUIRE(test::submit(w.service, "rectification", "id-pdp", *ref).ok());
  Fulfilment corrected;
  corrected.corrections = {{"email", "budi@bssn.go.id"}, {"position", "Analis Madya"}};
  REQUIRE(commit(w.backend.store, next_change(*w.backend.store.load("r1"), corrected)).ok());
  CHECK(w.backend.vault.get(*ref)->email == "budi@bssn.go.id");
  CHECK(w.backend.vault.get(*ref)->position == "Analis Madya");
  CHECK(w.backend.vault.find_by_email("budi@bssn.go.id")->value() == *ref);
  Fulfilment taken;
  taken.corrections = {{"nik", sari().nik}};
  auto refused = commit(w.backend.store, next_change(*w.backend.store.load("r1"), taken));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().kind == "nik_taken");
  CHECK(w.backend.store.load("r1")->version == 2);  // the event went with it
  CHECK(w.backend.vault.get(*ref)->nik == budi().nik);
  Fulfilment unknown;
  unknown.corrections = {{"shoe_size", "42"}};
  CHECK(commit(w.backend.store, next_change(*w.backend.store.load("r1"), unknown)).error().code ==
        ErrorCode::invalid_argument);
}

TEMPLATE_TEST_CASE("store contract: an erasure shreds the record, the form and the reasons, and the log verifies",
                   "[storage][contract][vault][erasure]", SqliteBackend, PostgresBackend) {
  World<TestType> w;
  auto ref = test::put(w.backend.vault, budi());
  REQUIRE(test::submit(w.service, "erasure", "id-pdp", *ref).ok());
  // A reason that names the subject, written before the erasure.
  REQUIRE(commit(w.backend.store, next_change(*w.backend.store.load("r1"), {}, "Budi asked by phone")).ok());
  Fulfilment erase;
  erase.erase_subject = true;
  REQUIRE(commit(w.backend.store, next_change(*w.backend.store.load("r1"), erase, "erased as asked")).ok());
  CHECK(w.backend.vault.get(*ref).error().code == ErrorCode::not_found);
  CHECK_FALSE(w.backend.vault.find_by_nik(budi().nik)->has_value());
  auto after = w.backend.store.load("r1");
  REQUIRE(after.ok());
  CHECK(after->subject_ref == *ref);  // the request keeps only the pseudonym
  CHECK(after->events[1].reason.empty());  // "Budi asked by phone" is gone
  CHECK(after->events[2].reason == "erased as asked");  // the erasure's own, written after it
  CHECK(w.backend.store.details("r1").value().empty());
  w.backend.sequence();
  auto v = w.backend.verify();
  CHECK(v.ok);
  CHECK(v.events == 3);
}

TEMPLATE_TEST_CASE("token contract: kept as hashes, listed without secrets, expired and revoked ones refused",
                   "[storage][contract][tokens]", SqliteBackend, PostgresBackend) {
  TestType b;
  auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  auto ana = b.tokens.create_sync({"ana", Role::reviewer, ""});
  auto ana_second = b.tokens.create_sync({"ana", Role::auditor, ""});
  auto inst = b.tokens.create_sync({"sdm-bssn", Role::institution, "Badan Siber dan Sandi Negara"},
                                   now + std::chrono::hours(24 * 90));
  auto gone = b.tokens.create_sync({"old-batch", Role::system, ""}, now - std::chrono::seconds(1));
  REQUIRE((ana.ok() && ana_second.ok() && inst.ok() && gone.ok()));
  auto who = b.tokens.authenticate(inst->token);
  REQUIRE(who.ok());
  CHECK(who->organization == "Badan Siber dan Sandi Negara");
  CHECK(b.tokens.authenticate("dsr_guess").error().code == ErrorCode::not_found);
  CHECK(b.tokens.authenticate(gone->token).error().message == "expired token");
  b.settle();
  auto listed = b.tokens.tokens();
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 4);
  CHECK((*listed)[0].id == ana->record.id);
  CHECK((*listed)[2].expires_at == now + std::chrono::hours(24 * 90));
  CHECK((*listed)[2].last_used_at.has_value());  // used above
  CHECK_FALSE((*listed)[0].last_used_at.has_value());

  REQUIRE(b.tokens.authenticate(ana->token).ok());  // cached now
  std::promise<Result<TokenRecord>> answer;
  b.tokens.revoke(ana->record.id, "ops-admin", [&](Result<TokenRecord> r) { answer.set_value(std::move(r)); });
  auto revoked = answer.get_future().get();
  REQUIRE(revoked.ok());
  CHECK(revoked->revoked_by == "ops-admin");
  CHECK(b.tokens.authenticate(ana->token).error().message == "revoked token");
  // Revoked again, by someone else: who revoked it first stays.
  auto again = b.tokens.revoke_sync(ana->record.id, "someone-else");
  REQUIRE(again.ok());
  CHECK(again->front().revoked_by == "ops-admin");
  auto by_name = b.tokens.revoke_sync("ana", "ops-admin");  // the active one left
  REQUIRE(by_name.ok());
  REQUIRE(by_name->size() == 1);
  CHECK(by_name->front().id == ana_second->record.id);
  CHECK(b.tokens.revoke_sync("nobody", "ops-admin").error().code == ErrorCode::not_found);
}

TEMPLATE_TEST_CASE("token contract: a token revoked by another process or node is refused within the cache's life",
                   "[storage][contract][tokens]", SqliteBackend, PostgresBackend) {
  TestType b;
  auto token = b.tokens.create_sync({"ana", Role::reviewer, ""});
  REQUIRE(token.ok());
  REQUIRE(b.tokens.authenticate(token->token).ok());  // now cached here
  REQUIRE(b.other_tokens.revoke_sync(token->record.id, "ops-admin").ok());
  std::this_thread::sleep_for(storage::TokenRegistry::kTokenCacheTtl + std::chrono::milliseconds(100));
  CHECK(b.tokens.authenticate(token->token).error().message == "revoked token");
}

TEMPLATE_TEST_CASE("staff certificate contract: mapped by issuer and serial (and fingerprint), one in force, removed",
                   "[storage][contract][certificates]", SqliteBackend, PostgresBackend) {
  TestType b;
  const std::string ca = "CN=Staff CA,O=BSrE,C=ID";
  const std::string sari_print(64, 'a');
  StaffCertificate sari;
  sari.principal = {"Sari Supervisor", Role::supervisor, ""};
  sari.issuer = ca;
  sari.serial = "1000";
  sari.fingerprint = sari_print;
  sari.subject = "CN=Sari Supervisor,O=BSrE";
  sari.not_after = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) + std::chrono::hours(24);
  sari.added_by = "cli:ops";
  auto added = b.staff_certificates.add_sync(sari);
  REQUIRE(added.ok());
  CHECK(added->id.starts_with("crt_"));
  StaffCertificate inst;  // by issuer and serial: no fingerprint
  inst.principal = {"sdm-bssn", Role::institution, "Badan Siber dan Sandi Negara"};
  inst.issuer = ca;
  inst.serial = "1001";
  inst.added_by = "cli:ops";
  REQUIRE(b.staff_certificates.add_sync(inst).ok());

  auto who = b.staff_certificates.staff_for({ca, "1000", sari_print});
  REQUIRE(who.ok());
  CHECK(who->name == "Sari Supervisor");
  CHECK(who->role == Role::supervisor);
  // Added from its file: another certificate with the same issuer and serial is not it.
  CHECK(b.staff_certificates.staff_for({ca, "1000", std::string(64, 'b')}).error().code == ErrorCode::not_found);
  auto by_serial = b.staff_certificates.staff_for({ca, "1001", std::string(64, 'c')});
  REQUIRE(by_serial.ok());
  CHECK(by_serial->organization == "Badan Siber dan Sandi Negara");
  CHECK(b.staff_certificates.staff_for({ca, "1002", sari_print}).error().code == ErrorCode::not_found);
  CHECK(b.staff_certificates.staff_for({"CN=Other CA", "1000", sari_print}).error().code == ErrorCode::not_found);

  // One mapping in force per certificate; refused mappings name why.
  StaffCertificate twice = inst;
  twice.principal = {"someone", Role::auditor, ""};
  CHECK(b.staff_certificates.add_sync(twice).error().code == ErrorCode::conflict);
  StaffCertificate bad = inst;
  bad.serial = "0A";
  CHECK(b.staff_certificates.add_sync(bad).error().code == ErrorCode::invalid_argument);
  bad = inst;
  bad.principal = {"x", Role::institution, ""};
  bad.serial = "77";
  CHECK(b.staff_certificates.add_sync(bad).error().code == ErrorCode::invalid_argument);

  auto listed = b.staff_certificates.certificates();
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 2);
  // Both were added within the same millisecond, so either may come first.
  bool sari_first = (*listed)[0].id == added->id;
  const StaffCertificate& by_file = (*listed)[sari_first ? 0 : 1];
  const StaffCertificate& by_issuer = (*listed)[sari_first ? 1 : 0];
  CHECK(by_file.id == added->id);
  CHECK(by_file.fingerprint == sari_print);
  CHECK(by_file.subject == "CN=Sari Supervisor,O=BSrE");
  CHECK(by_file.not_after == sari.not_after);
  CHECK(by_file.added_by == "cli:ops");
  CHECK(by_issuer.fingerprint.empty());
  CHECK_FALSE(by_issuer.not_after.has_value());

  // Removed by name: refused at once here, and listed as removed.
  auto removed = b.staff_certificates.remove_sync("Sari Supervisor", "cli:ops");
  REQUIRE(removed.ok());
  REQUIRE(removed->size() == 1);
  CHECK(removed->front().removed_by == "cli:ops");
  CHECK(removed->front().removed_at.has_value());
  CHECK(b.staff_certificates.staff_for({ca, "1000", sari_print}).error().code == ErrorCode::not_found);
  CHECK(b.staff_certificates.remove_sync("Sari Supervisor", "cli:ops").error().code == ErrorCode::not_found);
  // Removed again by id: who removed it first stays.
  auto again = b.staff_certificates.remove_sync(added->id, "someone-else");
  REQUIRE(again.ok());
  CHECK(again->front().removed_by == "cli:ops");
  // Once removed, the certificate may be mapped anew.
  sari.principal = {"Sari Supervisor", Role::reviewer, ""};
  REQUIRE(b.staff_certificates.add_sync(sari).ok());
  auto now_reviewer = b.staff_certificates.staff_for({ca, "1000", sari_print});
  REQUIRE(now_reviewer.ok());
  CHECK(now_reviewer->role == Role::reviewer);
  CHECK(b.staff_certificates.certificates()->size() == 3);
}

TEMPLATE_TEST_CASE("staff certificate contract: a mapping removed by another process or node is refused within the "
                   "cache's life", "[storage][contract][certificates]", SqliteBackend, PostgresBackend) {
  TestType b;
  StaffCertificate c;
  c.principal = {"ana", Role::reviewer, ""};
  c.issuer = "CN=Staff CA";
  c.serial = "abc";
  c.added_by = "cli:ops";
  REQUIRE(b.staff_certificates.add_sync(c).ok());
  REQUIRE(b.staff_certificates.staff_for({"CN=Staff CA", "abc", std::string(64, 'd')}).ok());  // now cached here
  REQUIRE(b.other_staff_certificates.remove_sync("ana", "cli:ops").ok());
  std::this_thread::sleep_for(storage::TokenRegistry::kTokenCacheTtl + std::chrono::milliseconds(100));
  CHECK(b.staff_certificates.staff_for({"CN=Staff CA", "abc", std::string(64, 'd')}).error().code ==
        ErrorCode::not_found);
}

TEMPLATE_TEST_CASE("ledger contract: recipients with sealed secrets, and every disclosure to them",
                   "[storage][contract][ledger]", SqliteBackend, PostgresBackend) {
  TestType b;
  auto make = [&](std::string name, std::string kind) {
    return wait_for<Result<Recipient>>([&](auto done) { b.disclosures.create_recipient({"", name, kind, "https://x.example/dsr", ""}, done); });
  };
  auto bssn = make("Biro SDM BSSN", "institution");
  auto police = make("Bareskrim", "law_enforcement");
  REQUIRE((bssn.ok() && police.ok()));
  CHECK(bssn->signing_secret.starts_with("whsec_"));
  CHECK(b.disclosures.recipient(bssn->id)->signing_secret == bssn->signing_secret);
  CHECK(b.disclosures.recipient("rcp-none").error().code == ErrorCode::not_found);
  auto friendly = make("X", "friend");
  REQUIRE_FALSE(friendly.ok());
  CHECK(friendly.error().message.find("is not one of institution") != std::string::npos);
  auto record = [&](Disclosure d) {
    return wait_for<Result<std::string>>([&](auto done) { b.disclosures.record(d, done); });
  };
  REQUIRE(record({"s-1", police->id, {"name", "nik"}, "court order 12/2025", test::at("2025-05-02T00:00:00Z"), "ams"}).ok());
  REQUIRE(record({"s-1", bssn->id, {"name", "email"}, "employment", test::at("2025-04-01T00:00:00Z"), "ams"}).ok());
  REQUIRE(record({"s-2", bssn->id, {"name"}, "employment", test::at("2025-06-01T00:00:00Z"), "ams"}).ok());
  CHECK(record({"s-1", "rcp-none", {"name"}, "x", test::at("2025-05-02T00:00:00Z"), "ams"}).error().code ==
        ErrorCode::conflict);
  auto entries = b.disclosures.for_subject("s-1");
  REQUIRE(entries.ok());
  REQUIRE(entries->size() == 2);
  CHECK((*entries)[0].recipient_name == "Biro SDM BSSN");  // oldest first
  CHECK((*entries)[1].recipient_kind == "law_enforcement");
  CHECK((*entries)[1].disclosure.categories == std::vector<std::string>{"name", "nik"});
  CHECK((*entries)[1].disclosure.legal_basis == "court order 12/2025");
  // An institution's own reads have one recipient, made once.
  auto first = wait_for<Result<std::string>>([&](auto done) { b.disclosures.institution_recipient("Kemenkeu", done); });
  auto again = wait_for<Result<std::string>>([&](auto done) { b.disclosures.institution_recipient("Kemenkeu", done); });
  REQUIRE((first.ok() && again.ok()));
  CHECK(*first == *again);
}

TEMPLATE_TEST_CASE("code contract: wrong attempts counted, expiry, lock-out, single use, resends limited",
                   "[storage][contract][codes]", SqliteBackend, PostgresBackend) {
  World<TestType> w;
  REQUIRE(test::submit(w.service).ok());
  REQUIRE(test::submit(w.service).ok());
  auto& codes = w.backend.codes;
  auto t0 = test::at("2025-03-03T02:15:00Z");
  auto issue = [&](std::string id, std::string code, int attempts) {
    return wait_for<Status>([&](auto done) { codes.issue(id, code, t0 + std::chrono::minutes(15), attempts, done); });
  };
  auto check = [&](std::string id, std::string code, TimePoint at) {
    auto v = wait_for<Result<CodeVerdict>>([&](auto done) { codes.check(id, code, at, done); });
    REQUIRE(v.ok());
    return *v;
  };
  REQUIRE(issue("r1", "482913", 5).ok());
  auto wrong = check("r1", "111111", t0);
  CHECK(wrong.result == CodeCheck::wrong);
  CHECK(wrong.attempts_left == 4);
  CHECK(check("r2", "482913", t0).result == CodeCheck::none);  // bound to its request
  CHECK(check("r1", "482913", t0 + std::chrono::minutes(16)).result == CodeCheck::expired);
  CHECK(check("r1", "482913", t0 + std::chrono::minutes(1)).result == CodeCheck::accepted);
  CHECK(check("r1", "482913", t0 + std::chrono::minutes(2)).result == CodeCheck::none);  // used up
  REQUIRE(issue("r2", "777777", 3).ok());
  CHECK(check("r2", "000000", t0).attempts_left == 2);
  CHECK(check("r2", "000001", t0).attempts_left == 1);
  CHECK(check("r2", "000002", t0).result == CodeCheck::locked);
  CHECK(check("r2", "777777", t0).result == CodeCheck::locked);  // even the right code, now
  // Resends: a new code with its message, up to the most allowed.
  auto resend = [&](std::string id) {
    return wait_for<Result<int>>([&](auto done) {
      codes.resend(id, "s-test", "123456", t0 + std::chrono::minutes(15), 5, 3, OutgoingMessage{"a@b.c", "email", "code", "id", id, "Kode", {}, "", ""}, done);
    });
  };
  CHECK(resend("r2").value() == 1);  // issued once, resent once: one left
  CHECK(check("r2", "123456", t0).result == CodeCheck::accepted);
  CHECK(resend("r2").error().kind == "no_code");  // used: nothing to resend
  REQUIRE(issue("r1", "482913", 5).ok());
  REQUIRE(resend("r1").ok());
  REQUIRE(resend("r1").ok());
  auto refused = resend("r1");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().kind == "code_limit");
  // Without a message (a request a verifier checks by hand: its code goes
  // nowhere), a resend is counted and limited alike, and queues nothing.
  REQUIRE(test::submit(w.service).ok());
  REQUIRE(issue("r3", "-482913", 5).ok());
  auto unsent = [&] {
    return wait_for<Result<int>>([&](auto done) {
      codes.resend("r3", "u-r3", "-123456", t0 + std::chrono::minutes(15), 5, 3, std::nullopt, done);
    });
  };
  CHECK(unsent().value() == 1);
  CHECK(check("r3", "123456", t0).result == CodeCheck::wrong);  // a guess fails as a wrong code
  CHECK(unsent().value() == 0);
  CHECK(unsent().error().kind == "code_limit");
  auto stats = w.backend.store.stats(w.clock.now());
  REQUIRE(stats.ok());
  CHECK(stats->outbox[{"subject_message", "pending"}] == 3);  // each resend's message, queued with it; none for r3
}

TEMPLATE_TEST_CASE("delivery contract: messages queued with their event go out oldest first, retried, then given up",
                   "[storage][contract][delivery]", SqliteBackend, PostgresBackend) {
  World<TestType> w;
  REQUIRE(test::submit(w.service).ok());
  auto message = [](std::string text) { return OutgoingMessage{"budi@example.go.id", "email", "status", "id", "r1", text, {}, "", ""}; };
  for (std::string text : {"first", "second"}) {
    RequestChange c = next_change(*w.backend.store.load("r1"), {});
    c.messages = {message(text)};
    REQUIRE(commit(w.backend.store, c).ok());
  }
  auto now = w.clock.now() + std::chrono::seconds(1);
  auto due = w.backend.outbox.due(now, 10);
  REQUIRE(due.ok());
  REQUIRE(due->size() == 2);
  CHECK((*due)[0].message.text == "first");
  CHECK((*due)[0].message.to == "budi@example.go.id");
  REQUIRE(w.backend.outbox.delivered({(*due)[0].id}).ok());
  REQUIRE(w.backend.outbox.attempt_failed((*due)[1].id, "503 from the gateway", now + std::chrono::minutes(5)).ok());
  CHECK(w.backend.outbox.due(now + std::chrono::minutes(1), 10)->empty());  // not yet
  auto retried = w.backend.outbox.due(now + std::chrono::minutes(6), 10);
  REQUIRE(retried->size() == 1);
  CHECK(retried->front().attempts == 1);
  REQUIRE(w.backend.outbox.attempt_failed(retried->front().id, "503 again", std::nullopt).ok());  // the last try
  CHECK(w.backend.outbox.due(now + std::chrono::hours(1), 10)->empty());
  auto stats = w.backend.store.stats(now);
  CHECK(stats->outbox[{"subject_message", "delivered"}] == 1);
  CHECK(stats->outbox[{"subject_message", "failed"}] == 1);
  CHECK(w.backend.outbox.pending_count().value() == 0);
}

TEMPLATE_TEST_CASE("delivery contract: a correction's notices go to each recipient, with the NIK, and are acknowledged",
                   "[storage][contract][delivery]", SqliteBackend, PostgresBackend) {
  World<TestType> w;
  auto ref = test::put(w.backend.vault, budi());
  auto recipient = wait_for<Result<Recipient>>([&](auto done) {
    w.backend.disclosures.create_recipient({"", "Biro SDM", "institution", "https://sdm.example/dsr", ""}, done);
  });
  REQUIRE(recipient.ok());
  REQUIRE(wait_for<Result<std::string>>([&](auto done) {
    w.backend.disclosures.record({*ref, recipient->id, {"email"}, "employment", w.clock.now(), "ams"}, done);
  }).ok());
  REQUIRE(test::submit(w.service, "rectification", "id-pdp", *ref).ok());
  Fulfilment corrected;
  corrected.corrections = {{"email", "budi@bssn.go.id"}};
  corrected.notify_recipients = true;
  corrected.changes_json = R"([{"field":"email"}])";
  REQUIRE(commit(w.backend.store, next_change(*w.backend.store.load("r1"), corrected)).ok());
  auto listed = w.backend.notices.for_request("r1");
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 1);
  CHECK(listed->front().recipient_name == "Biro SDM");
  CHECK(listed->front().status == NotificationStatus::pending);
  auto due = w.backend.notices.due(w.clock.now() + std::chrono::seconds(1), 10);
  REQUIRE(due.ok());
  REQUIRE(due->size() == 1);
  CHECK(due->front().nik == budi().nik);  // the NIK the recipient knows, as it was before the correction
  CHECK(due->front().changes_json == R"([{"field":"email"}])");
  CHECK(due->front().signing_secret == recipient->signing_secret);
  CHECK(due->front().request_type == "rectification");
  const std::string id = due->front().notification.id;
  REQUIRE(w.backend.notices.delivered(id, w.clock.now()).ok());
  std::promise<Status> acked;
  w.backend.notices.acknowledge(id, w.clock.now(), [&](Status st) { acked.set_value(st); });
  REQUIRE(acked.get_future().get().ok());
  CHECK(w.backend.notices.find(id)->status == NotificationStatus::acknowledged);
  CHECK(w.backend.notices.counts()->at("acknowledged") == 1);
  std::promise<Status> unknown;
  w.backend.notices.acknowledge("n-none", w.clock.now(), [&](Status st) { unknown.set_value(st); });
  CHECK(unknown.get_future().get().error().code == ErrorCode::not_found);
}

TEST_CASE("postgres delivery: a message claimed by one node is not sent by another until the claim lapses",
          "[storage][postgres][delivery]") {
  World<PostgresBackend> w;
  auto& b = w.backend;
  auto& service = w.service;
  auto& clock = w.clock;
  REQUIRE(test::submit(service).ok());
  RequestChange c = next_change(*b.store.load("r1"), {});
  c.messages = {OutgoingMessage{"budi@example.go.id", "email", "status", "id", "r1", "hello", {}, "", ""}};
  REQUIRE(commit(b.store, c).ok());
  storage::pg::PgOutbox node_a(b.pool, b.keys, {"node-a", std::chrono::seconds(30)});
  storage::pg::PgOutbox node_b(b.pool, b.keys, {"node-b", std::chrono::seconds(30)});
  auto now = clock.now() + std::chrono::seconds(1);
  CHECK(node_a.due(now, 10)->size() == 1);
  CHECK(node_b.due(now, 10)->empty());  // node-a is sending it
  CHECK(node_b.due(now + std::chrono::seconds(10), 10)->empty());
  // node-a asks again without having recorded it (the answer to its claim
  // was lost in a failover): its own stale claim is its to take up at once.
  CHECK(node_a.due(now + std::chrono::seconds(2), 10)->size() == 1);
  CHECK(node_b.due(now + std::chrono::seconds(2), 10)->empty());
  // node-a died mid-send: after its claim lapses, node-b sends it (at least once).
  auto taken = node_b.due(now + std::chrono::seconds(33), 10);
  REQUIRE(taken->size() == 1);
  REQUIRE(node_b.delivered({taken->front().id}).ok());
  CHECK(node_a.due(now + std::chrono::hours(1), 10)->empty());
}

TEMPLATE_TEST_CASE("audit log contract: checkpoints, proofs of inclusion and consistency, tiles, and the audit",
                   "[storage][contract][audit-log]", SqliteBackend, PostgresBackend) {
  World<TestType> w;
  test::TempDir keys;
  auto key = storage::LogKey::load(keys.file("log.key"), "bsre.test/dsr-log", true);
  REQUIRE(key.ok());
  REQUIRE(w.backend.remember(*key).ok());
  w.backend.audit_log.set_key(&*key);
  for (int i = 0; i < 3; ++i) REQUIRE(test::submit(w.service).ok());
  w.backend.sequence();
  REQUIRE(w.backend.sign(*key).value() == 3);
  CHECK_FALSE(w.backend.sign(*key).value().has_value());  // nothing new: no second checkpoint
  REQUIRE(test::fire(w.service, "r2", "verify", actor(Role::subject, "subject"), 1).ok());
  REQUIRE(test::submit(w.service).ok());
  w.backend.sequence();
  REQUIRE(w.backend.sign(*key).value() == 5);
  auto three = storage::open_checkpoint(w.backend.audit_log.checkpoint(3).value(), key->verifier_key());
  auto five = storage::open_checkpoint(w.backend.audit_log.latest_checkpoint().value(), key->verifier_key());
  REQUIRE((three.ok() && five.ok()));
  CHECK(w.backend.audit_log.checkpoint(4).error().code == ErrorCode::not_found);
  // The consistency proof from 3 to 5 verifies against the two signed roots.
  auto proof = w.backend.audit_log.consistency(3, 5);
  REQUIRE(proof.ok());
  std::vector<merkle::Hash> hashes;
  for (const auto& b64 : *proof) {
    auto bytes = storage::from_base64(b64);
    REQUIRE(bytes.has_value());
    merkle::Hash h{};
    std::copy(bytes->begin(), bytes->end(), h.begin());
    hashes.push_back(h);
  }
  CHECK(merkle::verify_consistency(3, 5, three->root, five->root, hashes));
  CHECK(w.backend.audit_log.consistency(4, 9).error().code == ErrorCode::invalid_argument);
  // The leaves, whose hashes the level-0 tile holds, in order.
  auto leaves = w.backend.audit_log.entries(0, 5);
  REQUIRE(leaves.ok());
  REQUIRE(leaves->size() == 5);
  auto tile = w.backend.audit_log.tile(0, 0, 5);
  REQUIRE(tile.ok());
  REQUIRE(tile->size() == 5 * 32);
  for (std::size_t i = 0; i < 5; ++i) {
    merkle::Hash h = merkle::leaf_hash(storage::as_bytes((*leaves)[i]));
    CHECK(std::equal(h.begin(), h.end(), reinterpret_cast<const unsigned char*>(tile->data()) + 32 * i));
  }
  CHECK(w.backend.audit_log.tile(0, 0, 6).error().code == ErrorCode::not_found);
  // A request's proofs, at a checkpoint that covers every event of it.
  auto proofs = wait_for<Result<RequestLogProofs>>([&](auto done) { w.backend.audit_log.proofs_for("r2", done); });
  REQUIRE(proofs.ok());
  REQUIRE(proofs->entries.size() == 2);
  for (const auto& e : proofs->entries) CHECK(e.proof.ends_with(proofs->checkpoint));
  auto verdict = w.backend.audit();
  CHECK(verdict.ok);
  CHECK(verdict.events == 5);
  CHECK(verdict.checkpoints == 2);
}

TEMPLATE_TEST_CASE("audit log contract: an edited event and a log cut back below a checkpoint are named",
                   "[storage][contract][audit-log][tamper]", SqliteBackend, PostgresBackend) {
  World<TestType> w;
  test::TempDir keys;
  auto key = storage::LogKey::load(keys.file("log.key"), "bsre.test/dsr-log", true);
  REQUIRE(w.backend.remember(*key).ok());
  for (int i = 0; i < 3; ++i) REQUIRE(test::submit(w.service).ok());
  REQUIRE(commit(w.backend.store, next_change(*w.backend.store.load("r1"), {}, "checked by phone")).ok());
  w.backend.sequence();
  REQUIRE(w.backend.sign(*key).ok());
  SECTION("an edited reason") {
    w.backend.tamper("UPDATE journal SET reason = 'approved by the director' WHERE seq = 4");
    auto v = w.backend.audit();
    CHECK_FALSE(v.ok);
    CHECK(v.first_bad_event == 4);
    CHECK(v.problem.find("does not match") != std::string::npos);
  }
  SECTION("the last event cut, its request set back to match") {
    w.backend.tamper("DELETE FROM journal WHERE seq = 4; UPDATE requests SET version = 1 WHERE id = 'r1'");
    auto v = w.backend.audit();
    CHECK_FALSE(v.ok);
    CHECK(v.first_bad_checkpoint == 4);
    CHECK(v.problem.find("removed from the end") != std::string::npos);
  }
  SECTION("another log key") {
    auto other = storage::LogKey::load(keys.file("other.key"), "bsre.test/dsr-log", true);
    CHECK(w.backend.remember(*other).error().code == ErrorCode::conflict);
  }
}

TEMPLATE_TEST_CASE("audit log contract: a rotated log key is kept as retired, and what it signed still verifies",
                   "[storage][contract][audit-log][keys]", SqliteBackend, PostgresBackend) {
  World<TestType> w;
  test::TempDir keys;
  const std::string origin = "bsre.test/dsr-log";
  auto old_key = storage::LogKey::load(keys.file("log.key"), origin, true);
  auto new_key = storage::LogKey::load(keys.file("log.key.next"), origin, true);  // as --prepare leaves it
  REQUIRE((old_key.ok() && new_key.ok()));
  REQUIRE(w.backend.remember(*old_key).ok());
  // A server's key files: log.key, and log.key.next once the rotation is announced.
  auto files = storage::LogKeyFiles::open(keys.file("log.key"), origin, false, old_key->verifier_key());
  REQUIRE(files.ok());
  w.backend.audit_log.set_key(files->get());
  for (int i = 0; i < 3; ++i) REQUIRE(test::submit(w.service).ok());
  w.backend.sequence();
  REQUIRE(w.backend.sign(**files).value() == 3);
  std::string before = w.backend.audit_log.latest_checkpoint().value();

  // The rotation: the successor in force, the old key retired with its handover.
  auto at = w.backend.now_checkpoint(origin);
  REQUIRE(at.ok());
  CHECK(at->size == 3);
  storage::LogKeyRotation rotation{old_key->verifier_key(), new_key->verifier_key(),
                                   storage::handover_note(*at, *old_key, *new_key), TimePoint{std::chrono::seconds{1793491200}}};
  REQUIRE(w.backend.rotate_log(rotation).ok());
  CHECK(w.backend.rotate_log(rotation).error().code == ErrorCode::conflict);  // the old key is no longer in force
  auto listed = w.backend.audit_log.keys();
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 2);
  CHECK((*listed)[0].verifier_key == new_key->verifier_key());
  CHECK_FALSE((*listed)[0].retired_at.has_value());
  CHECK((*listed)[1].verifier_key == old_key->verifier_key());
  CHECK((*listed)[1].key_id == old_key->key_id());
  CHECK((*listed)[1].retired_at == TimePoint{std::chrono::seconds{1793491200}});
  CHECK_FALSE(storage::handover_chain_problem(*listed).has_value());
  CHECK(w.backend.audit_log.verifier_key().value() == new_key->verifier_key());
  // The retired key is refused to a node that starts with it, saying why.
  auto refused = w.backend.remember(*old_key);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message.find("retired") != std::string::npos);

  // New checkpoints: never by the retired key; the server's files find the new one.
  REQUIRE(test::submit(w.service).ok());
  w.backend.sequence();
  CHECK(w.backend.sign(*old_key).error().code == ErrorCode::conflict);
  REQUIRE(w.backend.sign(**files).value() == 4);
  CHECK((*files)->held()->verifier_key() == new_key->verifier_key());
  std::string after = w.backend.audit_log.latest_checkpoint().value();
  CHECK(storage::open_checkpoint(after, new_key->verifier_key()).ok());
  CHECK_FALSE(storage::open_checkpoint(after, old_key->verifier_key()).ok());
  // The one before verifies with the retired key, the one its signature names.
  auto opened = storage::open_checkpoint_among(before, storage::verifier_keys(*listed));
  REQUIRE(opened.ok());
  CHECK(opened->verifier_key == old_key->verifier_key());
  CHECK(opened->checkpoint.size == 3);
  CHECK_FALSE(storage::open_checkpoint(before, new_key->verifier_key()).ok());
  // The audit checks each checkpoint with its key, and the handover.
  auto verdict = w.backend.audit();
  CHECK(verdict.ok);
  CHECK(verdict.checkpoints == 2);
  // A package's proofs carry the key that signed their checkpoint.
  auto proofs = wait_for<Result<RequestLogProofs>>([&](auto done) { w.backend.audit_log.proofs_for("r4", done); });
  REQUIRE(proofs.ok());
  CHECK(proofs->verifier_key == new_key->verifier_key());

  SECTION("a handover replaced by one the old key did not sign is named") {
    auto forger = storage::LogKey::load(keys.file("forger.key"), origin, true);
    std::string forged = storage::handover_note(*at, *forger, *new_key);
    w.backend.tamper("UPDATE retired_log_keys SET handover = '" + forged + "'");
    auto v = w.backend.audit();
    CHECK_FALSE(v.ok);
    CHECK(v.problem.find("handover") != std::string::npos);
  }
}

TEST_CASE("postgres: a node started with another master key is refused, and every node signs with one package key",
          "[storage][postgres][keys]") {
  PostgresBackend b;
  auto other = storage::pg::Backend::open(b.pg.conninfo(), test::test_key(8));
  REQUIRE_FALSE(other.ok());
  CHECK(other.error().code == ErrorCode::forbidden);
  CHECK(other.error().message.find("--key-file") != std::string::npos);
  auto second = storage::pg::Backend::open(b.pg.conninfo(), test::test_key());  // another node, the same key
  REQUIRE(second.ok());
  auto first_signer = storage::pg::open_signer(*b.opened);
  auto second_signer = storage::pg::open_signer(**second);
  REQUIRE((first_signer.ok() && second_signer.ok()));
  CHECK((*first_signer)->public_key() == (*second_signer)->public_key());
  std::string signature = (*second_signer)->sign("package");
  CHECK(storage::verify_signature("package", signature, (*first_signer)->public_key()));
}

TEMPLATE_TEST_CASE("retention contract: a sweep removes what each rule says has served its purpose, and only that",
                   "[storage][contract][retention]", SqliteBackend, PostgresBackend) {
  using namespace std::chrono_literals;
  TestType b;
  const std::int64_t t0 = 1793491200;  // 1 November 2026 00:00 UTC
  const TimePoint day8 = TimePoint{std::chrono::seconds{t0}} + 24h * 8;
  const TimePoint day366 = TimePoint{std::chrono::seconds{t0}} + 24h * 366;
  auto x = [](const std::string& hex) { return TestType::blob(hex); };
  // Rows as dsr writes them, the ones a sweep reads, with times around t0.
  b.tamper(
      "INSERT INTO subjects (ref, nik_index, wrapped_key, record, legal_hold, updated_at) VALUES "
      "('s-done', " + x("01") + ", " + x("aa") + ", " + x("bb") + ", FALSE, 1793491200), "  // every request closed on day 0
      "('s-open', " + x("02") + ", " + x("aa") + ", " + x("bb") + ", FALSE, 1793491200), "  // one request still open
      "('s-held', " + x("03") + ", " + x("aa") + ", " + x("bb") + ", TRUE, 1793491200), "   // closed, under legal hold
      "('s-restricted', " + x("05") + ", " + x("aa") + ", " + x("bb") + ", FALSE, 1793491200), "  // closed, restricted
      "('s-none', " + x("04") + ", " + x("aa") + ", " + x("bb") + ", FALSE, 1793491200); "  // never asked anything
      "INSERT INTO requests (id, type, policy, subject_ref, state, version, received_at, due_at, updated_at, closed_at) VALUES "
      "('r-done', 'access', 'id-pdp', 's-done', 'completed', 4, 1793491200, 1793750400, 1793491200, 1793491200), "
      "('r-open-closed', 'access', 'id-pdp', 's-open', 'rejected', 2, 1793491200, 1793750400, 1793491200, 1793491200), "
      "('r-open', 'access', 'id-pdp', 's-open', 'in_review', 2, 1793491200, 1793750400, 1793491200, NULL), "
      "('r-held', 'access', 'id-pdp', 's-held', 'completed', 4, 1793491200, 1793750400, 1793491200, 1793491200), "
      "('r-restricted', 'restriction', 'id-pdp', 's-restricted', 'completed', 4, 1793491200, 1793750400, 1793491200, 1793491200); "
      "INSERT INTO restrictions (subject_ref, request_id, since, categories) VALUES "
      "('s-restricted', 'r-restricted', 1793491200, '[]'); "
      "INSERT INTO request_details (request_id, sealed) VALUES ('r-done', " + x("cc") + "), ('r-open', " + x("cc") + "); "
      "INSERT INTO request_messages (request_id, request_seq, author, role, sealed, at) VALUES "
      "('r-done', 2, 'budi', 'subject', " + x("dd") + ", 1793491200); "
      "INSERT INTO verification_codes (request_id, code_hash, expires_at, attempts_left, created_at) VALUES "
      "('r-done', " + x("ee") + ", 1793492100, 5, 1793491200), "
      "('r-open-closed', " + x("ee") + ", 1793492100, 5, 1793491200), "
      "('r-open', " + x("ee") + ", 9999999999, 5, 1793491200); "  // open and still valid: kept
      "INSERT INTO recipients (id, name, kind, webhook_url, signing_secret, created_at) VALUES "
      "('rc-1', 'Biro SDM', 'institution', 'https://sdm.example.go.id/hook', " + x("ff") + ", 1793491200); "
      "INSERT INTO outbox (id, kind, request_id, subject_ref, recipient_id, payload, status, next_attempt_at, created_at, "
      "updated_at, delivered_at, acknowledged_at) VALUES "
      "('m-sent', 'subject_message', 'r-done', 's-done', NULL, " + x("0102") + ", 'delivered', 0, 1793491200, 1793491200, 1793491200, NULL), "
      "('m-pending', 'subject_message', 'r-open', 's-open', NULL, " + x("0102") + ", 'pending', 0, 1793491200, 1793491200, NULL, NULL), "
      "('n-acked', 'recipient_notification', 'r-held', NULL, 'rc-1', " + x("0102") + ", 'acknowledged', 0, 1793491200, 1793491200, 1793491200, 1793491200), "
      "('n-waiting', 'recipient_notification', 'r-held', NULL, 'rc-1', " + x("0102") + ", 'delivered', 0, 1793491200, 1793491200, 1793491200, NULL), "
      "('n-dead', 'recipient_notification', 'r-held', NULL, 'rc-1', " + x("0102") + ", 'failed', 0, 1793491200, 1793491200, NULL, NULL); "
      "INSERT INTO idempotency_keys (key_hash, body_hash, status, response, created_at) VALUES "
      "(" + x("11") + ", " + x("22") + ", 201, " + x("33") + ", 1793491200), "
      "(" + x("12") + ", " + x("22") + ", 201, " + x("33") + ", 1796083200);");
  const RetentionRules& rules = test::shipped_policies().policy("id-pdp")->retention;
  REQUIRE(rules.verification_codes == std::chrono::days(7));
  REQUIRE(rules.subject_record == std::chrono::days(365));

  // A week and a day on: codes, delivered payloads and old answers go; the
  // records stay (they are kept a year).
  auto first = b.sweep(rules, day8);
  REQUIRE(first.ok());
  CHECK(first->verification_codes == 2);
  CHECK(b.count("SELECT COUNT(*) FROM verification_codes WHERE request_id = 'r-open'") == 1);
  CHECK(first->message_payloads == 2);  // the delivered message and the acknowledged notice
  CHECK(b.count("SELECT COUNT(*) FROM outbox WHERE length(payload) = 0 AND id IN ('m-sent', 'n-acked')") == 2);
  CHECK(b.count("SELECT COUNT(*) FROM outbox") == 5);  // the rows stay, with their status
  CHECK(first->idempotency_answers == 1);
  CHECK(first->subjects_shredded.empty());
  CHECK(b.count("SELECT COUNT(*) FROM retention_sweeps") == 1);

  // Again: nothing more to remove, and nothing recorded.
  auto again = b.sweep(rules, day8);
  REQUIRE(again.ok());
  CHECK_FALSE(again->removed_anything());
  CHECK(b.count("SELECT COUNT(*) FROM retention_sweeps") == 1);

  // A year on: the record whose requests all closed is shredded with its
  // forms and correspondence; one with an open request, one under legal
  // hold, one under a restriction (kept, not processed: UU PDP Pasal 41)
  // and one that never asked anything stay.
  auto later = b.sweep(rules, day366);
  REQUIRE(later.ok());
  CHECK(later->subjects_shredded == std::vector<std::string>{"s-done"});
  CHECK(later->subjects_on_hold == 2);
  CHECK(b.count("SELECT COUNT(*) FROM subjects WHERE ref IN ('s-held', 's-none', 's-open', 's-restricted')") == 4);
  CHECK(b.count("SELECT COUNT(*) FROM subjects") == 4);
  CHECK(b.count("SELECT COUNT(*) FROM request_details WHERE request_id = 'r-done'") == 0);
  CHECK(b.count("SELECT COUNT(*) FROM request_messages WHERE request_id = 'r-done'") == 0);
  CHECK(b.count("SELECT COUNT(*) FROM request_details WHERE request_id = 'r-open'") == 1);
  CHECK(b.count("SELECT COUNT(*) FROM requests") == 5);  // the requests themselves are the record of processing
  // The record of the sweep: counts and references, no personal data.
  CHECK(b.count("SELECT COUNT(*) FROM retention_sweeps WHERE subjects_shredded = '[\"s-done\"]' AND subjects_on_hold = 2") == 1);
}

TEMPLATE_TEST_CASE("receipt contract: filings owe their receipts in log order until handled, and a refused one is queued",
                   "[storage][contract][receipts]", SqliteBackend, PostgresBackend) {
  World<TestType> w;
  SubjectNotices notices{test::shipped_messages(), test::shipped_policies(), w.backend.vault, w.backend.store};
  int next = 0;
  RequestService service{test::shipped_workflows(), test::shipped_policies(), w.backend.store, w.clock,
                         [&] { return "r" + std::to_string(++next); }, {&notices, nullptr}};
  // Receipts go to the address on record only (a subject not on file is
  // written to once a verifier has checked them): each filer is on file.
  auto file = [&](const std::string& email, std::string type) {
    std::string ref = test::on_file(w.backend.vault, email);
    Filing filing;
    filing.details_json = R"({"contact_given":{"email":")" + email + R"("},"locale":"en"})";
    auto r = wait_for<Result<Request>>([&](auto done) {
      service.submit({std::move(type), "id-pdp", ref, {"subject", Role::subject}, filing, {}}, done);
    });
    REQUIRE(r.ok());
    return *r;
  };
  Request r1 = file("ani@example.org", "access");
  file("budi@example.org", "erasure");
  file("citra@example.org", "access");
  w.backend.sequence();
  auto owed = w.backend.receipts.owed(10);
  REQUIRE(owed.ok());
  REQUIRE(owed->size() == 3);
  CHECK((*owed)[0].request.id == "r1");
  CHECK((*owed)[1].request.type == "erasure");
  CHECK((*owed)[1].details_json.find("budi@example.org") != std::string::npos);  // opened from its sealed row
  CHECK((*owed)[2].request.id == "r3");
  // The first refused by the gateway: queued with its attempt counted.
  auto m1 = service.receipt((*owed)[0].request, (*owed)[0].received_at, (*owed)[0].details_json);
  REQUIRE(m1.ok());
  REQUIRE(*m1);
  TimePoint retry_at = r1.received_at + std::chrono::minutes(1);
  REQUIRE(w.backend.receipts.handled((*owed)[1].position, {{(*owed)[0].request, **m1, {r1.received_at, "gateway said 503", retry_at}}}).ok());
  auto left = w.backend.receipts.owed(10);
  REQUIRE(left->size() == 1);
  CHECK(left->front().request.id == "r3");
  // The mark never moves back.
  REQUIRE(w.backend.receipts.handled((*owed)[0].position, {}).ok());
  CHECK(w.backend.receipts.owed(10)->size() == 1);
  CHECK(w.backend.store.stats(w.clock.now())->receipts_owed == 1);
  CHECK(w.backend.outbox.due(retry_at - std::chrono::seconds(1), 10)->empty());  // not before its retry
  auto due = w.backend.outbox.due(retry_at, 10);
  REQUIRE(due->size() == 1);
  CHECK(due->front().attempts == 1);
  CHECK(due->front().message.to == "ani@example.org");
  CHECK(due->front().created_at == r1.received_at);  // the horizon counts from the filing
}

TEST_CASE("postgres: a pg_dump holds no NIK, NIP, e-mail, phone or name of a subject, before or after erasure",
          "[storage][postgres][vault][erasure]") {
  World<PostgresBackend> w;
  auto& b = w.backend;
  auto& service = w.service;
  auto& clock = w.clock;
  const SubjectRecord subject = budi();
  auto ref = test::put(b.vault, subject);
  REQUIRE(ref.ok());
  REQUIRE(test::put(b.vault, sari()).ok());
  Filing filing;
  filing.details_json = R"({"contact_given":{"email":")" + subject.email + R"(","phone":")" + subject.phone + R"("}})";
  filing.tracking_token = "trk_r1.secret";
  REQUIRE(wait_for<Result<Request>>([&](auto done) {
    service.submit({"erasure", "id-pdp", *ref, {"subject", Role::subject}, filing, {}}, done);
  }).ok());
  RequestChange note = next_change(*b.store.load("r1"), {}, "called back by phone");
  note.correspondence = Correspondence{"budi", Role::subject, "Saya " + subject.name + ", NIK " + subject.nik, clock.now()};
  REQUIRE(commit(b.store, note).ok());
  const std::vector<std::string> secrets{subject.name, subject.nik, subject.nip, subject.email, subject.phone,
                                         sari().name, sari().nik, sari().email};
  std::string before = test::pg_dump(b.pg.conninfo());
  for (const auto& secret : secrets) {
    INFO("before erasure: " << secret);
    CHECK(before.find(secret) == std::string::npos);
  }
  Fulfilment erase;
  erase.erase_subject = true;
  REQUIRE(commit(b.store, next_change(*b.store.load("r1"), erase, "erased as asked")).ok());
  std::string after = test::pg_dump(b.pg.conninfo());
  for (const auto& secret : secrets) {
    INFO("after erasure: " << secret);
    CHECK(after.find(secret) == std::string::npos);
  }
}

TEST_CASE("postgres: a commit returns at once and completes on the backend's threads, not the caller's",
          "[storage][postgres][store]") {
  World<PostgresBackend> w;
  auto& b = w.backend;
  auto& service = w.service;
  REQUIRE(test::submit(service).ok());
  std::promise<std::thread::id> completed_on;
  b.store.commit(next_change(*b.store.load("r1"), {}), [&](Status st) {
    REQUIRE(st.ok());
    completed_on.set_value(std::this_thread::get_id());
  });
  // An API thread is free again here, while PostgreSQL commits.
  CHECK(completed_on.get_future().get() != std::this_thread::get_id());
  CHECK(b.store.load("r1")->version == 2);
}

TEMPLATE_TEST_CASE("delivery contract: the outbox worker sends each receipt once, and retries one the sink refused",
                   "[storage][contract][delivery][receipts]", SqliteBackend, PostgresBackend) {
  using namespace std::chrono_literals;
  World<TestType> w;
  SubjectNotices notices{test::shipped_messages(), test::shipped_policies(), w.backend.vault, w.backend.store};
  std::atomic<int> next{0};
  RequestService service{test::shipped_workflows(), test::shipped_policies(), w.backend.store, w.clock,
                         [&] { return "r" + std::to_string(++next); }, {&notices, nullptr}};
  auto file = [&](const std::string& email) {
    Filing filing;
    filing.details_json = R"({"contact_given":{"email":")" + email + R"("},"locale":"en"})";
    REQUIRE(wait_for<Result<Request>>([&](auto done) {
      service.submit({"access", "id-pdp", test::on_file(w.backend.vault, email), {"subject", Role::subject}, filing, {}},
                     done);
    }).ok());
  };
  test::RecordingSink sink;
  RetrySchedule retries{1s, 1s, 1h};
  [[maybe_unused]] auto sequencing = w.backend.keep_sequencing();  // for as long as the test runs
  {
    app::OutboxWorker worker(w.backend.outbox, {w.backend.receipts, service}, sink, w.clock, retries);
    file("ani@example.org");
    file("budi@example.org");
    REQUIRE(test::eventually([&] { return sink.sent().size() == 2; }));
    CHECK(sink.sent()[0].to == "ani@example.org");
    CHECK(sink.sent()[1].template_name == "request_received");
    sink.set_down(true);
    file("citra@example.org");
    REQUIRE(test::eventually([&] { return w.backend.receipts.owed(10)->empty() && *w.backend.outbox.pending_count() == 1; }));
    sink.set_down(false);
    REQUIRE(test::eventually([&] { return sink.sent().size() == 3; }));  // moved to the outbox, and retried from there
    CHECK(sink.sent()[2].to == "citra@example.org");
    REQUIRE(test::eventually([&] { return *w.backend.outbox.pending_count() == 0; }));
  }
  // A restart sends nothing again.
  app::OutboxWorker restarted(w.backend.outbox, {w.backend.receipts, service}, sink, w.clock, retries);
  std::this_thread::sleep_for(500ms);
  CHECK(sink.sent().size() == 3);
}

// A vault that cannot be read while `away` is set, as during a failover.
class AwayVault final : public SubjectVault {
 public:
  explicit AwayVault(SubjectVault& vault) : vault_(vault) {}
  std::atomic<bool> away{false};
  void put(SubjectRecord record, RefDone done) override { vault_.put(std::move(record), std::move(done)); }
  Result<SubjectRecord> get(std::string_view ref) const override {
    if (away) return fail(Error::unavailable("the database is away"));
    return vault_.get(ref);
  }
  Result<std::optional<std::string>> find_by_nik(std::string_view nik) const override { return vault_.find_by_nik(nik); }
  Result<std::optional<std::string>> find_by_email(std::string_view email) const override {
    return vault_.find_by_email(email);
  }
  void erase(std::string ref, Done done) override { vault_.erase(std::move(ref), std::move(done)); }
  void set_legal_hold(std::string ref, LegalHold hold, Done done) override {
    vault_.set_legal_hold(std::move(ref), std::move(hold), std::move(done));
  }
  Result<std::optional<Restriction>> restriction(std::string_view ref) const override { return vault_.restriction(ref); }
  Result<std::vector<std::string>> find_by_organization(std::string_view organization) const override {
    return vault_.find_by_organization(organization);
  }

 private:
  SubjectVault& vault_;
};

TEMPLATE_TEST_CASE("delivery contract: a receipt whose address cannot be looked up now is sent later, not skipped",
                   "[storage][contract][delivery][receipts]", SqliteBackend, PostgresBackend) {
  using namespace std::chrono_literals;
  World<TestType> w;
  AwayVault vault(w.backend.vault);
  SubjectNotices notices{test::shipped_messages(), test::shipped_policies(), vault, w.backend.store};
  RequestService service{test::shipped_workflows(), test::shipped_policies(), w.backend.store, w.clock,
                         [] { return std::string("r1"); }, {&notices, nullptr}};
  const std::string ani = test::on_file(w.backend.vault, "ani@example.org");
  Filing filing;
  filing.details_json = R"({"contact_given":{"email":"ani@example.org"},"locale":"en"})";
  REQUIRE(wait_for<Result<Request>>([&](auto done) {
    service.submit({"access", "id-pdp", ani, {"subject", Role::subject}, filing, {}}, done);
  }).ok());
  w.backend.sequence();
  test::RecordingSink sink;
  vault.away = true;
  {
    app::OutboxWorker worker(w.backend.outbox, {w.backend.receipts, service}, sink, w.clock, {1s, 1s, 1h});
    std::this_thread::sleep_for(500ms);
    CHECK(sink.sent().empty());
    CHECK(w.backend.receipts.owed(10)->size() == 1);  // still owed: not marked sent
    vault.away = false;
    REQUIRE(test::eventually([&] { return sink.sent().size() == 1; }));
    CHECK(sink.sent()[0].to == "ani@example.org");
  }
  // And an event whose message cannot be composed now is refused, not
  // committed without it.
  vault.away = true;
  auto approved = wait_for<Result<Request>>([&](auto done) {
    service.fire("r1", {"verify_manually", {"vera", Role::verifier}, "", 1, {}, {}}, done);
  });
  CHECK(approved.ok());  // verify_manually tells the subject nothing
  auto rejected = wait_for<Result<Request>>([&](auto done) {
    service.fire("r1", {"reject", {"rita", Role::reviewer}, "not BSrE's data", 2, {}, {}}, done);
  });
  REQUIRE_FALSE(rejected.ok());
  CHECK(rejected.error().code == ErrorCode::unavailable);
  CHECK(w.backend.store.load("r1")->state == "in_review");
}

TEST_CASE("postgres sequencer: entries from many connections, long and short transactions interleaved, "
          "each sequenced exactly once",
          "[storage][postgres][sequencer]") {
  World<PostgresBackend> w;
  auto& b = w.backend;
  auto& service = w.service;
  std::atomic<bool> filing{true};
  // A long transaction that has written a journal entry and stays open
  // while others commit after it: its entry must not be passed over.
  std::promise<void> long_started;
  std::thread long_writer([&] {
    auto c = storage::pg::Connection::open(b.pg.conninfo());
    REQUIRE(c.ok());
    REQUIRE((*c)->run_script("BEGIN").ok());
    REQUIRE((*c)->exec("INSERT INTO requests (id, type, policy, subject_ref, state, version, received_at, updated_at) "
                       "VALUES ('long', 'access', 'id-pdp', 's-test', 'verifying', 1, 0, 0)").ok());
    Event e;
    e.sequence = 1;
    e.name = "submit";
    e.actor = actor(Role::subject, "subject");
    e.to_state = "verifying";
    auto leaf = storage::make_audit_leaf("long", e);
    REQUIRE((*c)->exec("INSERT INTO journal (request_id, request_seq, name, principal, role, at, reason, reason_public, "
                       "from_state, to_state, clock, outcome, data, salt, leaf_hash) VALUES ('long', 1, 'submit', "
                       "'subject', 'subject', 0, '', false, '', 'verifying', 'none', '', $1, $2, $3)",
                       {storage::encode_event_data({}), leaf.salt, storage::Bytes(leaf.hash.begin(), leaf.hash.end())})
                .ok());
    long_started.set_value();
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    REQUIRE((*c)->run_script("COMMIT").ok());
  });
  long_started.get_future().wait();
  std::vector<std::thread> filers;
  std::atomic<int> filed{0};
  for (int t = 0; t < 6; ++t)
    filers.emplace_back([&] {
      while (filing) {
        if (test::submit(service).ok()) ++filed;
      }
    });
  // The sequencer runs all along, as a node's background duty does.
  std::atomic<std::size_t> sequenced{0};
  std::thread sequencer([&] {
    storage::pg::Sequencer s(b.pool, "test");  // the owner b.sequence() drains as, below
    while (filing) {
      auto n = s.run_once(50);
      REQUIRE(n.ok());
      sequenced += *n;
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  filing = false;
  for (auto& t : filers) t.join();
  sequencer.join();
  long_writer.join();
  b.sequence();
  CHECK(filed > 50);
  auto v = b.verify();
  CHECK(v.ok);
  CHECK(v.events == filed + 1);  // every filing, and the long transaction's entry
}

TEST_CASE("postgres sequencer: one node holds the lease, and another takes over when it lapses",
          "[storage][postgres][sequencer]") {
  World<PostgresBackend> w;
  auto& b = w.backend;
  auto& service = w.service;
  REQUIRE(test::submit(service).ok());
  b.sequence("node-a");  // node-a holds the lease (for 10 s) from now on
  REQUIRE(test::submit(service).ok());
  storage::pg::Sequencer other(b.pool, "node-b", std::chrono::seconds(1));
  CHECK(other.run_once().value() == 0);
  CHECK(b.unsequenced() == 1);
  // node-a stops (its process died): its lease lapses, node-b takes over.
  REQUIRE(b.pool.with([](storage::pg::Connection& c) {
    return c.exec("UPDATE leases SET expires_at = now() - interval '1 second' WHERE name = 'sequencer'");
  }).ok());
  b.sequence("node-b");
  auto holder = b.pool.with([](storage::pg::Connection& c) { return c.exec("SELECT owner FROM leases"); });
  CHECK(holder->text(0, 0) == "node-b");
  CHECK(b.verify().events == 2);
}

TEST_CASE("postgres: one node at a time sends the receipts, and another takes over once its lease lapsed",
          "[storage][postgres][receipts]") {
  World<PostgresBackend> w;
  auto& b = w.backend;
  REQUIRE(test::submit(w.service).ok());
  b.sequence();
  // Node a's worker reads first and holds the duty; node b sees nothing
  // owed meanwhile, so the receipt is not sent once per node.
  storage::pg::PgFilingReceipts node_b{b.other_pool, b.keys, {"node-b", std::chrono::seconds(1)}};
  REQUIRE(b.receipts.owed(10)->size() == 1);
  CHECK(node_b.owed(10)->empty());
  // Node a stops renewing (it died): past its hold, node b takes over.
  b.tamper("UPDATE leases SET expires_at = now() - interval '1 second' WHERE name = 'receipts'");
  REQUIRE(node_b.owed(10)->size() == 1);
  CHECK(b.receipts.owed(10)->empty());
  CHECK(b.count("SELECT COUNT(*) FROM leases WHERE name = 'receipts' AND owner = 'node-b'") == 1);
}

TEST_CASE("postgres: a commit whose connection is lost is looked up, never assumed: not stored, it says so",
          "[storage][postgres][store][failover]") {
  World<PostgresBackend> w;
  auto& b = w.backend;
  REQUIRE(test::submit(w.service).ok());
  // Another session holds the request's row, so the commit waits on it...
  auto holder = storage::pg::Connection::open(b.pg.conninfo());
  REQUIRE(holder.ok());
  REQUIRE((*holder)->run_script("BEGIN; SELECT 1 FROM requests WHERE id = 'r1' FOR UPDATE").ok());
  std::promise<Status> result;
  b.store.commit(next_change(*b.store.load("r1"), {}), [&](Status st) { result.set_value(st); });
  const std::string waiting =
      "FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()";
  REQUIRE(test::eventually([&] { return b.count("SELECT COUNT(*) " + waiting) == 1; }));
  // ...until its server process ends, as in a crash or a failover.
  b.tamper("SELECT pg_terminate_backend(pid) " + waiting);
  Status st = result.get_future().get();
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().code == ErrorCode::unavailable);
  CHECK(st.error().message.find("was not stored; try again") != std::string::npos);
  REQUIRE((*holder)->run_script("ROLLBACK").ok());
  CHECK(b.store.load("r1")->version == 1);
}

TEST_CASE("postgres: two nodes with a report schedule write each day's report once, and a dead node's slot passes on",
          "[storage][postgres][reports][schedule]") {
  World<PostgresBackend> w;
  auto& b = w.backend;
  test::TempDir dir;
  FakeClock clock(test::at("2026-11-24T23:30:00Z"));  // 06:30 WIB on the 25th: the 24th's report is owed
  storage::pg::PgReportSlots slots_a{b.pool, {"node-a", std::chrono::seconds(300)}};
  storage::pg::PgReportSlots slots_b{b.other_pool, {"node-b", std::chrono::seconds(300)}};
  app::ReportScheduler node_a(b.reports, test::shipped_policies(), "Asia/Jakarta", {7, 0}, dir.path() / "a", clock,
                              api::Locale::id, &slots_a);
  app::ReportScheduler node_b(b.reports, test::shipped_policies(), "Asia/Jakarta", {7, 0}, dir.path() / "b", clock,
                              api::Locale::id, &slots_b);
  auto by_a = node_a.run_once();
  auto by_b = node_b.run_once();
  REQUIRE(by_a.ok());
  REQUIRE(by_b.ok());
  CHECK(by_a->filename() == "sla-2026-11-24.json");
  CHECK(by_b->empty());  // node a wrote it
  CHECK_FALSE(std::filesystem::exists(dir.path() / "b" / "sla-2026-11-24.json"));

  // The 25th's slot: node a claims it and dies before writing; node b
  // waits while the claim holds, then writes the report.
  clock.advance(std::chrono::hours(24));
  REQUIRE(*slots_a.claim("2026-11-25"));
  CHECK(node_b.run_once()->empty());
  b.tamper("UPDATE report_slots SET claimed_until = now() - interval '1 second' WHERE slot = '2026-11-25'");
  auto taken_over = node_b.run_once();
  REQUIRE(taken_over.ok());
  CHECK(taken_over->filename() == "sla-2026-11-25.json");
  CHECK_FALSE(*slots_a.claim("2026-11-25"));  // written: never claimed again
}
