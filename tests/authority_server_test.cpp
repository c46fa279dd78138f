// Authority requests over the wire (policy D.1, D.5, D.7), on SQLite and,
// as server-postgres:, on PostgreSQL: the system files an authority's
// demand, a reviewer checks its legal basis, a second supervisor releases
// it, each subject's data goes to the authority (a signed webhook each, or
// the signed release handed over), one disclosure per subject is recorded,
// and each subject is told, at once or, under a recorded prohibition, only
// when it ends. The server runs on a wall clock the test moves (FakeTime),
// restarted on it: the held notices are in the database, not in memory.
#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <fstream>
#include <set>
#include <thread>

#include "server_process.hpp"
#include "webhook_receiver.hpp"

using namespace dsr;
using namespace std::chrono_literals;
using test::FakeTime;
using test::Receiver;
using test::ServerProcess;
using test::WireReply;

namespace {

const std::string kBudi = "3171012303850007";
const std::string kSari = "3171014506900002";
const std::string kNobody = "3171010101010001";  // not on file

std::string str(const boost::json::value& v, std::string_view key) { return std::string(v.at(key).as_string()); }

std::string header(const boost::json::object& request, const std::string& name) {
  const auto* v = request.at("headers").as_object().if_contains(name);
  return v ? std::string(v->as_string()) : "";
}

struct Desk {
  FakeTime clock;
  ServerProcess server{{"--retry-delay", "1s", "--webhook-timeout", "2s", "--timer-interval", "1s"}, "http",
                       clock.environment()};
  std::string system = server.token("system", "ams");
  std::string reviewer = server.token("reviewer", "rita");
  std::string rita_as_supervisor = server.token("supervisor", "rita");  // the same person under a second role
  std::string sari = server.token("supervisor", "sari");
  std::string admin = server.token("admin", "adi");
  std::string auditor = server.token("auditor", "audrey");

  Desk() {
    REQUIRE(call("PUT", "/v1/subjects/" + kBudi,
                 R"({"name": "Budi Santoso Wirawan", "email": "budi.wirawan@example.go.id", "phone": "+6281200000001",
                     "organization": "BSSN"})",
                 system).status == 201);
    REQUIRE(call("PUT", "/v1/subjects/" + kSari, R"({"name": "Sari Lestari", "email": "sari.l@example.go.id", "organization": "BSSN"})",
                 system).status == 201);
  }

  WireReply call(const std::string& method, const std::string& target, const std::string& body = "",
                 const std::string& token = "") {
    return server.call(method, target, body, token);
  }

  struct Registered {
    std::string id, secret;
  };
  Registered recipient(const std::string& name, const std::string& kind, const std::string& url) {
    auto made = call("POST", "/v1/recipients",
                     R"({"name": ")" + name + R"(", "kind": ")" + kind + "\"" + (url.empty() ? "" : R"(, "webhook_url": ")" + url + "\"") + "}", admin);
    REQUIRE(made.status == 201);
    return {str(made.json, "id"), str(made.json, "signing_secret")};
  }

  static std::string demand(const std::string& recipient_id, const std::string& niks = "\"" + kBudi + "\", \"" + kSari +
                                                                                          "\", \"" + kNobody + "\"",
                            const std::string& categories = R"("name", "nik", "email")") {
    return R"({"type": "authority_request", "details": {"recipient_id": ")" + recipient_id +
           R"(", "legal_basis": "KUHAP Pasal 43; penetapan Pengadilan Negeri Jakarta Pusat", "document_ref": "12/Pen.Pid/2026/PN Jkt.Pst",
              "niks": [)" + niks + R"(], "categories": [)" + categories + "]}}";
  }

  WireReply fire(const std::string& id, const std::string& token, const std::string& event, const std::string& reason = "",
                 const std::string& more = "") {
    auto version = call("GET", "/v1/requests/" + id, "", auditor).json.at("version").as_int64();
    return call("POST", "/v1/requests/" + id + "/transitions",
                R"({"event": ")" + event + R"(", "version": )" + std::to_string(version) +
                    (reason.empty() ? "" : R"(, "reason": ")" + reason + "\"") + more + "}",
                token);
  }

  // Filed by the system, its basis checked by the reviewer: ready for a supervisor.
  std::string checked(const std::string& recipient_id) {
    auto filed = call("POST", "/v1/requests", demand(recipient_id), system);
    INFO(filed.body);
    REQUIRE(filed.status == 201);
    std::string id = str(filed.json, "id");
    CHECK(str(filed.json, "status") == "in_review");
    CHECK(fire(id, reviewer, "check_basis").status == 422);  // the finding is the reason
    REQUIRE(fire(id, reviewer, "check_basis", "Penetapan pengadilan asli, mencakup kedua subjek").status == 200);
    return id;
  }

  // Budi's own access package, as he would fetch it today (a fresh request).
  boost::json::array budis_disclosures() { return budis_package().at("disclosures").as_array(); }
  boost::json::object budis_package() {
    auto filed = call("POST", "/v1/requests",
                      R"({"type": "access", "subject": {"name": "Budi Santoso Wirawan", "nik": ")" + kBudi +
                          R"(", "email": "budi.wirawan@example.go.id"}})");
    REQUIRE(filed.status == 201);
    std::string id = str(filed.json, "id"), trk = str(filed.json, "tracking_token");
    REQUIRE(call("POST", "/v1/requests/" + id + "/verify", R"({"code": ")" + server.code_for(id) + R"("})", trk).status == 200);
    REQUIRE(fire(id, reviewer, "approve").status == 200);
    REQUIRE(fire(id, system, "fulfil").status == 200);
    auto package = call("GET", "/v1/requests/" + id + "/result", "", trk);
    REQUIRE(package.status == 200);
    return package.json.as_object();
  }

  // The signed notices' state, per subject (GET /v1/requests/{id}/notices).
  boost::json::object notices(const std::string& id) {
    auto listed = call("GET", "/v1/requests/" + id + "/notices", "", sari);
    REQUIRE(listed.status == 200);
    return listed.json.as_object();
  }

  std::string status_of(const std::string& id) { return str(call("GET", "/v1/requests/" + id, "", auditor).json, "status"); }
};

