// The rights beyond the first four, over the wire, end to end on the real
// `dsr serve` (on SQLite and, as server-postgres:, on PostgreSQL): consent
// withdrawal with the consent ledger, restriction and its lifting,
// portability with a transfer to another controller, filings on a
// subject's behalf, and duplicates. Recipients are real webhook receivers
// (tests/webhook_receiver.hpp); signatures are checked with OpenSSL, not
// with the server's libsodium.
#include <catch2/catch.hpp>
#include <openssl/evp.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <fstream>
#include <thread>

#include "server_process.hpp"
#include "webhook_receiver.hpp"

using namespace dsr;
using test::Receiver;
using test::ServerProcess;
using test::WireReply;

namespace {

const std::string kNik = "3171012303850007";
const std::string kEmail = "budi.wirawan@example.go.id";

std::string str(const boost::json::value& v, std::string_view key) { return std::string(v.at(key).as_string()); }

// A filing for Budi, in `locale`, with `details` (a JSON object) if any.
std::string filing(const std::string& type, const std::string& details = "", const std::string& locale = "id") {
  return R"({"type": ")" + type + R"(", "locale": ")" + locale + R"(", "subject": {"name": "Budi Santoso Wirawan", "nik": ")" +
         kNik + R"(", "email": ")" + kEmail + "\"}" + (details.empty() ? "" : R"(, "details": )" + details) + "}";
}

std::string base64_decode(const std::string& text) {
  std::string out(text.size(), '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  REQUIRE(n >= 0);
  out.resize(static_cast<std::size_t>(n) - static_cast<std::size_t>(std::count(text.end() - 2, text.end(), '=')));
  return out;
}

// Ed25519 over `message`, checked with OpenSSL against the server's
// published key (GET /v1/keys/signing).
bool ed25519_valid(const std::string& public_key_b64, const std::string& message, const std::string& signature_b64) {
  std::string key = base64_decode(public_key_b64), signature = base64_decode(signature_b64);
  EVP_PKEY* pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                               reinterpret_cast<const unsigned char*>(key.data()), key.size());
  REQUIRE(pkey != nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, pkey) == 1 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                             reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(pkey);
  return ok;
}

struct Rights {
  ServerProcess server{{"--retry-delay", "1s", "--webhook-timeout", "2s", "--timer-interval", "1s"}};
  std::string system = server.token("system", "ams");
  std::string verifier = server.token("verifier", "vera");
  std::string reviewer = server.token("reviewer", "rita");
  std::string supervisor = server.token("supervisor", "sari");
  std::string admin = server.token("admin", "adi");
  std::string auditor = server.token("auditor", "audrey");

  Rights() {
    REQUIRE(server.call("PUT", "/v1/subjects/" + kNik,
                        R"({"name": "Budi Santoso Wirawan", "email": ")" + kEmail + R"(", "organization": "BSSN"})",
                        system).status == 201);
  }

  struct Registered {
    std::string id, secret;
  };
  // A recipient at `url`, and Budi's data disclosed to it for `purpose` (none: no disclosure).
  Registered recipient(const std::string& name, const std::string& url, const std::string& purpose) {
    auto made = call("POST", "/v1/recipients", R"({"name": ")" + name + R"(", "kind": "processor", "webhook_url": ")" + url + "\"}",
                     admin);
    REQUIRE(made.status == 201);
    Registered r{str(made.json, "id"), str(made.json, "signing_secret")};
    if (!purpose.empty())
      REQUIRE(call("POST", "/v1/disclosures",
                   R"({"nik": ")" + kNik + R"(", "recipient_id": ")" + r.id + R"(", "purpose": ")" + purpose +
                       R"(", "categories": ["name", "email"], "legal_basis": "consent", "disclosed_at": "2026-01-05T03:00:00Z"})",
                   system).status == 201);
    return r;
  }

  WireReply call(const std::string& method, const std::string& target, const std::string& body = "",
                 const std::string& token = "") {
    return server.call(method, target, body, token);
  }

  // Files and verifies with the code sent to the contact on record.
  std::pair<std::string, std::string> file_and_verify(const std::string& body) {
    auto filed = call("POST", "/v1/requests", body);
    INFO(filed.body);
    REQUIRE(filed.status == 201);
    std::string id = str(filed.json, "id"), trk = str(filed.json, "tracking_token");
    REQUIRE(call("POST", "/v1/requests/" + id + "/verify", R"({"code": ")" + server.code_for(id) + R"("})", trk).status == 200);
    return {id, trk};
  }

  WireReply fire(const std::string& id, const std::string& token, const std::string& event, const std::string& reason = "") {
    auto version = call("GET", "/v1/requests/" + id, "", auditor).json.at("version").as_int64();
    return call("POST", "/v1/requests/" + id + "/transitions",
                R"({"event": ")" + event + R"(", "version": )" + std::to_string(version) +
                    (reason.empty() ? "" : R"(, "reason": ")" + reason + "\"") + "}",
                token);
  }

  WireReply ack(const std::string& notification_id, const std::string& secret) {
    std::int64_t t = test::now_seconds();
    std::string signature = "t=" + std::to_string(t) + ",v1=" + test::hmac_hex(secret, std::to_string(t) + ".{}");
    return server.call("POST", "/v1/notifications/" + notification_id + "/ack", "{}", "", {"Dsr-Signature: " + signature});
  }

  std::string status_of(const std::string& id) { return str(call("GET", "/v1/requests/" + id, "", auditor).json, "status"); }

  std::string wait_for_status(const std::string& id, const std::string& status) {
    for (int i = 0; i < 100 && status_of(id) != status; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return status_of(id);
  }
};

}  // namespace

