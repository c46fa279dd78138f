// The HTTP API's behaviour, through the real router and handlers over an
// in-memory database (no sockets; the transport has its own tests).
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <sodium.h>

#include <fstream>
#include <future>
#include <set>
#include <sstream>

#include "api/identity_numbers.hpp"
#include "api/request_log.hpp"
#include "api/routes.hpp"
#include "api/sla_report_html.hpp"
#include "api_support.hpp"
#include "engine/merkle.hpp"
#include "test_support.hpp"
#include "api/canonical_json.hpp"
#include "storage/package_signer.hpp"

using namespace dsr;
using test::ApiHarness;

namespace {

const std::string kNik = "3171012303850007";
const std::string kOtherNik = "3273015506900002";

std::string filing(const std::string& type, const std::string& nik = kNik, const std::string& email = "budi@example.go.id",
                   const std::string& extra = "") {
  return R"({"type": ")" + type + R"(", "subject": {"name": "Budi Santoso", "nik": ")" + nik + R"(", "email": ")" + email +
         R"("})" + extra + "}";
}

std::string str(const boost::json::value& v, std::string_view key) { return std::string(v.at(key).as_string()); }

std::set<std::string> fields_of(const test::Reply& r) {
  std::set<std::string> out;
  for (const auto& e : r.body.at("errors").as_array()) out.insert(std::string(e.at("field").as_string()));
  return out;
}

}  // namespace

TEST_CASE("NIK and NIP shapes", "[api][identity]") {
  CHECK(api::plausible_nik("3171012303850007"));
  CHECK(api::plausible_nik("3273015506900002"));  // a woman: day 55 = 15th
  CHECK_FALSE(api::plausible_nik("317101230385000"));   // 15 digits
  CHECK_FALSE(api::plausible_nik("9971012303850007"));  // no province 99
  CHECK_FALSE(api::plausible_nik("3171013213850007"));  // month 13
  CHECK_FALSE(api::plausible_nik("3171013102850007"));  // 31 February
  CHECK_FALSE(api::plausible_nik("3171012303850000"));  // serial 0000
  CHECK_FALSE(api::plausible_nik("31710123038500a7"));
  CHECK(api::plausible_nip("198503232010011004"));
  CHECK_FALSE(api::plausible_nip("198513232010011004"));  // month 13
  CHECK_FALSE(api::plausible_nip("198503232010013004"));  // sex digit 3
  CHECK_FALSE(api::plausible_nip("198503231990011004"));  // appointed at 4
  CHECK_FALSE(api::plausible_nip("19850323201001100"));
}

TEST_CASE("filing with a record on file sends a code to the contact on record", "[api][filing]") {
  ApiHarness h;
  h.put_subject(kNik, "Budi@Example.go.id");
  auto r = h.call("POST", "/v1/requests", filing("access"));
  REQUIRE(r.status == 201);
  CHECK(str(r.body, "status") == "verifying");
  CHECK_FALSE(r.body.as_object().contains("verification"));  // how is told to the contact on record only
  CHECK(str(r.body, "tracking_token").starts_with("trk_"));
  CHECK(str(r.body, "due_at") == "2025-03-06T02:15:00Z");
  CHECK(str(r.body, "received_at") == "2025-03-03T02:15:00Z");
  CHECK(r.header("Location") == "/v1/requests/r1");
  auto due = h.outbox->due(test::at("2100-01-01T00:00:00Z"), 10);
  REQUIRE(due->size() == 1);
  const auto& code = (*due)[0].message;
  CHECK(code.template_name == "verification_code");
  CHECK(code.to == "Budi@Example.go.id");  // the address on record, not the form's spelling
  CHECK(code.variables.at("code") == "123456");
  CHECK(code.text.find("123456") != std::string::npos);
  CHECK(code.request_id == "r1");
  auto receipts = h.owed_receipts();
  REQUIRE(receipts.size() == 1);
  const auto& received = receipts[0];
  CHECK(received.template_name == "request_received");
  CHECK(received.to == "Budi@Example.go.id");
  CHECK(received.locale == "id");
  CHECK(received.text.find("r1") != std::string::npos);
  CHECK(received.text.find("Kamis, 6 Maret 2025 pukul 09.15 WIB") != std::string::npos);  // 02:15Z, in WIB
}

TEST_CASE("no record, or another address than the one on record: a verifier checks by hand", "[api][filing]") {
  ApiHarness h;
  std::string vera = h.token(Role::verifier, "vera");
  auto none = h.call("POST", "/v1/requests", filing("access", kOtherNik));
  REQUIRE(none.status == 201);
  CHECK_FALSE(none.body.as_object().contains("verification"));  // the filer is not told (no enumeration)
  h.put_subject(kNik, "budi@example.go.id");
  auto mismatch = h.call("POST", "/v1/requests", filing("access", kNik, "attacker@example.com"));
  REQUIRE(mismatch.status == 201);
  CHECK_FALSE(mismatch.body.as_object().contains("verification"));
  CHECK(h.outbox->due(test::at("2100-01-01T00:00:00Z"), 10)->empty());  // no code went anywhere
  // The person on record learns of the filing; the form's address hears
  // nothing, for a subject on file or not.
  auto receipts = h.owed_receipts();
  REQUIRE(receipts.size() == 1);
  CHECK(receipts[0].template_name == "request_received");
  CHECK(receipts[0].to == "budi@example.go.id");
  // Staff see how each is verified.
  CHECK(str(h.call("GET", "/v1/requests/r1", "", vera).body.at("subject"), "verification") == "manual_no_record");
  CHECK(str(h.call("GET", "/v1/requests/r2", "", vera).body.at("subject"), "verification") == "manual_contact_mismatch");
}

TEST_CASE("a request verified by hand answers a code, a resend and a wrong guess as one verified by code does",
          "[api][filing][enumeration]") {
  ApiHarness h;
  h.put_subject(kNik, "budi@example.go.id");
  auto by_code = h.call("POST", "/v1/requests", filing("access", kNik));
  auto by_hand = h.call("POST", "/v1/requests", filing("access", kOtherNik));
  REQUIRE((by_code.status == 201 && by_hand.status == 201));
  std::string code_trk = str(by_code.body, "tracking_token"), hand_trk = str(by_hand.body, "tracking_token");
  // A resend: the same answer, counted alike; only the one on record gets a message.
  auto resent_code = h.call("POST", "/v1/requests/r1/code", "", code_trk);
  auto resent_hand = h.call("POST", "/v1/requests/r2/code", "", hand_trk);
  CHECK(resent_code.status == 202);
  CHECK(resent_hand.status == 202);
  CHECK(resent_code.raw == resent_hand.raw);
  auto queued = h.outbox->due(test::at("2100-01-01T00:00:00Z"), 10);
  REQUIRE(queued.ok());
  CHECK(queued->size() == 2);  // r1's code and its resend; nothing for r2
  for (const auto& m : *queued) CHECK(m.message.request_id == "r1");
  // The code sent to r1 opens nothing on r2 (its own code goes nowhere and
  // is no six digits); each wrong guess counts down the same.
  std::vector<std::int64_t> left;
  for (int guess = 0; guess < 10; ++guess) {
    INFO("guess " << guess);
    auto wrong_code = h.call("POST", "/v1/requests/r1/verify", R"({"code": "654321"})", code_trk);
    auto wrong_hand = h.call("POST", "/v1/requests/r2/verify", R"({"code": "123456"})", hand_trk);
    CHECK(wrong_code.status == 422);
    CHECK(wrong_code.raw == wrong_hand.raw);
    left.push_back(wrong_code.body.at("attempts_left").as_int64());
    if (str(wrong_code.body, "type") == "urn:dsr:problem:verification_failed") break;
  }
  CHECK(left.size() > 2);
  CHECK(left.back() == 0);
  CHECK(left.front() > left[1]);  // counting down
  auto seen_code = h.call("GET", "/v1/requests/r1", "", code_trk);
  auto seen_hand = h.call("GET", "/v1/requests/r2", "", hand_trk);
  CHECK(str(seen_code.body, "status") == "rejected");
  CHECK(str(seen_hand.body, "status") == "rejected");
}

TEST_CASE("invalid filings get field errors, in Indonesian by default", "[api][filing][validation]") {
  ApiHarness h;
  auto r = h.call("POST", "/v1/requests",
                  R"({"type": "complaint", "subject": {"name": 7, "nik": "123", "email": "no-at-sign", "nip": "1"}, "colour": "red"})");
  REQUIRE(r.status == 422);
  CHECK(r.content_type.starts_with("application/problem+json"));
  CHECK(str(r.body, "title") == "Isian tidak valid");
  CHECK(fields_of(r) == std::set<std::string>{"type", "subject.name", "subject.nik", "subject.email", "subject.nip", "colour"});
}

TEST_CASE("field errors follow Accept-Language: en", "[api][filing][validation]") {
  ApiHarness h;
  auto r = h.call("POST", "/v1/requests", R"({"type": "access"})", "", "en-GB,en;q=0.9");
  REQUIRE(r.status == 422);
  CHECK(str(r.body, "title") == "Invalid fields");
  CHECK(str(r.body.at("errors").as_array()[0], "message") == "is required");
}

