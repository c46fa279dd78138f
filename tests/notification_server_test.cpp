// Registered notifications over the wire (policy D.2): the real `dsr serve`
// tells a real webhook receiver (tests/recipient_stub.cpp, started here)
// of a correction or erasure, retries what fails, gives up at the horizon,
// survives a SIGKILL in the middle of a delivery, and completes the request
// once every recipient has acknowledged with a signed POST. Signatures are
// checked here with OpenSSL's HMAC, independently of the server's libsodium.
#include <catch2/catch.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "server_process.hpp"
#include "webhook_receiver.hpp"

using namespace dsr;
using test::ServerProcess;
using test::WireReply;
using test::Receiver;
using test::hmac_hex;
using test::now_seconds;

namespace {

const std::string kNik = "3171012303850007";

std::string str(const boost::json::value& v, std::string_view key) { return std::string(v.at(key).as_string()); }

struct Registered {  // a recipient as the admin registered it
  std::string id, secret;
};

// A server with short retry times, Budi on file, and his data disclosed to
// each of `urls` (twice to the first: one notice per recipient all the same).
struct Scenario {
  explicit Scenario(std::vector<std::string> extra = {"--retry-delay", "1s", "--delivery-horizon", "5s",
                                                      "--webhook-timeout", "2s", "--timer-interval", "1s"})
      : server(std::move(extra)) {
    system = server.token("system", "ams");
    reviewer = server.token("reviewer", "rita");
    supervisor = server.token("supervisor", "sari");
    admin = server.token("admin", "adi");
    REQUIRE(server.call("PUT", "/v1/subjects/" + kNik,
                        R"({"name": "Budi Santoso Wirawan", "email": "budi.wirawan@example.go.id", "organization": "BSSN"})",
                        system).status == 201);
  }

  Registered add_recipient(const std::string& name, const std::string& url, int disclosures = 1) {
    auto made = server.call("POST", "/v1/recipients",
                            R"({"name": ")" + name + R"(", "kind": "processor", "webhook_url": ")" + url + "\"}", admin);
    REQUIRE(made.status == 201);
    Registered r{str(made.json, "id"), str(made.json, "signing_secret")};
    for (int i = 0; i < disclosures; ++i)
      REQUIRE(server.call("POST", "/v1/disclosures",
                          R"({"nik": ")" + kNik + R"(", "recipient_id": ")" + r.id +
                              R"(", "categories": ["name", "nik", "email"], "legal_basis": "contract", "disclosed_at": "2026-01-05T03:00:00Z"})",
                          system).status == 201);
    return r;
  }

  // Files, verifies, approves and fulfils a correction of Budi's e-mail.
  std::string fulfilled_rectification() {
    auto filed = server.call("POST", "/v1/requests",
                             R"({"type": "rectification", "subject": {"name": "Budi Santoso Wirawan", "nik": ")" + kNik +
                                 R"(", "email": "budi.wirawan@example.go.id"}, "details": {"corrections": [{"field": "email", "requested": "budi@bssn.go.id"}]}})");
    REQUIRE(filed.status == 201);
    std::string id = str(filed.json, "id"), trk = str(filed.json, "tracking_token");
    REQUIRE(server.call("POST", "/v1/requests/" + id + "/verify", R"({"code": ")" + server.code_for(id) + R"("})", trk).status == 200);
    REQUIRE(transition(id, reviewer, "approve", 2).status == 200);
    auto fulfilled = transition(id, system, "fulfil", 3);
    REQUIRE(fulfilled.status == 200);
    CHECK(str(fulfilled.json, "status") == "notifying_recipients");
    return id;
  }

  WireReply transition(const std::string& id, const std::string& token, const std::string& event, std::int64_t version,
                       const std::string& reason = "") {
    return server.call("POST", "/v1/requests/" + id + "/transitions",
                       R"({"event": ")" + event + R"(", "version": )" + std::to_string(version) +
                           (reason.empty() ? "" : R"(, "reason": ")" + reason + "\"") + "}",
                       token);
  }

  WireReply ack(const std::string& notification_id, const std::string& secret, std::int64_t t = now_seconds(),
                const std::string& body = "{}") {
    std::string signature = "t=" + std::to_string(t) + ",v1=" + hmac_hex(secret, std::to_string(t) + "." + body);
    return server.call("POST", "/v1/notifications/" + notification_id + "/ack", body, "", {"Dsr-Signature: " + signature});
  }

  boost::json::object notifications(const std::string& id) {
    auto r = server.call("GET", "/v1/requests/" + id + "/notifications", "", supervisor);
    REQUIRE(r.status == 200);
    return r.json.as_object();
  }

  // Waits until the request's notices reach `status` (or fails).
  boost::json::object wait_for_status(const std::string& id, const std::string& status, int seconds = 20) {
    for (int i = 0; i < seconds * 10; ++i) {
      auto n = notifications(id);
      bool all = !n.at("items").as_array().empty();
      for (const auto& item : n.at("items").as_array()) all = all && item.at("status") == status.c_str();
      if (all) return n;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    FAIL("the notices never all became " << status << ": " << boost::json::serialize(notifications(id)));
    return {};
  }

  std::string status_of(const std::string& id) { return str(server.call("GET", "/v1/requests/" + id, "", supervisor).json, "status"); }

  ServerProcess server;
  std::string system, reviewer, supervisor, admin;
};