TEST_CASE("consent withdrawal: the ledger, the recipients of that purpose, the subject told", "[server][rights]") {
  Rights r;
  Receiver newsletter_processor, certificate_processor;
  auto told = r.recipient("Mailer Nusantara", newsletter_processor.url("/dsr"), "newsletter");
  r.recipient("Verifikasi Wajah", certificate_processor.url("/dsr"), "certificates");
  auto given = r.call("POST", "/v1/consents",
                      R"({"nik": ")" + kNik + R"(", "purpose": "newsletter", "status": "given", "policy_version": "2024-01",
                          "at": "2025-06-01T03:00:00Z", "channel": "portal", "evidence_ref": "consent-form-7731"})",
                      r.system);
  REQUIRE(given.status == 201);
  CHECK(str(given.json, "policy_version") == "2024-01");
  auto bad = r.call("POST", "/v1/consents", R"({"nik": ")" + kNik + R"(", "purpose": "x", "status": "maybe"})", r.system);
  CHECK(bad.status == 422);
  CHECK(r.call("POST", "/v1/requests", filing("consent_withdrawal")).status == 422);  // which purpose?

  auto [id, trk] = r.file_and_verify(filing("consent_withdrawal", R"({"purpose": "newsletter"})", "en"));
  // The reviewer decides against the consents on file.
  auto seen = r.call("GET", "/v1/requests/" + id, "", r.reviewer);
  REQUIRE(seen.json.at("subject").at("consents").as_array().size() == 1);
  // Staff read the ledger while they work this subject's request, and not otherwise.
  CHECK(r.call("GET", "/v1/subjects/" + kNik + "/consents?request=" + id, "", r.reviewer).status == 200);
  CHECK(r.call("GET", "/v1/subjects/" + kNik + "/consents", "", r.reviewer).status == 422);

  auto fulfilled = r.fire(id, r.reviewer, "fulfil");
  REQUIRE(fulfilled.status == 200);
  CHECK(str(fulfilled.json, "status") == "notifying_recipients");
  // Only the recipient of data for that purpose is told, signed.
  auto posts = newsletter_processor.wait_for(1);
  auto body = boost::json::parse(std::string(posts[0].at("body").as_string()));
  CHECK(str(body, "type") == "consent_withdrawal");
  CHECK(str(body, "purpose") == "newsletter");
  CHECK(str(body.at("subject"), "nik") == kNik);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  CHECK(certificate_processor.received().empty());
  REQUIRE(r.ack(str(body, "notification_id"), told.secret).status == 200);
  CHECK(r.wait_for_status(id, "completed") == "completed");

  auto ledger = r.call("GET", "/v1/subjects/" + kNik + "/consents", "", r.system);
  REQUIRE(ledger.status == 200);
  const auto& consents = ledger.json.at("consents").as_array();
  REQUIRE(consents.size() == 2);
  CHECK(str(consents[1], "status") == "withdrawn");
  CHECK(str(consents[1], "policy_version") == "2024-01");  // the version the withdrawn consent was given under
  CHECK(str(consents[1], "request_id") == id);
  // Once closed, the request no longer opens the ledger to staff.
  CHECK(r.call("GET", "/v1/subjects/" + kNik + "/consents?request=" + id, "", r.reviewer).status == 403);

  auto message = r.server.message_for(id, "consent_withdrawn");
  CHECK(str(message, "locale") == "en");
  CHECK(str(message, "to") == kEmail);
  CHECK(str(message, "text").find("stopped processing your personal data for that purpose") != std::string::npos);
  CHECK(r.server.stop() == 0);
}

