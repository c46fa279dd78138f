// Breach notices over the wire (policy G.2; UU PDP Pasal 46), on SQLite
// and, as server-postgres:, on PostgreSQL: a supervisor files, another
// approves, every affected subject on file is sent the notice and each
// delivery is counted, the agency's letter is produced, and the SLA report
// counts the notices given on time and late against 72 hours from when the
// breach became known.
#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

#include <chrono>
#include <fstream>
#include <thread>

#include "server_process.hpp"

using namespace dsr;
using test::ServerProcess;
using test::WireReply;

namespace {

std::string str(const boost::json::value& v, std::string_view key) { return std::string(v.at(key).as_string()); }

// A plausible NIK for person `i` < 9999 (region 317101, born on 1 January 1990).
std::string nik_of(int i) {
  std::string serial = std::to_string(i + 1);
  return "317101010190" + std::string(4 - serial.size(), '0') + serial;
}

std::string hours_ago(int hours) {
  auto t = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now() - std::chrono::hours(hours));
  return format_rfc3339(t);
}

std::string breach(const std::string& affected, const std::string& discovered_at) {
  return R"({"type": "breach_notice", "details": {"description": "A backup of the RA database was copied by an unauthorised party",
            "occurred_at": ")" + hours_ago(120) + R"(", "discovered_at": ")" + discovered_at + R"(",
            "categories": ["name", "email", "phone"], "measures": "Access revoked, keys rotated, the copy traced and deleted", )" +
         affected + "}}";
}

}  // namespace