TEST_CASE("malformed JSON is 400 saying where it broke, well-formed JSON of the wrong shape 422", "[api][validation]") {
  ApiHarness h;
  auto broken = h.call("POST", "/v1/requests", R"({"type": "access",)");
  CHECK(broken.status == 400);
  CHECK(broken.content_type == "application/problem+json; charset=utf-8");
  CHECK(str(broken.body, "type") == "urn:dsr:problem:malformed_json");
  CHECK(str(broken.body, "detail").find("bukan JSON yang valid") != std::string::npos);
  CHECK(broken.body.at("offset").as_int64() == 18);  // the end: the body stops inside the object
  auto second_line = h.call("POST", "/v1/requests", "{\n  \"type\": acces\n}", "", "en");
  CHECK(second_line.status == 400);
  CHECK(second_line.body.at("line").as_int64() == 2);
  CHECK(second_line.body.at("column").as_int64() == 11);
  CHECK(str(second_line.body, "detail").find("at line 2, column 11") != std::string::npos);
  CHECK(h.call("POST", "/v1/requests", "").status == 400);
  CHECK(h.call("POST", "/v1/requests", R"({"type": "access"} {"type": "erasure"})").body.at("offset").as_int64() == 19);
  CHECK(h.call("POST", "/v1/requests", "{\"type\": \"acc\xff\"}").status == 400);  // not UTF-8: not JSON
  // JSON, but not what the route takes, or past what dsr reads: 422.
  CHECK(h.call("POST", "/v1/requests", "[1, 2]").status == 422);
  std::string deep(40, '[');
  CHECK(h.call("POST", "/v1/requests", deep + std::string(40, ']')).status == 422);
  CHECK(h.call("POST", "/v1/requests", R"({"type": 1e400})").status == 422);
  CHECK(h.call("POST", "/v1/requests", R"({"type": "access", "type": "erasure"})").status == 422);
}

TEST_CASE("rectification needs corrections, and an objection its decision and grounds", "[api][filing][validation]") {
  ApiHarness h;
  auto r = h.call("POST", "/v1/requests", filing("rectification"));
  REQUIRE(r.status == 422);
  CHECK(fields_of(r) == std::set<std::string>{"details"});
  auto bad = h.call("POST", "/v1/requests",
                    filing("rectification", kNik, "budi@example.go.id",
                           R"(, "details": {"corrections": [{"field": "shoe_size", "requested": "44"}, {"field": "email"}]})"));
  REQUIRE(bad.status == 422);
  CHECK(fields_of(bad) == std::set<std::string>{"details.corrections[0].field", "details.corrections[1].requested"});
  auto good = h.call("POST", "/v1/requests",
                     filing("rectification", kNik, "budi@example.go.id",
                            R"(, "details": {"corrections": [{"field": "email", "requested": "budi@bssn.go.id"}]})"));
  CHECK(good.status == 201);
  auto objection = h.call("POST", "/v1/requests", filing("automated_decision_objection", kNik, "budi@example.go.id",
                                                         R"(, "details": {"grounds": "the face match was wrong"})"));
  REQUIRE(objection.status == 422);
  CHECK(fields_of(objection) == std::set<std::string>{"details.decision_reference"});
}

TEST_CASE("the code: wrong attempts are counted, the right one verifies", "[api][verify]") {
  ApiHarness h;
  h.put_subject(kNik, "budi@example.go.id");
  auto filed = h.call("POST", "/v1/requests", filing("access"));
  std::string trk = str(filed.body, "tracking_token");
  auto wrong = h.call("POST", "/v1/requests/r1/verify", R"({"code": "000000"})", trk);
  REQUIRE(wrong.status == 422);
  CHECK(wrong.body.at("attempts_left").as_int64() == 4);
  CHECK(h.call("POST", "/v1/requests/r1/verify", R"({"code": "12345"})", trk).status == 422);  // shape, no attempt used
  auto right = h.call("POST", "/v1/requests/r1/verify", R"({"code": "123456"})", trk);
  REQUIRE(right.status == 200);
  CHECK(str(right.body, "status") == "in_review");
  CHECK(h.call("POST", "/v1/requests/r1/verify", R"({"code": "123456"})", trk).status == 409);
}

TEST_CASE("five wrong codes reject the request with verification_failed", "[api][verify]") {
  ApiHarness h;
  h.put_subject(kNik, "budi@example.go.id");
  std::string trk = str(h.call("POST", "/v1/requests", filing("erasure")).body, "tracking_token");
  for (int i = 4; i >= 1; --i) CHECK(h.call("POST", "/v1/requests/r1/verify", R"({"code": "999999"})", trk).body.at("attempts_left").as_int64() == i);
  auto last = h.call("POST", "/v1/requests/r1/verify", R"({"code": "999999"})", trk);
  REQUIRE(last.status == 422);
  CHECK(last.body.at("attempts_left").as_int64() == 0);
  auto seen = h.call("GET", "/v1/requests/r1", "", trk);
  CHECK(str(seen.body, "status") == "rejected");
  auto history = seen.body.at("history").as_array();
  CHECK(str(history.back(), "reason") == "verification_failed");  // public to the subject
  CHECK(h.call("POST", "/v1/requests/r1/verify", R"({"code": "123456"})", trk).status == 409);
}

TEST_CASE("a tracking token opens its own request and nothing else", "[api][auth]") {
  ApiHarness h;
  std::string mine = str(h.call("POST", "/v1/requests", filing("access")).body, "tracking_token");
  h.call("POST", "/v1/requests", filing("access", kOtherNik));
  CHECK(h.call("GET", "/v1/requests/r1", "", mine).status == 200);
  CHECK(h.call("GET", "/v1/requests/r2", "", mine).status == 404);
  CHECK(h.call("GET", "/v1/requests/nope", "", mine).status == 404);
  CHECK(h.call("POST", "/v1/requests/r2/withdraw", "", mine).status == 404);
  CHECK(h.call("GET", "/v1/requests", "", mine).status == 404);
  CHECK(h.call("GET", "/v1/requests/r1/events", "", mine).status == 404);
  CHECK(h.call("GET", "/v1/requests/r1", "", "trk_forged").status == 401);
  // Right request, wrong secret: r1's stored hash is remembered by now
  // (TokenRegistry), and the secret is checked against it all the same.
  CHECK(h.call("GET", "/v1/requests/r1", "", "trk_r1.0000").status == 401);
  CHECK(h.call("GET", "/v1/requests/r1", "", mine.substr(0, mine.size() - 1) + (mine.back() == '0' ? "1" : "0")).status == 401);
  CHECK(h.call("GET", "/v1/requests/r1", "", mine).status == 200);
  std::string other = mine;
  other.replace(4, 2, "r2");  // another request's id with this secret
  CHECK(h.call("GET", "/v1/requests/r2", "", other).status == 401);
  CHECK(h.call("GET", "/v1/requests/r1", "", "dsr_forged").status == 401);
}

TEST_CASE("the subject sees public reasons only, staff see actors and the clock", "[api][views]") {
  ApiHarness h;
  std::string trk = str(h.call("POST", "/v1/requests", filing("access")).body, "tracking_token");
  std::string vera = h.token(Role::verifier, "vera");
  REQUIRE(h.call("POST", "/v1/requests/r1/transitions", R"({"event": "verify_manually", "version": 1, "reason": "KTP seen at the RA desk"})", vera).status == 200);
  auto subject_view = h.call("GET", "/v1/requests/r1", "", trk);
  auto staff_view = h.call("GET", "/v1/requests/r1", "", vera);
  CHECK_FALSE(subject_view.body.as_object().contains("assignee"));
  CHECK_FALSE(subject_view.body.as_object().contains("due_explanation"));
  CHECK_FALSE(subject_view.body.at("history").as_array()[1].as_object().contains("reason"));
  CHECK_FALSE(subject_view.body.at("history").as_array()[1].as_object().contains("actor"));
  CHECK(str(staff_view.body.at("history").as_array()[1], "reason") == "KTP seen at the RA desk");
  CHECK(str(staff_view.body, "due_explanation") == "72 h from 2025-03-03 09:15 WIB");
  CHECK(subject_view.body.at("allowed_events").as_array() == boost::json::array{"withdraw", "message"});
}

TEST_CASE("back-office commands: version, role, four-eyes and reason are enforced", "[api][transitions]") {
  ApiHarness h;
  h.call("POST", "/v1/requests", filing("erasure"));
  std::string vera = h.token(Role::verifier, "vera"), rita = h.token(Role::reviewer, "rita"),
              rita_sup = h.token(Role::supervisor, "rita"), sari = h.token(Role::supervisor, "sari");
  auto fire = [&](const std::string& token, const std::string& body) {
    return h.call("POST", "/v1/requests/r1/transitions", body, token);
  };
  CHECK(fire(vera, R"({"event": "verify_manually", "version": 1})").status == 200);
  CHECK(fire(rita, R"({"event": "approve", "version": 1})").status == 409);       // stale
  CHECK(str(fire(rita, R"({"event": "approve", "version": 1})").body, "type") == "urn:dsr:problem:stale_version");
  CHECK(fire(rita, R"({"event": "teleport", "version": 2})").status == 422);      // unknown event
  CHECK(fire(rita, R"({"event": "reject", "version": 2})").status == 422);        // reason missing
  CHECK(fire(vera, R"({"event": "approve", "version": 2})").status == 403);       // role
  CHECK(fire(rita, R"({"event": "approve", "version": 2})").status == 200);
  auto four_eyes = fire(rita_sup, R"({"event": "approve", "version": 3})");
  CHECK(four_eyes.status == 403);
  CHECK(str(four_eyes.body, "type") == "urn:dsr:problem:four_eyes_violated");
  CHECK(fire(sari, R"({"event": "approve", "version": 3})").status == 200);
  CHECK(fire(sari, R"({"event": "approve"})").status == 422);                      // version required
  CHECK(fire(sari, R"({"event": "fulfil", "version": 4, "colour": "x"})").status == 422);  // unknown field
}