std::string header(const boost::json::object& request, const std::string& name) {
  const auto* v = request.at("headers").as_object().if_contains(name);
  return v ? std::string(v->as_string()) : "";
}

}  // namespace

TEST_CASE("a correction reaches every recipient once, signed, and completes on their acknowledgements",
          "[server][notifications]") {
  Receiver receiver;
  Scenario s;
  Registered bank = s.add_recipient("Bank Contoh", receiver.url("/hooks/bank"), 2);
  Registered ra = s.add_recipient("RA Kementerian", receiver.url("/hooks/ra"));
  std::string id = s.fulfilled_rectification();

  auto received = receiver.wait_for(2);
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  REQUIRE(receiver.received().size() == 2);  // two recipients, one notice each, however often disclosed
  std::map<std::string, std::string> notice_of;  // recipient id -> notification id
  for (const auto& r : received) {
    INFO(boost::json::serialize(r));
    std::string target(r.at("target").as_string());
    const Registered& to = target == "/hooks/bank" ? bank : ra;
    std::string body(r.at("body").as_string());
    // Dsr-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>
    std::string signature = header(r, "dsr-signature");
    auto comma = signature.find(",v1=");
    REQUIRE((signature.starts_with("t=") && comma != std::string::npos));
    std::string t = signature.substr(2, comma - 2);
    CHECK(signature.substr(comma + 4) == hmac_hex(to.secret, t + "." + body));
    CHECK(std::llabs(std::stoll(t) - now_seconds()) < 60);
    auto payload = boost::json::parse(body).as_object();
    CHECK(header(r, "idempotency-key") == str(payload, "notification_id"));
    CHECK(str(payload, "request_id") == id);
    CHECK(str(payload, "type") == "rectification");
    CHECK(str(payload.at("subject"), "nik") == kNik);
    CHECK(payload.at("changes").as_array().at(0).at("field") == "email");
    CHECK(payload.at("changes").as_array().at(0).at("value") == "budi@bssn.go.id");
    CHECK(str(payload, "ack_url").ends_with("/v1/notifications/" + str(payload, "notification_id") + "/ack"));
    notice_of[to.id] = str(payload, "notification_id");
  }
  REQUIRE(notice_of.size() == 2);
  auto listed = s.wait_for_status(id, "delivered");
  CHECK(listed.at("items").as_array().size() == 2);

  SECTION("a wrong, stale or missing signature is 401 and changes nothing") {
    CHECK(s.ack(notice_of[bank.id], ra.secret).status == 401);  // another recipient's secret
    CHECK(s.ack(notice_of[bank.id], bank.secret, now_seconds() - 600).status == 401);
    CHECK(s.server.call("POST", "/v1/notifications/" + notice_of[bank.id] + "/ack", "{}").status == 401);
    CHECK(s.ack("n-doesnotexist", bank.secret).status == 401);
    s.wait_for_status(id, "delivered", 1);
    CHECK(s.status_of(id) == "notifying_recipients");
  }
  SECTION("a system cannot complete before every acknowledgement; the last one completes the request") {
    auto early = s.transition(id, s.system, "complete", 4);
    CHECK(early.status == 409);
    CHECK(str(early.json, "detail").find("RA Kementerian") != std::string::npos);
    auto first = s.ack(notice_of[bank.id], bank.secret);
    REQUIRE(first.status == 200);
    CHECK(str(first.json, "request_status") == "notifying_recipients");
    CHECK(s.ack(notice_of[bank.id], bank.secret).status == 200);  // a repeat is harmless
    auto last = s.ack(notice_of[ra.id], ra.secret, now_seconds(), R"({"notification_id": ")" + notice_of[ra.id] + "\"}");
    REQUIRE(last.status == 200);
    CHECK(str(last.json, "request_status") == "completed");
    CHECK(s.status_of(id) == "completed");
    s.wait_for_status(id, "acknowledged", 1);
  }
  SECTION("a supervisor may close with recipients missing; the journal names them") {
    REQUIRE(s.ack(notice_of[bank.id], bank.secret).status == 200);
    auto closed = s.transition(id, s.supervisor, "complete_unacknowledged", 4, "RA unreachable; told by letter");
    REQUIRE(closed.status == 200);
    CHECK(str(closed.json, "status") == "completed");
    auto events = s.server.call("GET", "/v1/requests/" + id + "/events", "", s.supervisor);
    auto last = events.json.at("items").as_array().back().as_object();
    CHECK(str(last, "event") == "complete_unacknowledged");
    std::string missing(last.at("data").at("unacknowledged").as_string());
    CHECK(missing.find("RA Kementerian") != std::string::npos);
    CHECK(missing.find("Bank Contoh") == std::string::npos);
  }
}