TEST_CASE("restriction: on the record while it stands, lifted by a supervisor once the subject is told why", "[server][rights]") {
  Rights r;
  std::string institution = r.server.token("institution", "bssn-hr", "BSSN");
  CHECK(r.call("POST", "/v1/requests", filing("restriction", R"({"categories": ["email"]})")).status == 422);  // grounds?
  CHECK(r.call("POST", "/v1/requests", filing("restriction", R"({"grounds": "x", "categories": ["shoe_size"]})")).status == 422);
  auto [id, trk] = r.file_and_verify(
      filing("restriction", R"({"grounds": "I contest the accuracy of my photo", "categories": ["face_photo", "email"]})"));
  CHECK(r.call("GET", "/v1/subjects/" + kNik, "", r.system).json.at("restricted").is_null());
  CHECK(r.fire(id, r.verifier, "restrict").status == 403);  // reviewers and supervisors decide
  auto restricted = r.fire(id, r.supervisor, "restrict");
  REQUIRE(restricted.status == 200);
  CHECK(str(restricted.json, "status") == "completed");  // no recipient to wait for

  // On the record, for systems and for the institution of the subject.
  for (const std::string& token : {r.system, institution}) {
    auto record = r.call("GET", "/v1/subjects/" + kNik, "", token);
    REQUIRE(record.status == 200);
    const auto& on_file = record.json.at("restricted");
    REQUIRE(on_file.is_object());
    CHECK(boost::json::serialize(on_file.at("categories")) == R"(["face_photo","email"])");
    CHECK_FALSE(str(on_file, "since").empty());
  }
  auto applied = r.server.message_for(id, "restriction_applied");
  CHECK(str(applied, "locale") == "id");
  CHECK(str(applied, "text").find("tidak memprosesnya") != std::string::npos);

  // Lifting: a supervisor tells the subject first, with a reason the subject
  // reads (GDPR Art. 18(3)), then lifts it.
  CHECK(r.fire(id, r.supervisor, "lift_restriction").status == 409);  // not announced yet
  CHECK(r.fire(id, r.reviewer, "announce_lift", "resolved").status == 403);
  CHECK(r.fire(id, r.supervisor, "announce_lift").status == 422);
  REQUIRE(r.fire(id, r.supervisor, "announce_lift", "Foto Anda telah diperbarui dan diperiksa ulang").status == 200);
  auto warned = r.server.message_for(id, "restriction_lift_announced");
  CHECK(str(warned, "text").find("Foto Anda telah diperbarui dan diperiksa ulang") != std::string::npos);
  CHECK_FALSE(r.call("GET", "/v1/subjects/" + kNik, "", r.system).json.at("restricted").is_null());  // still stands
  auto mine = r.call("GET", "/v1/requests/" + id, "", trk);
  CHECK(str(mine.json.at("history").as_array().back(), "reason") == "Foto Anda telah diperbarui dan diperiksa ulang");
  auto lifted = r.fire(id, r.supervisor, "lift_restriction");
  REQUIRE(lifted.status == 200);
  CHECK(str(lifted.json, "status") == "completed");
  CHECK(str(lifted.json, "outcome") == "lifted");
  CHECK(lifted.json.at("allowed_events").as_array().empty());  // done: nothing more to offer
  CHECK(r.call("GET", "/v1/subjects/" + kNik, "", r.system).json.at("restricted").is_null());
  auto told = r.server.message_for(id, "restriction_lifted");
  CHECK(str(told, "text").find("kini telah dicabut") != std::string::npos);
  CHECK(r.fire(id, r.supervisor, "lift_restriction").status == 409);  // once
  CHECK(r.server.stop() == 0);
}