// Staff reads of the subject's data made while working `request_id`, as
// the access package lists them.
std::size_t reads_for(const boost::json::object& package, const std::string& request_id) {
  const auto& reads = package.at("access_log").as_array();
  return std::count_if(reads.begin(), reads.end(), [&](const boost::json::value& e) {
    return e.as_object().contains("request_id") && e.at("request_id").is_string() && str(e, "request_id") == request_id;
  });
}

bool names_authority(const boost::json::array& disclosures, const std::string& name) {
  return std::any_of(disclosures.begin(), disclosures.end(),
                     [&](const boost::json::value& d) { return str(d, "recipient") == name; });
}

}  // namespace

TEST_CASE("an authority's demand: checked, released by a second supervisor to its webhook, each subject told at once",
          "[server][authority]") {
  Desk desk;
  Receiver police_endpoint;
  auto police = desk.recipient("Direktorat Tindak Pidana Siber Bareskrim Polri", "law_enforcement",
                               police_endpoint.url("/dsr/releases"));
  auto processor = desk.recipient("Penyedia Layanan SMS", "processor", "");

  // Filed by the system that received the demand, or a supervisor; nobody else.
  std::string demand = Desk::demand(police.id);
  CHECK(desk.call("POST", "/v1/requests", demand).status == 401);
  CHECK(desk.call("POST", "/v1/requests", demand, desk.reviewer).status == 403);
  auto not_an_authority = desk.call("POST", "/v1/requests", Desk::demand(processor.id), desk.system);
  CHECK(not_an_authority.status == 422);
  CHECK(not_an_authority.body.find("law_enforcement, government or legal_advisor") != std::string::npos);
  CHECK(desk.call("POST", "/v1/requests", Desk::demand("rcp-nobody"), desk.system).status == 422);
  CHECK(desk.call("POST", "/v1/requests", Desk::demand(police.id, "\"123\""), desk.system).status == 422);
  auto bad_category = desk.call("POST", "/v1/requests", Desk::demand(police.id, "\"" + kBudi + "\"", R"("name", "blood_type")"),
                                desk.system);
  CHECK(bad_category.status == 422);
  CHECK(bad_category.body.find("details.categories[1]") != std::string::npos);

  std::string id = desk.checked(police.id);
  // Four eyes: not the reviewer under another role; a prohibition only with its basis.
  CHECK(desk.fire(id, desk.rita_as_supervisor, "approve").status == 403);
  CHECK(desk.fire(id, desk.sari, "approve", "", R"(, "notice_prohibited_until": "2099-01-01T00:00:00Z")").status == 422);
  auto released = desk.fire(id, desk.sari, "approve");
  INFO(released.body);
  REQUIRE(released.status == 200);
  CHECK(str(released.json, "status") == "notifying_recipients");

  // One signed webhook per subject on file, with only the categories asked for.
  auto posts = police_endpoint.wait_for(2);
  std::this_thread::sleep_for(700ms);
  REQUIRE(police_endpoint.received().size() == 2);
  std::set<std::string> niks;
  for (const auto& r : posts) {
    std::string body(r.at("body").as_string()), signature = header(r, "dsr-signature");
    auto comma = signature.find(",v1=");
    REQUIRE((signature.starts_with("t=") && comma != std::string::npos));
    CHECK(signature.substr(comma + 4) == test::hmac_hex(police.secret, signature.substr(2, comma - 2) + "." + body));
    auto payload = boost::json::parse(body);
    CHECK(str(payload, "type") == "authority_request");
    CHECK(str(payload, "request_id") == id);
    CHECK(str(payload, "document_ref") == "12/Pen.Pid/2026/PN Jkt.Pst");
    const auto& data = payload.at("release").at("subject").as_object();
    niks.insert(str(payload.at("subject"), "nik"));
    CHECK(str(data, "nik") == str(payload.at("subject"), "nik"));
    CHECK(data.contains("name"));
    CHECK(data.contains("email"));
    CHECK_FALSE(data.contains("phone"));  // not asked for
    CHECK_FALSE(data.contains("organization"));
  }
  CHECK(niks == std::set<std::string>{kBudi, kSari});

  // Each subject on file is told, and the delivery of each is listed.
  CHECK(desk.server.message_for(id, "authority_disclosure").at("text").as_string().find("Bareskrim") != std::string::npos);
  for (int i = 0; i < 50 && desk.notices(id).at("summary").at("delivered").as_int64() < 2; ++i) std::this_thread::sleep_for(100ms);
  auto told = desk.notices(id);
  CHECK(told.at("summary").at("delivered").as_int64() == 2);
  CHECK(desk.call("GET", "/v1/requests/" + id + "/notices", "", desk.reviewer).status == 403);
  auto request = desk.call("GET", "/v1/requests/" + id, "", desk.auditor);
  const auto& approval = request.json.at("history").as_array().back();
  CHECK(str(approval.at("data"), "subjects_released") == "2");
  CHECK(str(approval.at("data"), "niks_not_on_file") == "1");

  // The disclosure is in Budi's access package, naming the authority.
  CHECK(names_authority(desk.budis_disclosures(), "Direktorat Tindak Pidana Siber Bareskrim Polri"));

  // The authority acknowledges each release; the request completes by itself.
  for (const auto& r : posts) {
    auto payload = boost::json::parse(std::string(r.at("body").as_string()));
    std::int64_t t = test::now_seconds();
    std::string signature = "t=" + std::to_string(t) + ",v1=" + test::hmac_hex(police.secret, std::to_string(t) + ".{}");
    REQUIRE(desk.server.call("POST", "/v1/notifications/" + str(payload, "notification_id") + "/ack", "{}", "",
                             {"Dsr-Signature: " + signature}).status == 200);
  }
  for (int i = 0; i < 100 && desk.status_of(id) != "completed"; ++i) std::this_thread::sleep_for(100ms);
  CHECK(desk.status_of(id) == "completed");
  CHECK(desk.server.stop() == 0);
}