TEST_CASE("failed deliveries are retried with back-off, then become dead letters", "[server][notifications]") {
  SECTION("500 twice, then 200: delivered on the third attempt, with one idempotency key") {
    Receiver receiver("fail-2-then-200");
    Scenario s;
    s.add_recipient("Bank Contoh", receiver.url("/hooks/bank"));
    std::string id = s.fulfilled_rectification();
    auto listed = s.wait_for_status(id, "delivered");
    CHECK(listed.at("items").as_array().at(0).at("attempts").as_int64() == 3);
    auto received = receiver.received();
    REQUIRE(received.size() == 3);
    CHECK(header(received[0], "idempotency-key") == header(received[2], "idempotency-key"));
  }
  for (std::string mode : {"500", "hang", "close"}) {
    DYNAMIC_SECTION("a recipient that answers " << mode << " until the horizon") {
      Receiver receiver(mode);
      Scenario s;
      s.add_recipient("Bank Contoh", receiver.url("/hooks/bank"));
      std::string id = s.fulfilled_rectification();
      auto listed = s.wait_for_status(id, "failed");
      const auto& item = listed.at("items").as_array().at(0);
      CHECK(item.at("attempts").as_int64() >= 2);
      std::string error(item.at("last_error").as_string());
      if (mode == "500") CHECK(error == "HTTP 500");
      if (mode == "hang") CHECK(error.find("no answer in time") != std::string::npos);
      if (mode == "close") CHECK(error.find("closed without an answer") != std::string::npos);
      CHECK(receiver.received().size() >= 2);
      CHECK(s.status_of(id) == "notifying_recipients");  // a dead letter does not complete anything
      auto metrics = s.server.call("GET", "/metrics");
      CHECK(metrics.body.find("dsr_outbox_messages{kind=\"recipient_notification\",status=\"failed\"} 1") != std::string::npos);
    }
  }
}

TEST_CASE("a delivery cut off by a crash is sent again after the restart, with the same key", "[server][notifications]") {
  Receiver receiver("hang");
  Scenario s({"--retry-delay", "1s", "--webhook-timeout", "60s", "--timer-interval", "1s"});
  Registered bank = s.add_recipient("Bank Contoh", receiver.url("/hooks/bank"));
  std::string id = s.fulfilled_rectification();
  auto first = receiver.wait_for(1);  // in flight: the receiver holds the connection
  s.server.kill();
  receiver.set_mode("200");
  s.server.start();
  auto again = receiver.wait_for(2);
  std::string key = header(first[0], "idempotency-key");
  CHECK(header(again[1], "idempotency-key") == key);
  s.wait_for_status(id, "delivered");
  auto acked = s.ack(key, bank.secret);
  REQUIRE(acked.status == 200);
  CHECK(str(acked.json, "request_status") == "completed");
}