TEST_CASE("withdrawal, assignment and extension", "[api][transitions]") {
  ApiHarness h;
  std::string trk = str(h.call("POST", "/v1/requests", filing("access")).body, "tracking_token");
  std::string rita = h.token(Role::reviewer, "rita"), sari = h.token(Role::supervisor, "sari");
  auto assigned = h.call("POST", "/v1/requests/r1/assignment", R"({"assignee": "rita"})", rita);
  REQUIRE(assigned.status == 200);
  CHECK(str(assigned.body, "assignee") == "rita");
  // Not offered where it would be refused: id-pdp gives access no extension.
  auto offered = [&](const std::string& id) {
    auto events = h.call("GET", "/v1/requests/" + id, "", sari).body.at("allowed_events").as_array();
    return std::find(events.begin(), events.end(), boost::json::value("extend")) != events.end();
  };
  CHECK_FALSE(offered("r1"));
  auto no_extension = h.call("POST", "/v1/requests/r1/extension", R"({"reason": "complex"})", sari);
  CHECK(no_extension.status == 409);  // UU PDP's 3 x 24 hours has none
  CHECK(str(no_extension.body, "type") == "urn:dsr:problem:no_extension");
  CHECK(h.call("POST", "/v1/requests/r1/extension", R"({"reason": "complex"})", rita).status == 403);
  auto withdrawn = h.call("POST", "/v1/requests/r1/withdraw", "", trk);
  REQUIRE(withdrawn.status == 200);
  CHECK(str(withdrawn.body, "status") == "withdrawn");
  CHECK(h.call("POST", "/v1/requests/r1/withdraw", "", trk).status == 409);

  auto uk = h.call("POST", "/v1/requests", R"({"type": "access", "policy": "uk-gdpr", "subject": {"name": "B", "nik": ")" + kOtherNik + R"(", "email": "b@example.org"}})");
  REQUIRE(uk.status == 201);
  CHECK(offered("r2"));  // uk-gdpr gives two months more
  auto extended = h.call("POST", "/v1/requests/r2/extension", R"({"reason": "many systems to search"})", sari);
  REQUIRE(extended.status == 200);
  CHECK_FALSE(offered("r2"));  // once
  CHECK(extended.body.at("extended").as_bool());
  CHECK(h.call("POST", "/v1/requests/r2/extension", R"({"reason": "again"})", sari).status == 409);
  CHECK(h.call("POST", "/v1/requests", R"({"type": "access", "policy": "mars", "subject": {"name": "B", "nik": ")" + kOtherNik + R"(", "email": "b@example.org"}})").status == 422);
}

TEST_CASE("the queue: filters, oldest due first, paging, bad parameters", "[api][queue]") {
  ApiHarness h;
  std::string aud = h.token(Role::auditor, "audrey");
  h.call("POST", "/v1/requests", filing("erasure"));              // due in 14 days
  h.call("POST", "/v1/requests", filing("access", kOtherNik));    // due in 72 h
  h.call("POST", "/v1/requests", R"({"type": "access", "policy": "uk-gdpr", "subject": {"name": "B", "nik": ")" + kNik + R"(", "email": "b@example.org"}})");
  auto all = h.call("GET", "/v1/requests", "", aud);
  REQUIRE(all.status == 200);
  auto items = all.body.at("items").as_array();
  REQUIRE(items.size() == 3);
  CHECK(str(items[0], "id") == "r2");
  CHECK(h.call("GET", "/v1/requests?type=erasure", "", aud).body.at("items").as_array().size() == 1);
  auto page1 = h.call("GET", "/v1/requests?limit=2", "", aud);
  REQUIRE(page1.body.at("items").as_array().size() == 2);
  std::string cursor = str(page1.body, "next_cursor");
  auto page2 = h.call("GET", "/v1/requests?limit=2&cursor=" + cursor, "", aud);
  REQUIRE(page2.body.at("items").as_array().size() == 1);
  CHECK(page2.body.at("next_cursor").is_null());
  // A cursor this list never gave out is refused, not an empty page.
  auto made_up = h.call("GET", "/v1/requests?limit=2&cursor=r-made-up", "", aud);
  CHECK(made_up.status == 422);
  CHECK(fields_of(made_up) == std::set<std::string>{"cursor"});
  h.clock.advance(std::chrono::hours(80));
  auto overdue = h.call("GET", "/v1/requests?overdue=true", "", aud);
  REQUIRE(overdue.body.at("items").as_array().size() == 1);
  CHECK(str(overdue.body.at("items").as_array()[0], "id") == "r2");
  // Once closed, a request past its old due date is no longer overdue.
  std::string vera = h.token(Role::verifier, "vera");
  REQUIRE(h.call("POST", "/v1/requests/r2/transitions", R"({"event": "reject", "reason": "not the subject", "version": 1})",
                 vera).status == 200);
  CHECK(h.call("GET", "/v1/requests?overdue=true", "", aud).body.at("items").as_array().empty());
  auto bad = h.call("GET", "/v1/requests?limit=0&status=lost&colour=red", "", aud);
  REQUIRE(bad.status == 422);
  CHECK(fields_of(bad) == std::set<std::string>{"limit", "status", "colour"});
}

TEST_CASE("subjects on file, and an institution sees its own people only", "[api][subjects]") {
  ApiHarness h;
  std::string ams = h.token(Role::system, "ams");
  std::string bssn = h.token(Role::institution, "sdm-bssn", "BSSN");
  std::string kemenkeu = h.token(Role::institution, "sdm-kemenkeu", "Kementerian Keuangan");
  auto created = h.call("PUT", "/v1/subjects/" + kNik, R"({"name": "Budi Santoso", "email": "budi@example.go.id", "organization": "BSSN"})", ams);
  REQUIRE(created.status == 201);
  CHECK(h.call("PUT", "/v1/subjects/" + kNik, R"({"name": "Budi Santoso", "organization": "BSSN", "unit": "D3"})", ams).status == 200);
  CHECK(h.call("PUT", "/v1/subjects/123", R"({"name": "X"})", ams).status == 422);
  CHECK(h.call("PUT", "/v1/subjects/" + kNik, R"({"name": "X", "eye_colour": "brown"})", ams).status == 422);
  auto own = h.call("GET", "/v1/subjects/" + kNik, "", bssn);
  REQUIRE(own.status == 200);
  CHECK(str(own.body, "unit") == "D3");
  // Each read is a disclosure in the ledger (D.4); a HEAD hands over nothing, so it is none.
  auto ref = h.vault->find_by_nik(kNik);
  REQUIRE((ref.ok() && ref->has_value()));
  auto disclosed = [&] { return h.disclosures->for_subject(**ref)->size(); };
  REQUIRE(disclosed() == 1);
  auto head = h.call("HEAD", "/v1/subjects/" + kNik, "", bssn);
  CHECK(head.status == 200);
  CHECK(head.head_of_length == std::optional<std::size_t>(own.raw.size()));
  CHECK(disclosed() == 1);
  CHECK(h.call("GET", "/v1/subjects/" + kNik, "", kemenkeu).status == 404);
  CHECK(h.call("GET", "/v1/subjects/" + kOtherNik, "", ams).status == 404);
}