TEST_CASE("an authority's demand under a prohibition: released by hand, the subject told only when the prohibition ends",
          "[server][authority]") {
  Desk desk;
  auto ministry = desk.recipient("Inspektorat Jenderal Kementerian Contoh", "government", "");  // no webhook: by hand
  std::string id = desk.checked(ministry.id);
  // Nothing to hand over before the release.
  CHECK(desk.call("GET", "/v1/requests/" + id + "/result", "", desk.sari).status == 409);

  // The prohibition, its basis and who recorded it go with the approval.
  auto server_now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) + desk.clock.offset();
  // 30 days, but within this calendar year: `dsr serve` refuses to start on
  // a clock whose year and the next have no holiday calendar shipped.
  auto this_year = std::chrono::year_month_day(std::chrono::floor<std::chrono::days>(server_now)).year();
  auto year_end = std::chrono::sys_days((this_year + std::chrono::years(1)) / std::chrono::January / 1);
  auto length = std::min<std::chrono::seconds>(std::chrono::days(30),
                                               std::chrono::duration_cast<std::chrono::seconds>(year_end - server_now) - 2h);
  std::string until = format_rfc3339(server_now + length);
  CHECK(desk.fire(id, desk.sari, "approve", "Surat perintah penyidikan melarang pemberitahuan",
                  R"(, "notice_prohibited_until": "2020-01-01T00:00:00Z")").status == 422);  // not in the future
  auto released = desk.fire(id, desk.sari, "approve", "Surat perintah penyidikan melarang pemberitahuan",
                            R"(, "notice_prohibited_until": ")" + until + "\"");
  INFO(released.body);
  REQUIRE(released.status == 200);
  const auto& approval = released.json.at("history").as_array().back();
  CHECK(str(approval.at("data"), "notice_prohibited_until") == until);
  CHECK(str(approval, "reason") == "Surat perintah penyidikan melarang pemberitahuan");
  CHECK(str(approval, "actor") == "sari");

  // The signed release, for a supervisor to hand over; checked with dsr package verify.
  CHECK(desk.call("GET", "/v1/requests/" + id + "/result", "", desk.auditor).status == 403);
  CHECK(desk.call("GET", "/v1/requests/" + id + "/result", "", desk.reviewer).status == 403);
  auto document = desk.call("GET", "/v1/requests/" + id + "/result", "", desk.sari);
  REQUIRE(document.status == 200);
  CHECK(str(document.json, "release") == "dsr-authority-release/v1");
  CHECK(str(document.json.at("authority"), "id") == ministry.id);
  CHECK(document.json.at("niks_not_on_file").as_int64() == 1);
  const auto& subjects = document.json.at("subjects").as_array();
  REQUIRE(subjects.size() == 2);
  for (const auto& s : subjects) {
    CHECK(s.at("data").as_object().contains("email"));
    CHECK_FALSE(s.at("data").as_object().contains("phone"));
  }
  std::string file = desk.server.dir().file("release.json");
  { std::ofstream(file) << document.body; }
  std::string key = str(desk.call("GET", "/v1/keys/signing").json, "public_key");
  std::string verify = std::string(DSR_BINARY) + " package verify " + file + " --public-key " + key + " >/dev/null";
  CHECK(std::system(verify.c_str()) == 0);
  REQUIRE(desk.fire(id, desk.sari, "complete_unacknowledged", "Diserahkan langsung kepada penyidik, berita acara 7/2026").status ==
          200);
  CHECK(desk.status_of(id) == "completed");

  // Withheld: each notice waits for the end of the prohibition, and Budi's
  // package does not show the disclosure.
  auto held = desk.notices(id);
  CHECK(held.at("summary").at("pending").as_int64() == 2);
  for (const auto& n : held.at("items").as_array()) CHECK(str(n, "next_attempt_at") == until);
  CHECK_FALSE(names_authority(desk.budis_disclosures(), "Inspektorat Jenderal Kementerian Contoh"));

  // An hour before it ends (the server restarted on a clock moved on): still nothing.
  desk.clock.advance(length - 1h);
  REQUIRE(desk.server.restart(desk.clock.environment()) == 0);
  std::this_thread::sleep_for(2s);  // the outbox worker looks every half second
  CHECK(desk.server.messages_for(id, "authority_disclosure").empty());
  CHECK(desk.notices(id).at("summary").at("pending").as_int64() == 2);
  auto withheld = desk.budis_package();
  CHECK_FALSE(names_authority(withheld.at("disclosures").as_array(), "Inspektorat Jenderal Kementerian Contoh"));
  // Nor does it show staff reading his data for the authority's request:
  // that would tell him of the demand (D.7).
  CHECK(reads_for(withheld, id) == 0);

  // Once it has ended, each subject is told, by itself, and the package shows it.
  desk.clock.advance(1h + 1min);
  REQUIRE(desk.server.restart(desk.clock.environment()) == 0);
  auto told = desk.server.message_for(id, "authority_disclosure");
  CHECK(str(told, "text").find("Inspektorat Jenderal Kementerian Contoh") != std::string::npos);
  for (int i = 0; i < 50 && desk.notices(id).at("summary").at("delivered").as_int64() < 2; ++i) std::this_thread::sleep_for(100ms);
  CHECK(desk.notices(id).at("summary").at("delivered").as_int64() == 2);
  CHECK(desk.server.messages_for(id, "authority_disclosure").size() == 2);
  auto told_package = desk.budis_package();
  CHECK(names_authority(told_package.at("disclosures").as_array(), "Inspektorat Jenderal Kementerian Contoh"));
  CHECK(reads_for(told_package, id) > 0);  // the release document's reads, among others
  CHECK(desk.server.stop() == 0);
}

TEST_CASE("a rejected authority demand releases nothing and says why", "[server][authority]") {
  Desk desk;
  Receiver endpoint;
  auto advisor = desk.recipient("Kantor Hukum Contoh", "legal_advisor", endpoint.url("/in"));
  auto filed = desk.call("POST", "/v1/requests", Desk::demand(advisor.id), desk.sari);
  REQUIRE(filed.status == 201);
  std::string id = str(filed.json, "id");
  CHECK(desk.fire(id, desk.reviewer, "reject").status == 422);  // a rejection states why
  REQUIRE(desk.fire(id, desk.reviewer, "reject", "Tidak ada penetapan pengadilan; permintaan kuasa hukum saja tidak cukup").status ==
          200);
  CHECK(desk.status_of(id) == "rejected");
  CHECK(desk.call("GET", "/v1/requests/" + id + "/result", "", desk.sari).status == 409);
  std::this_thread::sleep_for(1500ms);
  CHECK(endpoint.received().empty());
  CHECK(desk.server.messages_for(id, "authority_disclosure").empty());
  CHECK_FALSE(names_authority(desk.budis_disclosures(), "Kantor Hukum Contoh"));
  CHECK(desk.server.stop() == 0);
}