TEST_CASE("portability: a signed export in JSON and CSV, and a transfer to another controller", "[server][rights]") {
  Rights r;
  Receiver other_controller;
  auto controller = r.recipient("Penyelenggara Sertifikat Lain", other_controller.url("/import"), "");
  CHECK(r.call("POST", "/v1/requests", filing("portability", R"({"format": "xml"})")).status == 422);
  CHECK(r.call("POST", "/v1/requests", filing("portability", R"({"format": "json", "transfer_to": "rcp-nobody"})")).status == 422);
  auto [id, trk] =
      r.file_and_verify(filing("portability", R"({"format": "csv", "transfer_to": ")" + controller.id + "\"}", "en"));
  CHECK(r.call("GET", "/v1/requests/" + id + "/result", "", trk).status == 409);  // not yet
  auto fulfilled = r.fire(id, r.reviewer, "fulfil");
  REQUIRE(fulfilled.status == 200);
  CHECK(str(fulfilled.json, "status") == "notifying_recipients");

  std::string key = str(r.call("GET", "/v1/keys/signing").json, "public_key");
  auto csv = r.call("GET", "/v1/requests/" + id + "/result", "", trk);
  REQUIRE(csv.status == 200);
  CHECK(csv.headers.at("content-type").starts_with("text/csv"));
  CHECK(csv.body.starts_with("field,value\r\nname,Budi Santoso Wirawan\r\n"));
  std::string signature = csv.headers.at("dsr-export-signature");
  REQUIRE(signature.starts_with("ed25519="));
  CHECK(ed25519_valid(key, csv.body, signature.substr(8)));
  std::string altered = csv.body;
  altered.replace(altered.find("Budi"), 4, "Bodi");
  CHECK_FALSE(ed25519_valid(key, altered, signature.substr(8)));

  // The same export as JSON, checked with dsr package verify.
  auto json = r.call("GET", "/v1/requests/" + id + "/result?format=json", "", trk);
  REQUIRE(json.status == 200);
  CHECK(str(json.json, "export") == "dsr-portable-export/v1");
  CHECK(str(json.json.at("subject"), "email") == kEmail);
  std::string file = r.server.dir().file("export.json");
  { std::ofstream(file) << json.body; }
  std::string verify = std::string(DSR_BINARY) + " package verify " + file + " --public-key " + key + " >/dev/null";
  CHECK(std::system(verify.c_str()) == 0);

  // Transmitted to the controller the subject named, then acknowledged.
  auto posts = other_controller.wait_for(1);
  auto body = boost::json::parse(std::string(posts[0].at("body").as_string()));
  CHECK(str(body, "type") == "portability");
  CHECK(str(body.at("export").at("subject"), "name") == "Budi Santoso Wirawan");
  REQUIRE(r.ack(str(body, "notification_id"), controller.secret).status == 200);
  CHECK(r.wait_for_status(id, "completed") == "completed");
  auto ready = r.server.message_for(id, "export_ready");
  CHECK(str(ready, "text").find("ready to download") != std::string::npos);
  CHECK(r.server.stop() == 0);
}

TEST_CASE("a verifier files for a subject who phoned: verified by hand, the token to the subject", "[server][rights]") {
  Rights r;
  std::string on_behalf = R"(, "on_behalf": {"channel": "phone", "identity_check": "asked the NIK, birth date and the last certificate serial; all matched"})";
  std::string body = filing("access").substr(0, filing("access").size() - 1) + on_behalf + "}";
  CHECK(r.call("POST", "/v1/requests", body).status == 401);
  CHECK(r.call("POST", "/v1/requests", body, r.reviewer).status == 403);
  auto filed = r.call("POST", "/v1/requests", body, r.verifier);
  REQUIRE(filed.status == 201);
  CHECK_FALSE(filed.json.as_object().contains("tracking_token"));  // never to the officer
  CHECK(str(filed.json, "status") == "in_review");
  CHECK(str(filed.json, "verification") == "on_behalf");
  std::string id = str(filed.json, "id");

  auto events = r.call("GET", "/v1/requests/" + id + "/events", "", r.auditor);
  const auto& items = events.json.at("items").as_array();
  REQUIRE(items.size() == 2);
  CHECK(str(items[0], "actor") == "vera");  // filed by the verifier, in the journal
  CHECK(str(items[1], "event") == "verify_manually");
  CHECK(str(items[1], "reason").find("birth date") != std::string::npos);
  CHECK(str(items[1].at("data"), "channel") == "phone");

  // The tracking token went to the contact on record, and opens the request.
  auto message = r.server.message_for(id, "filed_on_behalf");
  CHECK(str(message, "to") == kEmail);
  std::string token = str(message.at("variables"), "tracking_token");
  REQUIRE(token.starts_with("trk_" + id + "."));
  CHECK(str(message, "text").find(token) != std::string::npos);
  CHECK(str(r.call("GET", "/v1/requests/" + id, "", token).json, "status") == "in_review");
  CHECK(r.server.stop() == 0);
}