// Who may call what: the expected table is written out here, independently
// of the router's own configuration, so an unexpected allow fails the test.
TEST_CASE("every role against every route", "[api][auth][matrix]") {
  ApiHarness h;
  h.put_subject(kNik, "budi@example.go.id");
  std::string trk = str(h.call("POST", "/v1/requests", filing("access")).body, "tracking_token");
  std::map<std::string, std::string> tokens;
  for (Role role : {Role::admin, Role::system, Role::verifier, Role::reviewer, Role::supervisor, Role::auditor, Role::institution})
    tokens[std::string(to_string(role))] = h.token(role, std::string(to_string(role)) + "-1", role == Role::institution ? "BSSN" : "");
  tokens["subject"] = trk;
  tokens["anonymous"] = "";

  const std::string back_office = "admin verifier reviewer supervisor auditor subject";
  const std::map<std::string, std::string> allowed{
      {"POST /v1/requests", "anonymous admin system verifier reviewer supervisor auditor institution subject"},
      {"GET /v1/requests", "admin verifier reviewer supervisor auditor"},
      {"GET /v1/requests/{id}", back_office},
      {"GET /v1/requests/{id}/events", "admin verifier reviewer supervisor auditor"},
      {"POST /v1/requests/{id}/verify", "subject"},
      {"POST /v1/requests/{id}/withdraw", "subject"},
      {"POST /v1/requests/{id}/code", "subject"},
      {"POST /v1/requests/{id}/transitions", "admin system verifier reviewer supervisor"},
      {"POST /v1/requests/{id}/messages", "admin verifier reviewer supervisor subject"},
      {"GET /v1/requests/{id}/messages", back_office},
      {"POST /v1/requests/{id}/assignment", "admin verifier reviewer supervisor"},
      {"POST /v1/requests/{id}/extension", "supervisor"},
      {"PUT /v1/subjects/{nik}", "system"},
      {"GET /v1/subjects/{nik}", "system institution"},
      {"PUT /v1/subjects/{nik}/legal-hold", "admin supervisor"},
      {"POST /v1/consents", "system"},
      {"GET /v1/policy", "anonymous admin system verifier reviewer supervisor auditor institution subject"},
      {"GET /v1/policy/versions", "anonymous admin system verifier reviewer supervisor auditor institution subject"},
      {"POST /v1/policy/versions", "admin"},
      {"GET /v1/subjects/{nik}/consents", "system verifier reviewer supervisor"},
      {"GET /v1/subjects/{nik}/access-log", "admin auditor"},
      {"GET /v1/requests/{id}/result", "subject admin supervisor auditor"},
      {"GET /v1/requests/{id}/notices", "admin supervisor auditor"},
      {"GET /v1/keys/signing", "anonymous admin system verifier reviewer supervisor auditor institution subject"},
      {"POST /v1/recipients", "admin"},
      {"POST /v1/disclosures", "system"},
      {"GET /v1/audit/verify", "admin auditor"},
      {"GET /v1/reports/sla", "admin supervisor auditor"},
      {"GET /healthz", "anonymous admin system verifier reviewer supervisor auditor institution subject"},
      {"GET /readyz", "anonymous admin system verifier reviewer supervisor auditor institution subject"},
      {"GET /metrics", "anonymous admin system verifier reviewer supervisor auditor institution subject"},
      {"GET /openapi.json", "anonymous admin system verifier reviewer supervisor auditor institution subject"},
      {"GET /v1/requests/{id}/notifications", "admin verifier reviewer supervisor auditor"},
      {"POST /v1/notifications/{id}/ack", "signed"},
      {"GET /console/", "anonymous admin system verifier reviewer supervisor auditor institution subject"},
      {"GET /console/{file}", "anonymous admin system verifier reviewer supervisor auditor institution subject"},
      {"GET /v1/whoami", "admin system verifier reviewer supervisor auditor institution"},
      {"GET /v1/workflows", "admin verifier reviewer supervisor auditor"},
      {"GET /v1/tokens", "admin"},
      {"DELETE /v1/tokens/{id}", "admin"},
      {"GET /v1/log/key", "anonymous admin system verifier reviewer supervisor auditor institution subject"},
      {"GET /v1/log/checkpoint", "anonymous admin system verifier reviewer supervisor auditor institution subject"},
      {"GET /v1/log/checkpoints/{size}", "anonymous admin system verifier reviewer supervisor auditor institution subject"},
      {"GET /v1/log/consistency", "anonymous admin system verifier reviewer supervisor auditor institution subject"},
      {"GET /v1/log/entries", "admin auditor"},
      {"GET /v1/log/tile/{tile...}", "anonymous admin system verifier reviewer supervisor auditor institution subject"},
  };
  std::set<std::string> routes_seen;
  for (const auto& route : h.router->routes()) {
    std::string key = route.method + " " + route.pattern;
    routes_seen.insert(key);
    INFO(key);
    REQUIRE(allowed.contains(key));  // a new route must be added to this table
    std::string target = route.pattern;
    if (auto at = target.find("{id}"); at != std::string::npos) target.replace(at, 4, "r1");
    if (auto at = target.find("{nik}"); at != std::string::npos) target.replace(at, 5, kNik);
    if (auto at = target.find("{file}"); at != std::string::npos) target.replace(at, 6, "index.html");
    if (auto at = target.find("{size}"); at != std::string::npos) target.replace(at, 6, "1");
    if (auto at = target.find("{tile...}"); at != std::string::npos) target.replace(at, 9, "0/000.p/1");
    for (const auto& [who, token] : tokens) {
      INFO(who);
      auto r = h.call(route.method, target, "{}", token);
      bool should = (" " + allowed.at(key) + " ").find(" " + who + " ") != std::string::npos;
      if (allowed.at(key) == "signed") {
        CHECK(r.status == 401);  // a recipient's signature is the only credential; no token opens it
      } else if (should) {
        CHECK(r.status != 401);
        // Staff fetch only a breach notice's letter: r1's result is its subject's.
        CHECK((r.status != 403 || (route.pattern == "/v1/requests/{id}/result" && who != "subject")));
        // A NIK or a token id that is not on file is 404 to anyone.
        // (and no checkpoint is signed in this harness yet).
        CHECK((r.status != 404 || route.pattern.find("{nik}") != std::string::npos ||
               route.pattern.starts_with("/v1/tokens/") || route.pattern.starts_with("/v1/log/checkpoint") ||
               route.pattern == "/v1/policy" ||  // no version published yet
               route.pattern.starts_with("/v1/log/tile/")));
      } else {
        // Denied: 401 without credentials, 404 for a subject (no probing), 403 for other staff.
        int expected = who == "anonymous" ? 401 : who == "subject" ? 404 : 403;
        CHECK(r.status == expected);
      }
    }
  }
  CHECK(routes_seen.size() == allowed.size());
}

TEST_CASE("the OpenAPI document describes exactly the router's routes", "[api][openapi]") {
  ApiHarness h;
  auto served = h.call("GET", "/openapi.json");
  REQUIRE(served.status == 200);
  std::ifstream file(std::string(DSR_DOCS_DIR) + "/openapi.json");
  std::stringstream text;
  text << file.rdbuf();
  CHECK(served.raw == text.str());  // the repository's file is what is served
  const auto& paths = served.body.at("paths").as_object();
  CHECK(str(served.body, "openapi") == "3.1.0");
  std::set<std::string> documented, routed;
  for (const auto& [path, ops] : paths)
    for (const auto& [method, unused] : ops.as_object()) {
      std::string m(method);
      std::transform(m.begin(), m.end(), m.begin(), ::toupper);
      documented.insert(m + " " + std::string(path));
    }
  for (const auto& route : h.router->routes()) routed.insert(route.method + " " + route.pattern);
  CHECK(documented == routed);
}

TEST_CASE("unknown paths are 404, a wrong method 405 with Allow", "[api][router]") {
  ApiHarness h;
  CHECK(h.call("GET", "/v2/whatever").status == 404);
  auto wrong = h.call("DELETE", "/v1/requests");
  CHECK(wrong.status == 405);
  CHECK(wrong.header("Allow") == "POST, GET, HEAD");
}

TEST_CASE("the subject's reply resumes a request waiting for it, and its clock", "[api][messages]") {
  ApiHarness h;
  std::string trk = str(h.call("POST", "/v1/requests", filing("access")).body, "tracking_token");
  std::string vera = h.token(Role::verifier, "vera"), rita = h.token(Role::reviewer, "rita");
  h.call("POST", "/v1/requests/r1/transitions", R"({"event": "verify_manually", "version": 1})", vera);
  h.clock.advance(std::chrono::hours(1));
  auto asked = h.call("POST", "/v1/requests/r1/transitions", R"({"event": "request_info", "version": 2, "reason": "Which certificate do you mean?"})", rita);
  REQUIRE(asked.status == 200);
  CHECK(asked.body.at("clock_paused").as_bool());
  h.clock.advance(std::chrono::hours(5));
  auto replied = h.call("POST", "/v1/requests/r1/messages", R"({"body": "The signing certificate issued in 2024."})", trk);
  REQUIRE(replied.status == 201);
  CHECK(str(replied.body, "status") == "in_review");
  CHECK_FALSE(replied.body.at("clock_paused").as_bool());
  CHECK(str(replied.body, "due_at") == "2025-03-06T07:15:00Z");  // 72 h + 5 h waited
  auto note = h.call("POST", "/v1/requests/r1/messages", R"({"body": "Thank you, we are on it."})", rita);
  REQUIRE(note.status == 201);
  CHECK(str(note.body, "status") == "in_review");
  auto thread = h.call("GET", "/v1/requests/r1/messages", "", trk);
  REQUIRE(thread.status == 200);
  auto items = thread.body.at("items").as_array();
  REQUIRE(items.size() == 2);
  CHECK(str(items[0], "from") == "subject");
  CHECK(str(items[1], "body") == "Thank you, we are on it.");
  CHECK_FALSE(items[1].as_object().contains("author"));  // staff names are not shown to the subject
  CHECK(str(h.call("GET", "/v1/requests/r1/messages", "", rita).body.at("items").as_array()[1], "author") == "rita");
  CHECK(h.call("POST", "/v1/requests/r1/messages", R"({"body": ""})", trk).status == 422);
}

