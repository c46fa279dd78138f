// The disclosure ledger, recipients, tokens and verification codes.
#include <catch2/catch.hpp>

#include <future>
#include <thread>

#include <SQLiteCpp/Database.h>

#include "engine/request_service.hpp"
#include "storage/registries.hpp"
#include "storage/token_registry.hpp"
#include "storage/sqlite_store.hpp"
#include "storage_support.hpp"
#include "test_support.hpp"

using namespace dsr;


TEST_CASE("disclosures are recorded and listed per subject, oldest first", "[storage][ledger]") {
  auto db = test::open_database(":memory:");
  storage::SqliteDisclosures ledger(*db);
  auto bssn = ledger.create_recipient_sync("Biro SDM BSSN", "institution", "https://sdm.example.go.id/dsr");
  auto police = ledger.create_recipient_sync("Bareskrim", "law_enforcement", "https://police.example.go.id/dsr");
  REQUIRE(bssn.ok());
  REQUIRE(police.ok());
  REQUIRE(ledger.record_sync({"s-1", police->id, {"name", "nik"}, "court order 12/2025", test::at("2025-05-02T00:00:00Z"), "system-ams"}).ok());
  REQUIRE(ledger.record_sync({"s-1", bssn->id, {"name", "email"}, "employment", test::at("2025-04-01T00:00:00Z"), "system-ams"}).ok());
  REQUIRE(ledger.record_sync({"s-1", bssn->id, {"position"}, "employment", test::at("2025-06-01T00:00:00Z"), "system-ams"}).ok());
  REQUIRE(ledger.record_sync({"s-2", bssn->id, {"name"}, "employment", test::at("2025-06-01T00:00:00Z"), "system-ams"}).ok());

  auto entries = ledger.for_subject("s-1");
  REQUIRE(entries.ok());
  REQUIRE(entries->size() == 3);
  CHECK((*entries)[0].recipient_name == "Biro SDM BSSN");
  CHECK((*entries)[1].recipient_kind == "law_enforcement");
  CHECK((*entries)[1].disclosure.categories == std::vector<std::string>{"name", "nik"});
  CHECK((*entries)[1].disclosure.legal_basis == "court order 12/2025");
  auto who = ledger.recipients_of("s-1");
  REQUIRE(who.ok());
  CHECK(who->size() == 2);  // each recipient once
}

TEST_CASE("a disclosure to an unknown recipient is refused", "[storage][ledger]") {
  auto db = test::open_database(":memory:");
  storage::SqliteDisclosures ledger(*db);
  auto refused = ledger.record_sync({"s-1", "rcp-none", {"name"}, "x", test::at("2025-05-02T00:00:00Z"), "system"});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == ErrorCode::conflict);
}

TEST_CASE("a recipient's signing secret is sealed at rest and opens for dsr", "[storage][recipients]") {
  test::TempDir dir;
  std::string path = dir.file("dsr.db");
  auto db = test::open_database(path);
  storage::SqliteDisclosures recipients(*db);
  auto created = recipients.create_recipient_sync("Biro SDM", "institution", "https://sdm.example.go.id/dsr");
  REQUIRE(created.ok());
  CHECK(created->signing_secret.starts_with("whsec_"));
  auto read = recipients.recipient(created->id);
  REQUIRE(read.ok());
  CHECK(read->signing_secret == created->signing_secret);
  CHECK_FALSE(test::bytes_found_under(dir.path(), created->signing_secret));
  auto bad_kind = recipients.create_recipient_sync("X", "friend", "https://x.example");
  REQUIRE_FALSE(bad_kind.ok());
  CHECK(bad_kind.error().message.find("is not one of institution") != std::string::npos);
}

TEST_CASE("tokens authenticate their principal and are stored only as hashes", "[storage][tokens]") {
  test::TempDir dir;
  auto db = test::open_database(dir.file("dsr.db"));
  storage::TokenRegistry tokens(*db);
  auto admin = tokens.create_sync({"ops-admin", Role::admin, ""});
  auto inst = tokens.create_sync({"sdm-bssn", Role::institution, "Badan Siber dan Sandi Negara"});
  REQUIRE(admin.ok());
  REQUIRE(inst.ok());
  CHECK(admin->token.starts_with("dsr_"));
  CHECK(admin->record.id.starts_with("tok_"));
  auto who = tokens.authenticate(inst->token);
  REQUIRE(who.ok());
  CHECK(who->name == "sdm-bssn");
  CHECK(who->role == Role::institution);
  CHECK(who->organization == "Badan Siber dan Sandi Negara");
  CHECK(tokens.authenticate("dsr_guess").error().code == ErrorCode::not_found);
  CHECK_FALSE(test::bytes_found_under(dir.path(), admin->token));
  CHECK(tokens.create_sync({"x", Role::institution, ""}).error().message.find("--institution") != std::string::npos);
  CHECK_FALSE(tokens.create_sync({"x", Role::subject, ""}).ok());
}