TEST_CASE("an erasure tells recipients the NIK they knew, after the record is gone", "[server][notifications]") {
  Receiver receiver;
  Scenario s;
  Registered bank = s.add_recipient("Bank Contoh", receiver.url("/hooks/bank"));
  auto filed = s.server.call("POST", "/v1/requests",
                             R"({"type": "erasure", "subject": {"name": "Budi Santoso Wirawan", "nik": ")" + kNik +
                                 R"(", "email": "budi.wirawan@example.go.id"}})");
  REQUIRE(filed.status == 201);
  std::string id = str(filed.json, "id"), trk = str(filed.json, "tracking_token");
  REQUIRE(s.server.call("POST", "/v1/requests/" + id + "/verify", R"({"code": ")" + s.server.code_for(id) + R"("})", trk).status == 200);
  REQUIRE(s.transition(id, s.reviewer, "approve", 2).status == 200);
  REQUIRE(s.transition(id, s.supervisor, "approve", 3).status == 200);
  REQUIRE(str(s.transition(id, s.system, "fulfil", 4).json, "status") == "notifying_recipients");
  CHECK(s.server.call("GET", "/v1/subjects/" + kNik, "", s.system).status == 404);
  auto received = receiver.wait_for(1);
  auto payload = boost::json::parse(received[0].at("body").as_string()).as_object();
  CHECK(str(payload, "type") == "erasure");
  CHECK(str(payload.at("subject"), "nik") == kNik);
  CHECK(!payload.contains("changes"));
  REQUIRE(s.ack(str(payload, "notification_id"), bank.secret).status == 200);
  CHECK(s.status_of(id) == "completed");
}

TEST_CASE("messages to subjects can go to a gateway, signed with the sink's secret", "[server][notifications][messages]") {
  Receiver gateway;
  test::TempDir secrets;
  std::string secret_file = secrets.file("sink.secret");
  ServerProcess server({"--message-sink", "webhook:" + gateway.url("/sms-email"), "--message-sink-secret-file", secret_file});
  std::string system = server.token("system", "ams");
  REQUIRE(server.call("PUT", "/v1/subjects/" + kNik, R"({"name": "Budi", "email": "budi.wirawan@example.go.id"})", system).status == 201);
  auto filed = server.call("POST", "/v1/requests",
                           R"({"type": "access", "locale": "en", "subject": {"name": "Budi", "nik": ")" + kNik +
                               R"(", "email": "budi.wirawan@example.go.id"}})");
  REQUIRE(filed.status == 201);
  auto received = gateway.wait_for(2);  // the code, and "received"
  std::ifstream in(secret_file);
  std::string secret;
  std::getline(in, secret);
  REQUIRE(secret.starts_with("whsec_"));
  std::set<std::string> templates;
  for (const auto& r : received) {
    std::string body(r.at("body").as_string()), signature = header(r, "dsr-signature");
    auto comma = signature.find(",v1=");
    REQUIRE(comma != std::string::npos);
    CHECK(signature.substr(comma + 4) == hmac_hex(secret, signature.substr(2, comma - 2) + "." + body));
    CHECK(header(r, "idempotency-key").starts_with("msg-"));
    auto message = boost::json::parse(body).as_object();
    CHECK(str(message, "to") == "budi.wirawan@example.go.id");
    CHECK(str(message, "locale") == "en");
    CHECK(str(message, "request_id") == str(filed.json, "id"));
    templates.insert(str(message, "template"));
    if (message.at("template") == "request_received") CHECK(str(message, "text").find(" WIB") != std::string::npos);
  }
  CHECK(templates == std::set<std::string>{"verification_code", "request_received"});
}