TEST_CASE("the access package lists the record, the disclosures, the consents and the purposes, signed", "[api][package]") {
  ApiHarness h;
  std::string ams = h.token(Role::system, "ams"), admin = h.token(Role::admin, "ops"), rita = h.token(Role::reviewer, "rita");
  std::string bssn = h.token(Role::institution, "sdm-bssn", "BSSN");
  h.put_subject(kNik, "budi@example.go.id", "BSSN");
  auto police = h.call("POST", "/v1/recipients", R"({"name": "Bareskrim Polri", "kind": "law_enforcement", "webhook_url": "https://polri.example/dsr"})", admin);
  REQUIRE(police.status == 201);
  CHECK(str(police.body, "signing_secret").starts_with("whsec_"));
  auto disclosed = h.call("POST", "/v1/disclosures", R"({"nik": ")" + kNik + R"(", "recipient_id": ")" + str(police.body, "id") +
                              R"(", "categories": ["name", "nik"], "legal_basis": "court order 12/2025", "disclosed_at": "2025-02-01T03:00:00+07:00"})", ams);
  REQUIRE(disclosed.status == 201);
  REQUIRE(h.call("GET", "/v1/subjects/" + kNik, "", bssn).status == 200);  // an institution's read is a disclosure too
  REQUIRE(h.call("POST", "/v1/consents", R"({"nik": ")" + kNik + R"(", "purpose": "newsletter", "status": "given",
                 "policy_version": "2024-01", "at": "2025-01-10T03:00:00Z", "channel": "portal", "evidence_ref": "form-88"})",
                 ams).status == 201);

  std::string trk = str(h.call("POST", "/v1/requests", filing("access")).body, "tracking_token");
  CHECK(h.call("GET", "/v1/requests/r1/result", "", trk).status == 409);  // not yet
  REQUIRE(h.call("POST", "/v1/requests/r1/verify", R"({"code": "123456"})", trk).status == 200);
  REQUIRE(h.call("POST", "/v1/requests/r1/transitions", R"({"event": "approve", "version": 2})", rita).status == 200);
  REQUIRE(h.call("POST", "/v1/requests/r1/transitions", R"({"event": "fulfil", "version": 3})", ams).status == 200);

  auto package = h.call("GET", "/v1/requests/r1/result", "", trk);
  REQUIRE(package.status == 200);
  CHECK(str(package.body.at("subject"), "nik") == kNik);
  auto disclosures = package.body.at("disclosures").as_array();
  REQUIRE(disclosures.size() == 2);
  CHECK(str(disclosures[0], "recipient") == "Bareskrim Polri");
  CHECK(str(disclosures[0], "disclosed_at") == "2025-01-31T20:00:00Z");
  CHECK(str(disclosures[1], "recipient") == "BSSN");
  CHECK(package.body.at("purposes").as_array().size() == 3);
  // Every consent on file, without the name of who recorded it; no restriction.
  const auto& consents = package.body.at("consents").as_array();
  REQUIRE(consents.size() == 1);
  CHECK(str(consents[0], "purpose") == "newsletter");
  CHECK(str(consents[0], "policy_version") == "2024-01");
  CHECK_FALSE(consents[0].as_object().contains("recorded_by"));
  CHECK(package.body.at("restricted").is_null());

  // Anyone can check the signature with the published key.
  std::string key = str(h.call("GET", "/v1/keys/signing").body, "public_key");
  boost::json::object unsigned_package = package.body.as_object();
  std::string signature = std::string(unsigned_package.at("signature").as_string());
  unsigned_package.erase("signature");
  CHECK(storage::verify_signature(api::canonical_json(unsigned_package), signature, key));
  unsigned_package["request_id"] = "r2";
  CHECK_FALSE(storage::verify_signature(api::canonical_json(unsigned_package), signature, key));
}

TEST_CASE("a disclosure needs a known subject and recipient, and valid fields", "[api][ledger]") {
  ApiHarness h;
  std::string ams = h.token(Role::system, "ams");
  auto r = h.call("POST", "/v1/disclosures", R"({"nik": ")" + kNik + R"(", "recipient_id": "rcp-none", "categories": [], "legal_basis": "x", "disclosed_at": "yesterday"})", ams);
  REQUIRE(r.status == 422);
  CHECK(fields_of(r) == std::set<std::string>{"categories", "disclosed_at"});
  auto unknown = h.call("POST", "/v1/disclosures", R"({"nik": ")" + kNik + R"(", "recipient_id": "rcp-none", "categories": ["name"], "legal_basis": "x", "disclosed_at": "2025-01-01T00:00:00Z"})", ams);
  CHECK(fields_of(unknown) == std::set<std::string>{"recipient_id"});
  CHECK(h.call("POST", "/v1/recipients", R"({"name": "X", "kind": "friend", "webhook_url": "ftp://x"})", h.token(Role::admin, "ops")).status == 422);
}

TEST_CASE("the audit check over the API", "[api][audit]") {
  ApiHarness h;
  h.call("POST", "/v1/requests", filing("access"));
  auto v = h.call("GET", "/v1/audit/verify", "", h.token(Role::auditor, "audrey"));
  REQUIRE(v.status == 200);
  CHECK(v.body.at("ok").as_bool());
  CHECK(v.body.at("events").as_int64() == 1);
  CHECK(v.body.at("first_bad_event").is_null());
}

TEST_CASE("the SLA report over the API: the period in WIB dates, bad parameters named", "[api][reports]") {
  ApiHarness h;  // the clock stands at 2025-03-03T02:15:00Z, 09:15 WIB
  h.call("POST", "/v1/requests", filing("access"));
  h.call("POST", "/v1/requests", filing("erasure", "3273015506900002", "b@example.org"));
  std::string auditor = h.token(Role::auditor, "audrey");
  auto r = h.call("GET", "/v1/reports/sla?from=2025-03-03&to=2025-03-04", "", auditor);
  REQUIRE(r.status == 200);
  CHECK(str(r.body.at("period"), "from") == "2025-03-02T17:00:00Z");  // midnight WIB
  CHECK(str(r.body.at("period"), "to") == "2025-03-03T17:00:00Z");
  std::map<std::string, std::int64_t> received;
  for (const auto& t : r.body.at("types").as_array()) received[std::string(t.at("type").as_string())] = t.at("received").as_int64();
  CHECK(received.at("access") == 1);
  CHECK(received.at("erasure") == 1);
  CHECK(received.at("rectification") == 0);
  CHECK(r.body.at("totals").at("statutory").at("received").as_int64() == 1);
  CHECK(r.body.at("totals").at("internal").at("received").as_int64() == 1);
  CHECK(r.body.at("now").at("open").as_int64() == 2);
  // The day before holds nothing; the default period (30 days to now) holds both.
  auto before = h.call("GET", "/v1/reports/sla?from=2025-03-02&to=2025-03-03", "", auditor);
  CHECK(before.body.at("totals").at("statutory").at("received").as_int64() == 0);
  CHECK(h.call("GET", "/v1/reports/sla", "", auditor).body.at("totals").at("statutory").at("received").as_int64() == 1);

  auto csv = h.call("GET", "/v1/reports/sla?from=2025-03-03&to=2025-03-04&format=csv", "", auditor);
  REQUIRE(csv.status == 200);
  CHECK(csv.content_type == "text/csv; charset=utf-8");
  CHECK(csv.raw.starts_with("# period\r\nfrom,to,generated_at\r\n2025-03-02T17:00:00Z,2025-03-03T17:00:00Z,"));
  CHECK(csv.raw.find("\r\nid-pdp,access,true,72 hours,1,") != std::string::npos);

  auto page = h.call("GET", "/v1/reports/sla?format=html", "", auditor);
  REQUIRE(page.status == 200);
  CHECK(page.content_type == "text/html; charset=utf-8");
  CHECK(page.raw.starts_with("<!doctype html>"));
  CHECK(page.raw.find("<html lang=\"id\">") != std::string::npos);  // Indonesian unless asked otherwise
  CHECK(page.header("Content-Language") == "id");
  // The one style the policy lets apply is the page's own, by its hash.
  auto style_at = page.raw.find("<style>") + 7;
  std::string style = page.raw.substr(style_at, page.raw.find("</style>") - style_at);
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(style.data()), style.size());
  char base64[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES, sodium_base64_VARIANT_ORIGINAL)];
  sodium_bin2base64(base64, sizeof base64, digest, sizeof digest, sodium_base64_VARIANT_ORIGINAL);
  CHECK(page.header("Content-Security-Policy").starts_with(
      fmt::format("default-src 'none'; style-src 'sha256-{}';", base64)));
  auto english = h.call("GET", "/v1/reports/sla?format=html&lang=en", "", auditor);
  CHECK(english.raw.find("<html lang=\"en\">") != std::string::npos);
  CHECK(english.header("Content-Language") == "en");
  CHECK(english.header("Vary") == "Accept-Language");
  auto french = h.call("GET", "/v1/reports/sla?format=html&lang=fr", "", auditor);
  CHECK(french.status == 422);
  CHECK(fields_of(french) == std::set<std::string>{"lang"});

  auto bad = h.call("GET", "/v1/reports/sla?from=March&format=pdf&colour=red", "", auditor);
  REQUIRE(bad.status == 422);
  CHECK(fields_of(bad) == std::set<std::string>{"from", "format", "colour"});
  auto reversed = h.call("GET", "/v1/reports/sla?from=2025-03-04&to=2025-03-03", "", auditor, "en");
  CHECK(reversed.status == 422);
  CHECK(str(reversed.body, "detail").find("the period is empty") != std::string::npos);
  // Found by the HTTP fuzzer: a report over millennia, built week by week.
  auto millennia = h.call("GET", "/v1/reports/sla?from=2025-01-01&to=6119-04-01&format=csv", "", auditor, "en");
  CHECK(millennia.status == 422);
  CHECK(str(millennia.body, "detail").find("longer than 3653 days") != std::string::npos);
}