TEST_CASE("tokens are listed without secrets, expire, and are refused once revoked", "[storage][tokens]") {
  test::TempDir dir;
  auto db = test::open_database(dir.file("dsr.db"));
  storage::TokenRegistry tokens(*db);
  auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  auto ana = tokens.create_sync({"ana", Role::reviewer, ""});
  auto ana_second = tokens.create_sync({"ana", Role::auditor, ""});
  auto budi = tokens.create_sync({"budi", Role::verifier, ""}, now + std::chrono::hours(24 * 90));
  auto gone = tokens.create_sync({"old-batch", Role::system, ""}, now - std::chrono::seconds(1));
  REQUIRE((ana.ok() && ana_second.ok() && budi.ok() && gone.ok()));

  CHECK(tokens.authenticate(budi->token).ok());
  auto expired = tokens.authenticate(gone->token);
  REQUIRE_FALSE(expired.ok());
  CHECK(expired.error().message == "expired token");

  // The note of use is not waited for; a job behind it on the one writer is.
  REQUIRE(db->writer().run([](storage::WriteConnection&) { return ok_status(); }).ok());
  auto listed = tokens.tokens();
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 4);
  CHECK((*listed)[2].id == budi->record.id);
  CHECK((*listed)[2].expires_at == now + std::chrono::hours(24 * 90));
  CHECK((*listed)[2].last_used_at.has_value());  // it was used above
  CHECK_FALSE((*listed)[0].last_used_at.has_value());
  CHECK((*listed)[3].status(now) == "expired");

  // Revoked through this registry: refused at once, though just cached.
  REQUIRE(tokens.authenticate(ana->token).ok());
  std::promise<Result<TokenRecord>> answer;
  tokens.revoke(ana->record.id, "ops-admin", [&](Result<TokenRecord> r) { answer.set_value(std::move(r)); });
  auto revoked = answer.get_future().get();
  REQUIRE(revoked.ok());
  CHECK(revoked->status(now) == "revoked");
  CHECK(revoked->revoked_by == "ops-admin");
  CHECK(tokens.authenticate(ana->token).error().message == "revoked token");
  CHECK(tokens.authenticate(ana_second->token).ok());  // the same name's other token is another token

  // By name: every active token of that principal.
  auto by_name = tokens.revoke_sync("ana", "ops-admin");
  REQUIRE(by_name.ok());
  REQUIRE(by_name->size() == 1);
  CHECK(by_name->front().id == ana_second->record.id);
  auto nobody = tokens.revoke_sync("nobody", "ops-admin");
  REQUIRE_FALSE(nobody.ok());
  CHECK(nobody.error().message.find("dsr token list") != std::string::npos);
}

TEST_CASE("a token revoked by another process is refused within the cache's lifetime", "[storage][tokens]") {
  test::TempDir dir;
  auto server_db = test::open_database(dir.file("dsr.db"));
  storage::TokenRegistry server(*server_db);
  auto token = server.create_sync({"ana", Role::reviewer, ""});
  REQUIRE(token.ok());
  REQUIRE(server.authenticate(token->token).ok());  // now cached
  {
    auto cli_db = test::open_database(dir.file("dsr.db"));
    storage::TokenRegistry cli(*cli_db);
    REQUIRE(cli.revoke_sync(token->record.id, "ops-admin").ok());
  }
  std::this_thread::sleep_for(storage::TokenRegistry::kTokenCacheTtl + std::chrono::milliseconds(100));
  CHECK_FALSE(server.authenticate(token->token).ok());
}

TEST_CASE("a verification code: wrong attempts counted, expiry, lock-out, single use", "[storage][codes]") {
  auto db = test::open_database(":memory:");
  storage::SqliteStore store(*db);
  SystemClock clock;
  int next = 0;
  RequestService service(test::shipped_workflows(), test::shipped_policies(), store, clock,
                         [&] { return "r" + std::to_string(++next); });
  REQUIRE(test::submit(service).ok());
  REQUIRE(test::submit(service).ok());
  storage::VerificationCodes codes(*db);
  auto t0 = test::at("2025-03-03T02:15:00Z");
  REQUIRE(codes.issue_sync("r1", "482913", t0 + std::chrono::minutes(15), 5).ok());

  auto wrong = codes.check_sync("r1", "111111", t0);
  REQUIRE(wrong.ok());
  CHECK(wrong->result == CodeCheck::wrong);
  CHECK(wrong->attempts_left == 4);
  CHECK(codes.check_sync("r2", "482913", t0)->result == CodeCheck::none);  // bound to its request
  CHECK(codes.check_sync("r1", "482913", t0 + std::chrono::minutes(16))->result == CodeCheck::expired);
  auto right = codes.check_sync("r1", "482913", t0 + std::chrono::minutes(1));
  CHECK(right->result == CodeCheck::accepted);
  CHECK(codes.check_sync("r1", "482913", t0 + std::chrono::minutes(2))->result == CodeCheck::none);  // used up

  REQUIRE(codes.issue_sync("r2", "777777", t0 + std::chrono::minutes(15), 3).ok());
  CHECK(codes.check_sync("r2", "000000", t0)->attempts_left == 2);
  CHECK(codes.check_sync("r2", "000001", t0)->attempts_left == 1);
  auto last = codes.check_sync("r2", "000002", t0);
  CHECK(last->result == CodeCheck::locked);
  CHECK(codes.check_sync("r2", "777777", t0)->result == CodeCheck::locked);  // even the right code, now
}