TEST_CASE("receipts owed when dsr is killed are sent after the restart, and one the gateway refuses is retried",
          "[server][notifications][messages]") {
  Receiver gateway("hang");
  test::TempDir secrets;
  ServerProcess server({"--message-sink", "webhook:" + gateway.url("/sms-email"), "--message-sink-secret-file",
                        secrets.file("sink.secret"), "--webhook-timeout", "60s", "--retry-delay", "1s"});
  // On file under another address than the form's: each filing owes one
  // message, its receipt, to the address on record (no code: the form's
  // address is not the one on record).
  REQUIRE(server.call("PUT", "/v1/subjects/" + kNik, R"({"name": "Budi", "email": "budi.kantor@example.go.id"})",
                      server.token("system", "ams")).status == 201);
  std::set<std::string> filed;
  for (int i = 0; i < 3; ++i) {
    auto r = server.call("POST", "/v1/requests",
                         R"({"type": "access", "subject": {"name": "Budi", "nik": ")" + kNik +
                             R"(", "email": "budi.wirawan@example.go.id"}})");
    REQUIRE(r.status == 201);
    filed.insert(str(r.json, "id"));
  }
  auto in_flight = gateway.wait_for(1);  // held by the gateway when dsr dies
  server.kill();
  gateway.set_mode("500");
  server.start();
  gateway.wait_for(4);  // the three receipts tried again, refused: now queued for retries
  gateway.set_mode("200");

  std::map<std::string, std::string> delivered;  // request id -> Idempotency-Key of its 200
  for (int i = 0; i < 200 && delivered.size() < filed.size(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    for (const auto& r : gateway.received()) {
      if (r.at("answered").as_int64() != 200) continue;
      auto message = boost::json::parse(r.at("body").as_string()).as_object();
      CHECK(str(message, "template") == "request_received");
      delivered[str(message, "request_id")] = header(r, "idempotency-key");
    }
  }
  std::set<std::string> receipted;
  for (const auto& [id, key] : delivered) receipted.insert(id);
  CHECK(receipted == filed);
  // The receipt cut off by the crash went again as the same message, with the same key.
  auto first = boost::json::parse(in_flight[0].at("body").as_string()).as_object();
  CHECK(delivered[str(first, "request_id")] == header(in_flight[0], "idempotency-key"));
  // The gateway's 200 comes before dsr records the delivery: a moment later.
  bool settled = false;
  for (int i = 0; i < 100 && !settled; ++i) {
    auto metrics = server.call("GET", "/metrics");
    settled = metrics.body.find("dsr_receipts_owed 0\n") != std::string::npos &&
              metrics.body.find("dsr_outbox_messages{kind=\"subject_message\",status=\"pending\"} 0") !=
                  std::string::npos;
    if (!settled) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(settled);
}

TEST_CASE("HTTPS webhooks: the recipient's certificate is verified, against --webhook-ca when given",
          "[server][notifications][tls]") {
  // Another dsr serve with the test certificate stands in for an HTTPS
  // recipient: whatever it answers to the POST proves the TLS exchange.
  std::string fixtures = DSR_FIXTURES_DIR;
  ServerProcess https_peer({"--tls-cert", fixtures + "/tls/test-cert.pem", "--tls-key", fixtures + "/tls/test-privkey.pem"},
                           "https");
  std::string url = "https://127.0.0.1:" + std::to_string(https_peer.port()) + "/hooks/tls";
  SECTION("trusted through --webhook-ca: delivered, answered by the peer") {
    Scenario s({"--retry-delay", "1s", "--delivery-horizon", "2s", "--timer-interval", "1s", "--webhook-ca",
                fixtures + "/tls/test-cert.pem"});
    s.add_recipient("Bank TLS", url);
    std::string id = s.fulfilled_rectification();
    auto listed = s.wait_for_status(id, "failed");
    CHECK(str(listed.at("items").as_array().at(0), "last_error").starts_with("HTTP 4"));  // the handshake succeeded
  }
  SECTION("not trusted by the system's store: refused at the handshake") {
    Scenario s({"--retry-delay", "1s", "--delivery-horizon", "2s", "--timer-interval", "1s"});
    s.add_recipient("Bank TLS", url);
    std::string id = s.fulfilled_rectification();
    auto listed = s.wait_for_status(id, "failed");
    std::string error = str(listed.at("items").as_array().at(0), "last_error");
    CHECK(error.find("TLS handshake") != std::string::npos);
    CHECK(error.find("certificate verify failed") != std::string::npos);
  }
}