TEST_CASE("an Idempotency-Key gives the same answer again, and refuses another body", "[api][idempotency]") {
  ApiHarness h;
  auto call = [&](const std::string& key, const std::string& body) {
    api::HttpRequest r;
    r.method = "POST";
    r.target = "/v1/requests";
    r.body = body;
    r.headers["Idempotency-Key"] = key;
    std::promise<api::HttpResponse> p;
    h.router->dispatch(r, [&p](api::HttpResponse x) { p.set_value(std::move(x)); });
    return p.get_future().get();
  };
  auto first = call("portal-7f3a", filing("access"));
  REQUIRE(first.status == 201);
  h.clock.advance(std::chrono::minutes(3));
  auto again = call("portal-7f3a", filing("access"));
  REQUIRE(again.status == 201);
  CHECK(again.body == first.body);  // same id, same tracking token, same times
  CHECK(std::any_of(again.headers.begin(), again.headers.end(), [](const auto& hd) { return hd.first == "Idempotent-Replayed"; }));
  auto other = call("portal-7f3a", filing("erasure"));
  CHECK(other.status == 409);
  CHECK(h.call("GET", "/v1/requests", "", h.token(Role::auditor, "a")).body.at("items").as_array().size() == 1);
  CHECK(call("", filing("access")).status == 422);
}

TEST_CASE("metrics: requests by state, overdue, outbox depth", "[api][metrics]") {
  ApiHarness h;
  h.put_subject(kNik, "budi@example.go.id");
  h.call("POST", "/v1/requests", filing("access"));                                  // code sent: one message pending
  h.call("POST", "/v1/requests", filing("erasure", "3273015506900002", "b@example.org"));
  h.clock.advance(std::chrono::hours(100));  // the access request (72 h) is now overdue
  auto m = h.call("GET", "/metrics");
  REQUIRE(m.status == 200);
  CHECK(m.content_type.starts_with("text/plain; version=0.0.4"));
  CHECK(m.raw.find("dsr_requests{state=\"verifying\"} 2") != std::string::npos);
  CHECK(m.raw.find("dsr_requests_overdue 1") != std::string::npos);
  // The code for the subject on record; the two receipts are owed until the outbox worker sends them.
  CHECK(m.raw.find("dsr_outbox_messages{kind=\"subject_message\",status=\"pending\"} 1") != std::string::npos);
  CHECK(m.raw.find("dsr_receipts_owed 2") != std::string::npos);
  CHECK(m.raw.find("dsr_outbox_messages{kind=\"recipient_notification\",status=\"failed\"} 0") != std::string::npos);
}

TEST_CASE("metrics: the request log's lines, bytes and write errors", "[api][metrics]") {
  ApiHarness h;
  auto m = h.call("GET", "/metrics");
  CHECK(m.raw.find("dsr_request_log_") == std::string::npos);  // no request log (--quiet): no series
  api::RequestLog log(-1);  // every write fails (EBADF)
  h.context->request_log = &log;
  log.append("GET", "/healthz", 200, std::chrono::microseconds(5));
  log.flush();
  m = h.call("GET", "/metrics");
  REQUIRE(m.status == 200);
  CHECK(m.raw.find("dsr_request_log_lines_total 0\n") != std::string::npos);
  CHECK(m.raw.find("dsr_request_log_write_errors_total 1\n") != std::string::npos);
  CHECK(m.raw.find("dsr_request_log_lines_lost_total 1\n") != std::string::npos);
}

TEST_CASE("a new code on request, to the contact on record, at most three in all", "[api][verify]") {
  ApiHarness h;
  h.put_subject(kNik, "budi@example.go.id");
  std::string trk = str(h.call("POST", "/v1/requests", filing("access")).body, "tracking_token");
  auto second = h.call("POST", "/v1/requests/r1/code", "", trk);
  REQUIRE(second.status == 202);
  CHECK(second.body.at("sends_left").as_int64() == 1);
  auto third = h.call("POST", "/v1/requests/r1/code", "", trk);
  REQUIRE(third.status == 202);
  CHECK(third.body.at("sends_left").as_int64() == 0);
  auto fourth = h.call("POST", "/v1/requests/r1/code", "", trk);
  CHECK(fourth.status == 409);
  CHECK(str(fourth.body, "type") == "urn:dsr:problem:code_limit");
  auto due = h.outbox->due(test::at("2100-01-01T00:00:00Z"), 10);
  int codes = 0;
  for (const auto& m : *due) {
    CHECK(m.message.to == "budi@example.go.id");
    codes += m.message.template_name == "verification_code";
  }
  CHECK(codes == 3);
  CHECK(h.call("POST", "/v1/requests/r1/verify", R"({"code": "123456"})", trk).status == 200);
  CHECK(h.call("POST", "/v1/requests/r1/code", "", trk).status == 409);  // verified: nothing to resend

  // A request verified by hand answers as if a code had gone, to the same
  // limit, and nothing goes anywhere (no enumeration).
  std::string manual = str(h.call("POST", "/v1/requests", filing("access", "3273015506900002", "x@example.org")).body, "tracking_token");
  CHECK(h.call("POST", "/v1/requests/r2/code", "", manual).body.at("sends_left").as_int64() == 1);
  CHECK(h.call("POST", "/v1/requests/r2/code", "", manual).body.at("sends_left").as_int64() == 0);
  CHECK(str(h.call("POST", "/v1/requests/r2/code", "", manual).body, "type") == "urn:dsr:problem:code_limit");
  auto after = h.outbox->due(test::at("2100-01-01T00:00:00Z"), 10);
  for (const auto& m : *after) CHECK(m.message.request_id == "r1");
}

TEST_CASE("a legal hold is placed and lifted on a record on file, with a reason, and recorded", "[api][retention]") {
  ApiHarness h;
  h.put_subject(kNik, "budi@example.go.id");
  std::string sari = h.token(Role::supervisor, "sari");
  auto placed = h.call("PUT", "/v1/subjects/" + kNik + "/legal-hold", R"({"hold": true, "reason": "sengketa 12/2026"})", sari);
  REQUIRE(placed.status == 200);
  CHECK(placed.body.at("legal_hold").as_bool());
  std::string ref = str(placed.body, "subject_ref");
  auto held = [&] {
    auto flag = h.db->read("test", [&](SQLite::Database& c) -> Result<int> {
      SQLite::Statement q(c, "SELECT legal_hold FROM subjects WHERE ref = ?");
      q.bind(1, ref);
      q.executeStep();
      return q.getColumn(0).getInt();
    });
    REQUIRE(flag.ok());
    return *flag;
  };
  CHECK(held() == 1);
  auto lifted = h.call("PUT", "/v1/subjects/" + kNik + "/legal-hold", R"({"hold": false, "reason": "settled"})", sari);
  REQUIRE(lifted.status == 200);
  CHECK_FALSE(lifted.body.at("legal_hold").as_bool());
  CHECK(held() == 0);
  // Who and why, for each change, in order.
  auto notes = h.db->read("test", [&](SQLite::Database& c) -> Result<std::string> {
    std::string out;
    SQLite::Statement q(c, "SELECT hold, placed_by, reason FROM legal_holds WHERE subject_ref = ? ORDER BY id");
    q.bind(1, ref);
    while (q.executeStep())
      out += q.getColumn(0).getString() + " " + q.getColumn(1).getString() + " " + q.getColumn(2).getString() + ";";
    return out;
  });
  REQUIRE(notes.ok());
  CHECK(*notes == "1 sari sengketa 12/2026;0 sari settled;");

  auto no_reason = h.call("PUT", "/v1/subjects/" + kNik + "/legal-hold", R"({"hold": true})", sari);
  CHECK(no_reason.status == 422);
  CHECK(fields_of(no_reason) == std::set<std::string>{"reason"});
  auto words = h.call("PUT", "/v1/subjects/" + kNik + "/legal-hold", R"({"hold": "yes", "reason": "x", "until": 1})", sari);
  CHECK(words.status == 422);
  CHECK(fields_of(words) == std::set<std::string>{"hold", "until"});
  CHECK(h.call("PUT", "/v1/subjects/" + kOtherNik + "/legal-hold", R"({"hold": true, "reason": "x"})", sari).status == 404);
  CHECK(h.call("PUT", "/v1/subjects/" + kNik + "/legal-hold", R"({"hold": true, "reason": "x"})",
               h.token(Role::reviewer, "rita")).status == 403);
}

TEST_CASE("the console's files are served with a strict policy, and whoami names the token's holder", "[api][console]") {
  ApiHarness h;
  auto page = h.call("GET", "/console/");
  REQUIRE(page.status == 200);
  CHECK(page.content_type == "text/html; charset=utf-8");
  CHECK(page.raw.find("<!doctype html>") != std::string::npos);
  std::string policy = page.header("Content-Security-Policy");
  CHECK(policy.find("script-src 'self';") != std::string::npos);
  CHECK(policy.find("unsafe-inline") == std::string::npos);
  CHECK(policy.find("frame-ancestors 'none'") != std::string::npos);
  CHECK(policy.find(api::sla_report_style_source()) != std::string::npos);  // the embedded report's style
  CHECK(page.header("X-Content-Type-Options") == "nosniff");
  CHECK(page.header("Referrer-Policy") == "no-referrer");

  auto bare = h.call("GET", "/console");
  CHECK(bare.status == 308);
  CHECK(bare.header("Location") == "/console/");
  auto missing = h.call("GET", "/console/secrets.txt");
  CHECK(missing.status == 404);
  CHECK(h.call("GET", "/console/..%2Fopenapi.json").status == 404);  // names only, no paths

  std::string reviewer = h.token(Role::reviewer, "rudi");
  auto me = h.call("GET", "/v1/whoami", "", reviewer);
  REQUIRE(me.status == 200);
  CHECK(str(me.body, "name") == "rudi");
  CHECK(str(me.body, "role") == "reviewer");
  CHECK(me.body.at("institution").is_null());
  auto institution = h.call("GET", "/v1/whoami", "", h.token(Role::institution, "bssn-hr", "BSSN"));
  CHECK(str(institution.body, "institution") == "BSSN");
  CHECK(h.call("GET", "/v1/whoami").status == 401);
  CHECK(h.call("GET", "/v1/whoami", "", "dsr_not-a-token").status == 401);
}