TEST_CASE("a second open request of the same type is linked to the first, and still verified", "[server][rights]") {
  Rights r;
  auto first = r.call("POST", "/v1/requests", filing("erasure"));
  auto second = r.call("POST", "/v1/requests", filing("erasure"));
  auto other_type = r.call("POST", "/v1/requests", filing("access"));
  REQUIRE((first.status == 201 && second.status == 201 && other_type.status == 201));
  std::string id1 = str(first.json, "id"), id2 = str(second.json, "id");
  CHECK(str(second.json, "status") == "verifying");  // never exempt from verification
  REQUIRE_FALSE(r.server.message_for(id2, "verification_code").is_null());
  auto staff_view = r.call("GET", "/v1/requests/" + id2, "", r.reviewer);
  CHECK(str(staff_view.json, "duplicate_of") == id1);
  CHECK(r.call("GET", "/v1/requests/" + id1, "", r.reviewer).json.at("duplicate_of").is_null());
  CHECK(r.call("GET", "/v1/requests/" + str(other_type.json, "id"), "", r.reviewer).json.at("duplicate_of").is_null());
  // Not shown to the subject: it may be someone else's filing for the NIK.
  CHECK_FALSE(r.call("GET", "/v1/requests/" + id2, "", str(second.json, "tracking_token")).json.as_object().contains("duplicate_of"));
  auto queue = r.call("GET", "/v1/requests?type=erasure", "", r.reviewer);
  bool linked = false;
  for (const auto& item : queue.json.at("items").as_array())
    if (str(item, "id") == id2) linked = str(item, "duplicate_of") == id1;
  CHECK(linked);
  CHECK(r.server.stop() == 0);
}

TEST_CASE("the privacy policy's versions over the wire: published, in force, archived, named by consents and packages",
          "[server][policy]") {
  Rights r;
  auto published = r.call("POST", "/v1/policy/versions",
                          R"({"version": "2024-01", "effective_at": "2024-01-01T00:00:00+07:00", "language": "id",
                              "text": "Kebijakan Privasi BSrE, versi Januari 2024"})",
                          r.admin);
  REQUIRE(published.status == 201);
  REQUIRE(r.call("POST", "/v1/policy/versions",
                 R"({"version": "2099-01", "effective_at": "2099-01-01T00:00:00+07:00", "language": "id", "text": "nanti"})",
                 r.admin).status == 201);
  auto in_force = r.call("GET", "/v1/policy");
  REQUIRE(in_force.status == 200);
  CHECK(str(in_force.json, "version") == "2024-01");
  CHECK(str(in_force.json, "text") == "Kebijakan Privasi BSrE, versi Januari 2024");
  CHECK(r.call("GET", "/v1/policy/versions").json.at("versions").as_array().size() == 2);
  auto consent = r.call("POST", "/v1/consents",
                        R"({"nik": ")" + kNik + R"(", "purpose": "newsletter", "status": "given", "at": "2025-06-01T03:00:00Z",
                            "channel": "portal", "evidence_ref": "form-12"})",
                        r.system);
  REQUIRE(consent.status == 201);
  CHECK(str(consent.json, "policy_version") == "2024-01");
  auto [id, trk] = r.file_and_verify(filing("access"));
  REQUIRE(r.fire(id, r.reviewer, "approve").status == 200);
  REQUIRE(r.fire(id, r.system, "fulfil").status == 200);
  auto package = r.call("GET", "/v1/requests/" + id + "/result", "", trk);
  REQUIRE(package.status == 200);
  CHECK(str(package.json, "policy_version") == "2024-01");
  CHECK(str(package.json.at("consents").as_array().at(0), "policy_version") == "2024-01");
  CHECK(r.server.stop() == 0);
}