TEST_CASE("a breach notice reaches 1,000 subjects, each delivery counted, with the agency's letter and the SLA report",
          "[server][breach]") {
  ServerProcess s({"--public-rate", "0"});
  std::string system = s.token("system", "ams"), sari = s.token("supervisor", "sari"), sinta = s.token("supervisor", "sinta");
  std::string reviewer = s.token("reviewer", "rita"), auditor = s.token("auditor", "audrey");
  const int kAffected = 1000;
  for (int i = 0; i < kAffected; ++i)
    REQUIRE(s.call("PUT", "/v1/subjects/" + nik_of(i),
                   R"({"name": "Pemegang Sertifikat )" + std::to_string(i) + R"(", "email": "holder)" + std::to_string(i) +
                       R"(@example.go.id", "organization": "Direktorat Contoh"})",
                   system).status == 201);
  REQUIRE(s.call("PUT", "/v1/subjects/" + nik_of(5000), R"({"name": "Orang Lain", "email": "lain@example.go.id", "organization": "Lain"})",
                 system).status == 201);

  // Filed by a supervisor only, with what Pasal 46 asks the notice to say.
  std::string by_organization = breach(R"("organization": "Direktorat Contoh")", hours_ago(1));
  CHECK(s.call("POST", "/v1/requests", by_organization).status == 401);
  CHECK(s.call("POST", "/v1/requests", by_organization, reviewer).status == 403);
  CHECK(s.call("POST", "/v1/requests", breach(R"("organization": "X", "niks": [")" + nik_of(1) + R"("])", hours_ago(1)), sari).status == 422);
  CHECK(s.call("POST", "/v1/requests", breach(R"("organization": "X")", hours_ago(-2)), sari).status == 422);  // not known yet
  auto filed = s.call("POST", "/v1/requests", by_organization, sari);
  REQUIRE(filed.status == 201);
  std::string id = str(filed.json, "id");
  CHECK(str(filed.json, "status") == "second_review");
  auto due = parse_rfc3339(str(filed.json, "due_at"));
  auto discovered = parse_rfc3339(hours_ago(1));
  REQUIRE((due && discovered));
  CHECK(std::chrono::abs(*due - (*discovered + std::chrono::hours(72))) <= std::chrono::seconds(5));  // 72 h from discovery

  // Four eyes: the filer may not approve; another supervisor does.
  auto version = [&](const std::string& r) { return s.call("GET", "/v1/requests/" + r, "", auditor).json.at("version").as_int64(); };
  auto approve = [&](const std::string& r, const std::string& token) {
    return s.call("POST", "/v1/requests/" + r + "/transitions",
                  R"({"event": "approve", "version": )" + std::to_string(version(r)) + "}", token);
  };
  CHECK(approve(id, sari).status == 403);
  auto approved = approve(id, sinta);
  REQUIRE(approved.status == 200);
  CHECK(str(approved.json, "status") == "completed");

  // Every notice delivered, one per affected subject, counted.
  boost::json::value notices;
  for (int i = 0; i < 600; ++i) {
    notices = s.call("GET", "/v1/requests/" + id + "/notices", "", auditor).json;
    if (notices.at("summary").at("delivered").as_int64() == kAffected) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(notices.at("summary").at("delivered").as_int64() == kAffected);
  CHECK(notices.at("items").as_array().size() == static_cast<std::size_t>(kAffected));
  CHECK(s.call("GET", "/v1/requests/" + id + "/notices", "", reviewer).status == 403);
  auto one = s.message_for(id, "breach_notice");
  CHECK(str(one, "to").ends_with("@example.go.id"));
  CHECK(str(one, "to") != "lain@example.go.id");
  CHECK(str(one, "text").find("A backup of the RA database was copied") != std::string::npos);
  CHECK(str(one, "text").find("Access revoked, keys rotated") != std::string::npos);

  // The agency's letter: signed JSON, and HTML.
  auto letter = s.call("GET", "/v1/requests/" + id + "/result", "", sari);
  REQUIRE(letter.status == 200);
  CHECK(letter.json.at("subjects_notified").as_int64() == kAffected);
  CHECK(letter.json.at("on_time").as_bool());
  std::string key = str(s.call("GET", "/v1/keys/signing").json, "public_key");
  std::string file = s.dir().file("letter.json");
  { std::ofstream(file) << letter.body; }
  CHECK(std::system((std::string(DSR_BINARY) + " package verify " + file + " --public-key " + key + " >/dev/null").c_str()) == 0);
  auto html = s.call("GET", "/v1/requests/" + id + "/result?format=html", "", auditor);
  REQUIRE(html.status == 200);
  CHECK(html.headers.at("content-type").starts_with("text/html"));
  CHECK(html.body.find("Subjek diberi tahu</th><td>1000</td>") != std::string::npos);

  // A late one: known four days ago, named by NIK (one not on file).
  auto late = s.call("POST", "/v1/requests",
                     breach(R"("niks": [")" + nik_of(1) + R"(", ")" + nik_of(2) + R"(", ")" + nik_of(8000) + R"("])", hours_ago(96)), sinta);
  REQUIRE(late.status == 201);
  std::string late_id = str(late.json, "id");
  CHECK(s.call("GET", "/v1/requests/" + late_id + "/result", "", sari).status == 409);  // not approved yet
  REQUIRE(approve(late_id, sari).status == 200);
  auto late_letter = s.call("GET", "/v1/requests/" + late_id + "/result", "", sari);
  CHECK_FALSE(late_letter.json.at("on_time").as_bool());
  CHECK(late_letter.json.at("subjects_notified").as_int64() == 2);
  CHECK(late_letter.json.at("niks_not_on_file").as_int64() == 1);

  auto report = s.call("GET", "/v1/reports/sla?format=json", "", auditor);
  REQUIRE(report.status == 200);
  bool counted = false;
  for (const auto& t : report.json.at("types").as_array()) {
    if (t.at("type") != "breach_notice") continue;
    counted = true;
    CHECK(t.at("received").as_int64() == 2);
    CHECK(t.at("answered_on_time").as_int64() == 1);
    CHECK(t.at("answered_late").as_int64() == 1);
  }
  CHECK(counted);
  CHECK(s.stop() == 0);
}