TEST_CASE("staff are told what each allowed event asks for, and queue items say if they are overdue and in which zone",
          "[api][console]") {
  ApiHarness h;
  REQUIRE(h.call("POST", "/v1/requests", filing("access")).status == 201);
  std::string vera = h.token(Role::verifier, "vera"), rita = h.token(Role::reviewer, "rita");
  REQUIRE(h.call("POST", "/v1/requests/r1/transitions", R"({"event": "verify_manually", "version": 1})", vera).status == 200);
  auto view = h.call("GET", "/v1/requests/r1", "", rita).body;
  CHECK(str(view, "time_zone") == "Asia/Jakarta");
  CHECK(view.at("open").as_bool());
  CHECK_FALSE(view.at("overdue").as_bool());
  const auto& rules = view.at("event_rules").as_object();
  REQUIRE(rules.contains("reject"));
  CHECK(rules.at("reject").at("reason").as_string() == "required");
  CHECK(rules.at("reject").at("public").as_bool());
  CHECK(rules.at("approve").at("reason").as_string() == "optional");
  CHECK(rules.at("assign").at("reason").as_string() == "none");
  CHECK(rules.size() == view.at("allowed_events").as_array().size());

  auto queue = h.call("GET", "/v1/requests", "", rita).body.at("items").as_array();
  REQUIRE(queue.size() == 1);
  CHECK(queue[0].at("open").as_bool());
  CHECK_FALSE(queue[0].at("overdue").as_bool());
  CHECK(str(queue[0], "time_zone") == "Asia/Jakarta");
  h.clock.advance(std::chrono::hours(24 * 4));  // past 3 x 24 hours
  queue = h.call("GET", "/v1/requests", "", rita).body.at("items").as_array();
  CHECK(queue[0].at("overdue").as_bool());
}

TEST_CASE("those who work a request see the subject and what was asked, auditors and admins do not", "[api][console]") {
  ApiHarness h;
  h.put_subject(kNik, "budi@example.go.id");
  REQUIRE(h.call("POST", "/v1/requests",
                 filing("rectification", kNik, "budi@example.go.id",
                        R"(, "details": {"corrections": [{"field": "email", "requested": "budi@bssn.go.id"}]})"))
              .status == 201);
  REQUIRE(h.call("POST", "/v1/requests", filing("access", kOtherNik, "siti@example.org")).status == 201);
  for (Role role : {Role::verifier, Role::reviewer, Role::supervisor}) {
    INFO(to_string(role));
    auto view = h.call("GET", "/v1/requests/r1", "", h.token(role, "staff-" + std::string(to_string(role)))).body;
    const auto& subject = view.at("subject");
    CHECK(subject.at("on_file").as_bool());
    CHECK(str(subject.at("record"), "nik") == kNik);
    CHECK(str(subject.at("given"), "email") == "budi@example.go.id");
    CHECK(str(subject, "verification") == "code");
    CHECK(str(view.at("details").at("corrections").at(0), "requested") == "budi@bssn.go.id");
    CHECK_FALSE(view.at("details").as_object().contains("contact_given"));
  }
  // Filed by someone dsr holds no record of: what the form said, nothing on file.
  auto unknown = h.call("GET", "/v1/requests/r2", "", h.token(Role::verifier, "vera")).body;
  CHECK_FALSE(unknown.at("subject").at("on_file").as_bool());
  CHECK(unknown.at("subject").at("record").is_null());
  CHECK(str(unknown.at("subject").at("given"), "name") == "Budi Santoso");
  CHECK(str(unknown.at("subject"), "verification") == "manual_no_record");
  for (Role role : {Role::auditor, Role::admin}) {
    INFO(to_string(role));
    auto view = h.call("GET", "/v1/requests/r1", "", h.token(role, "staff-" + std::string(to_string(role))));
    REQUIRE(view.status == 200);
    CHECK_FALSE(view.body.as_object().contains("subject"));
    CHECK_FALSE(view.body.as_object().contains("details"));
    CHECK(view.raw.find(kNik) == std::string::npos);
  }
}

TEST_CASE("the workflows are served as data: states, events, roles and what each event asks", "[api][console]") {
  ApiHarness h;
  auto r = h.call("GET", "/v1/workflows", "", h.token(Role::reviewer, "rita"));
  REQUIRE(r.status == 200);
  const auto& items = r.body.at("items").as_array();
  CHECK(items.size() == test::shipped_workflows().types().size());
  const boost::json::value* access = nullptr;
  for (const auto& w : items)
    if (w.at("type") == "access") access = &w;
  REQUIRE(access != nullptr);
  bool verifying = false;
  for (const auto& s : access->at("states").as_array())
    if (s.at("state") == "verifying") verifying = s.at("kind") == "verification";
  CHECK(verifying);
  bool reject_needs_reason = false;
  for (const auto& t : access->at("transitions").as_array())
    if (t.at("event") == "reject" && t.at("from").as_array().at(0) == "in_review")
      reject_needs_reason = t.at("reason") == "required" && t.at("public").as_bool();
  CHECK(reject_needs_reason);
  CHECK(h.call("GET", "/v1/workflows").status == 401);
}

TEST_CASE("the audit log's hash tiles, as C2SP tlog-tiles names them", "[api][audit-log]") {
  ApiHarness h;
  for (int i = 0; i < 3; ++i) REQUIRE(h.call("POST", "/v1/requests", filing("access")).status == 201);
  std::string auditor = h.token(Role::auditor, "audrey");
  auto entries = h.call("GET", "/v1/log/entries?from=0&to=3", "", auditor);
  REQUIRE(entries.status == 200);
  std::string expected;
  for (const auto& e : entries.body.at("entries").as_array()) {
    auto leaf = storage::from_base64(std::string_view(e.at("leaf").as_string()));
    REQUIRE(leaf.has_value());
    auto hash = merkle::leaf_hash(*leaf);
    expected.append(reinterpret_cast<const char*>(hash.data()), hash.size());
  }
  auto tile = h.call("GET", "/v1/log/tile/0/000.p/3");
  REQUIRE(tile.status == 200);
  CHECK(tile.content_type == "application/octet-stream");
  CHECK(tile.raw == expected);
  CHECK(h.call("GET", "/v1/log/tile/0/000.p/2").raw == expected.substr(0, 64));
  CHECK(h.call("GET", "/v1/log/tile/0/000.p/4").status == 404);  // the log has 3 leaves
  CHECK(h.call("GET", "/v1/log/tile/0/000").status == 404);      // no full tile of 256 yet
  CHECK(h.call("GET", "/v1/log/tile/1/000.p/1").status == 404);  // no node at level 8
  for (const char* bad : {"0/0.p/1", "0/x000/000.p/1", "0/000.p/0", "0/000.p/256", "9/000", "0/abc", "0/000.p"})
    CHECK(h.call("GET", std::string("/v1/log/tile/") + bad).status == 404);
}

TEST_CASE("the privacy policy's versions: published by an admin, the one in force and the archive public", "[api][policy]") {
  ApiHarness h;  // its clock: 2025-03-03T02:15:00Z
  std::string ops = h.token(Role::admin, "ops"), ams = h.token(Role::system, "ams");
  CHECK(h.call("GET", "/v1/policy").status == 404);  // nothing published yet
  auto publish = [&](const std::string& version, const std::string& at, const std::string& language, const std::string& text) {
    return h.call("POST", "/v1/policy/versions",
                  R"({"version": ")" + version + R"(", "effective_at": ")" + at + R"(", "language": ")" + language +
                      R"(", "text": ")" + text + "\"}",
                  ops);
  };
  REQUIRE(publish("2024-01", "2024-01-01T00:00:00+07:00", "id", "Kebijakan privasi 2024").status == 201);
  REQUIRE(publish("2024-01", "2024-01-01T00:00:00+07:00", "en", "Privacy policy 2024").status == 201);
  REQUIRE(publish("2025-06", "2025-06-01T00:00:00+07:00", "id", "Kebijakan privasi 2025").status == 201);  // not yet in force
  auto again = publish("2024-01", "2024-01-01T00:00:00+07:00", "id", "rewritten");
  CHECK(again.status == 409);
  CHECK(str(again.body, "type") == "urn:dsr:problem:version_exists");
  CHECK(fields_of(publish("2024-01", "2024-02-01T00:00:00+07:00", "de", "x")) == std::set<std::string>{"language"});
  // One instant for every language of a version:
  CHECK(fields_of(publish("2025-06", "2025-07-01T00:00:00+07:00", "en", "x")) == std::set<std::string>{"effective_at"});
  CHECK(fields_of(publish("2026-01", "2024-01-01T00:00:00+07:00", "en", "x")) == std::set<std::string>{"effective_at"});
  CHECK(fields_of(publish("jan 2027", "tomorrow", "fr", "")) == std::set<std::string>{"version", "effective_at", "language", "text"});
  CHECK(publish("2027-01", "2027-01-01T00:00:00Z", "id", "x").status == 201);
  CHECK(h.call("POST", "/v1/policy/versions", "{}", ams).status == 403);

  auto id = h.call("GET", "/v1/policy");
  REQUIRE(id.status == 200);
  CHECK(str(id.body, "version") == "2024-01");
  CHECK(str(id.body, "text") == "Kebijakan privasi 2024");
  CHECK(id.body.at("languages").as_array().size() == 2);
  CHECK(str(h.call("GET", "/v1/policy?lang=en").body, "text") == "Privacy policy 2024");
  CHECK(str(h.call("GET", "/v1/policy", "", "", "en").body, "text") == "Privacy policy 2024");
  auto archive = h.call("GET", "/v1/policy/versions");
  REQUIRE(archive.status == 200);
  const auto& items = archive.body.at("versions").as_array();
  REQUIRE(items.size() == 4);
  CHECK(items[0].at("in_force").as_bool());
  CHECK_FALSE(items[2].at("in_force").as_bool());
  CHECK(str(items[2], "version") == "2025-06");

  // A consent names the version in force when it was given, by default; an
  // unknown version is refused.
  h.put_subject(kNik, "budi@example.go.id");
  auto consent = h.call("POST", "/v1/consents", R"({"nik": ")" + kNik + R"(", "purpose": "newsletter", "status": "given",
                        "at": "2024-05-01T03:00:00Z", "channel": "portal", "evidence_ref": "form-1"})", ams);
  REQUIRE(consent.status == 201);
  CHECK(str(consent.body, "policy_version") == "2024-01");
  auto unknown = h.call("POST", "/v1/consents", R"({"nik": ")" + kNik + R"(", "purpose": "newsletter", "status": "given",
                        "policy_version": "1999", "at": "2024-05-01T03:00:00Z", "channel": "portal", "evidence_ref": "form-1"})", ams);
  CHECK(fields_of(unknown) == std::set<std::string>{"policy_version"});
  auto before_any = h.call("POST", "/v1/consents", R"({"nik": ")" + kNik + R"(", "purpose": "newsletter", "status": "given",
                           "at": "2023-05-01T03:00:00Z", "channel": "portal", "evidence_ref": "form-0"})", ams);
  CHECK(fields_of(before_any) == std::set<std::string>{"policy_version"});

  // A system reading the consents is recorded without a request: its
  // ?request= is not checked, so it cannot put a request into the log.
  REQUIRE(h.call("GET", "/v1/subjects/" + kNik + "/consents?request=r-planted", "", ams).status == 200);
  auto ref = h.vault->find_by_nik(kNik);
  REQUIRE((ref.ok() && ref->has_value()));
  auto entries = h.access_log->for_subject(**ref, AccessLog::kMaxPage, std::nullopt);
  REQUIRE(entries.ok());
  REQUIRE_FALSE(entries->items.empty());
  CHECK(entries->items.front().route == "GET /v1/subjects/{nik}/consents");
  CHECK(entries->items.front().request_id.empty());
}

TEST_CASE("a filing on a subject's behalf is refused when the record has no address for the tracking token", "[api][filing]") {
  ApiHarness h;
  std::string ams = h.token(Role::system, "ams"), vera = h.token(Role::verifier, "vera");
  REQUIRE(h.call("PUT", "/v1/subjects/" + kNik, R"({"name": "Budi Santoso"})", ams).status == 201);  // no e-mail, no phone
  auto refused = h.call("POST", "/v1/requests",
                        R"({"type": "access", "subject": {"name": "Budi Santoso", "nik": ")" + kNik +
                            R"(", "email": "budi@example.go.id"}, "on_behalf": {"channel": "counter", "identity_check": "KTP-el seen"}})",
                        vera);
  CHECK(refused.status == 422);
  CHECK(fields_of(refused) == std::set<std::string>{"on_behalf"});
  CHECK(h.call("GET", "/v1/requests", "", vera).body.at("items").as_array().empty());  // nothing stored
}

TEST_CASE("an empty Authorization header is refused, not taken for no credentials", "[api][auth]") {
  ApiHarness h;
  api::HttpRequest request;
  request.method = "GET";
  request.target = "/v1/keys/signing";
  request.client_address = "127.0.0.1";
  request.headers["Authorization"] = "";
  std::promise<api::HttpResponse> answered;
  h.router->dispatch(request, [&answered](api::HttpResponse r) { answered.set_value(std::move(r)); });
  CHECK(answered.get_future().get().status == 401);
  CHECK(h.call("GET", "/v1/keys/signing").status == 200);  // without the header: a public route answers
}

TEST_CASE("an authority's release reaches the supervisor who hands it over and nobody else, on every request route",
          "[api][authority][route-walk]") {
  ApiHarness h;
  std::string ams = h.token(Role::system, "ams"), admin = h.token(Role::admin, "ops"), rita = h.token(Role::reviewer, "rita");
  std::string sari = h.token(Role::supervisor, "sari");
  h.put_subject(kNik, "budi.released@example.go.id", "BSSN");
  auto police = h.call("POST", "/v1/recipients", R"({"name": "Bareskrim Polri", "kind": "law_enforcement"})", admin);
  REQUIRE(police.status == 201);
  // Naming nobody is no demand, nor a breach notice: a null list is refused like a missing one.
  auto nobody = h.call("POST", "/v1/requests",
                       R"({"type": "authority_request", "details": {"recipient_id": ")" + str(police.body, "id") +
                           R"(", "legal_basis": "KUHAP Pasal 43", "document_ref": "12/Pen.Pid/2026", "niks": null, "categories": ["name"]}})",
                       ams);
  CHECK(nobody.status == 422);
  CHECK(nobody.raw.find("details.niks") != std::string::npos);
  CHECK(h.call("POST", "/v1/requests",
               R"({"type": "breach_notice", "details": {"description": "x", "occurred_at": "2025-01-01T00:00:00Z",
                   "discovered_at": "2025-01-02T00:00:00Z", "categories": ["name"], "measures": "y", "niks": null}})",
               sari).status == 422);
  auto filed = h.call("POST", "/v1/requests",
                      R"({"type": "authority_request", "details": {"recipient_id": ")" + str(police.body, "id") +
                          R"(", "legal_basis": "KUHAP Pasal 43", "document_ref": "12/Pen.Pid/2026", "niks": [")" + kNik +
                          R"("], "categories": ["name", "email"]}})",
                      ams);
  REQUIRE(filed.status == 201);
  std::string id = str(filed.body, "id");
  REQUIRE(h.call("POST", "/v1/requests/" + id + "/transitions", R"({"event": "check_basis", "version": 1, "reason": "sah"})",
                 rita).status == 200);
  REQUIRE(h.call("POST", "/v1/requests/" + id + "/transitions", R"({"event": "approve", "version": 2})", sari).status == 200);
  // The released data, as the supervisor's document carries it.
  auto release = h.call("GET", "/v1/requests/" + id + "/result", "", sari);
  REQUIRE(release.status == 200);
  CHECK(release.raw.find("budi.released@example.go.id") != std::string::npos);

  // A tracking token of a request of the subject's own: it opens nothing of
  // the authority's request, whose existence is no business of theirs (yet).
  std::string trk = str(h.call("POST", "/v1/requests", filing("access")).body, "tracking_token");
  std::map<std::string, std::string> callers{{"anonymous", ""}, {"subject", trk}, {"garbage", "dsr_not-a-token"}};
  for (Role role : {Role::admin, Role::verifier, Role::reviewer, Role::supervisor, Role::auditor, Role::system,
                    Role::institution}) {
    std::string name = "walk-" + std::string(to_string(role));
    callers.emplace(std::string(to_string(role)),
                    role == Role::supervisor ? sari : h.token(role, name, role == Role::institution ? "BSSN" : ""));
  }
  for (const auto& route : h.router->routes()) {
    if (route.method != "GET" || !route.pattern.starts_with("/v1/requests/{id}")) continue;
    std::string target = route.pattern;
    target.replace(target.find("{id}"), 4, id);
    for (const auto& [who, token] : callers) {
      INFO(route.method << " " << target << " as " << who);
      auto r = h.call("GET", target, "", token);
      bool hands_over = route.pattern == "/v1/requests/{id}/result" && who == "supervisor";
      // The subject's name and e-mail went to the authority: only the
      // supervisor's document carries them.
      CHECK((r.raw.find("budi.released@example.go.id") == std::string::npos || hands_over));
      CHECK((r.raw.find("Budi Santoso") == std::string::npos || hands_over));
      // Staff see the NIKs named in the request they work; nobody else.
      bool staff = who != "anonymous" && who != "subject" && who != "garbage";
      if (!staff) CHECK(r.raw.find(kNik) == std::string::npos);
      if (!staff) CHECK((r.status == 401 || r.status == 404));
    }
  }
}
