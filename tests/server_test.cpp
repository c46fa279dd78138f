// `dsr serve` over the wire: whole workflows as the portal and the back
// office drive them, and the transport's limits.
#include <catch2/catch.hpp>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json/parse.hpp>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "server_process.hpp"
#include "test_support.hpp"
#include "storage/log_key.hpp"

using namespace dsr;
using test::FakeTime;
using test::ServerProcess;
using test::WireReply;

namespace {

const std::string kNik = "3171012303850007";

std::string str(const WireReply& r, std::string_view key) { return std::string(r.json.at(key).as_string()); }

std::string filing(const std::string& type, const std::string& details = "") {
  return R"({"type": ")" + type + R"(", "subject": {"name": "Budi Santoso Wirawan", "nik": ")" + kNik +
         R"(", "email": "budi.wirawan@example.go.id"})" + details + "}";
}

struct Staff {
  std::string system, verifier, reviewer, supervisor, auditor;
};

Staff staff(ServerProcess& s) {
  return {s.token("system", "ams"), s.token("verifier", "vera"), s.token("reviewer", "rita"),
          s.token("supervisor", "sari"), s.token("auditor", "audrey")};
}

// Files a request for the subject on record and verifies it with the code
// from the message sink; returns (id, tracking token).
std::pair<std::string, std::string> file_and_verify(ServerProcess& s, const std::string& body) {
  auto filed = s.call("POST", "/v1/requests", body);
  REQUIRE(filed.status == 201);
  std::string id = str(filed, "id"), trk = str(filed, "tracking_token");
  auto verified = s.call("POST", "/v1/requests/" + id + "/verify", R"({"code": ")" + s.code_for(id) + R"("})", trk);
  REQUIRE(verified.status == 200);
  REQUIRE(str(verified, "status") == "in_review");
  return {id, trk};
}

WireReply fire(ServerProcess& s, const std::string& id, const std::string& token, const std::string& event,
               std::int64_t version, const std::string& reason = "") {
  std::string body = R"({"event": ")" + event + R"(", "version": )" + std::to_string(version) +
                     (reason.empty() ? "" : R"(, "reason": ")" + reason + "\"") + "}";
  return s.call("POST", "/v1/requests/" + id + "/transitions", body, token);
}

}  // namespace

// The check every PostgreSQL server test ends with (ServerProcess): a NIK
// anywhere in the dump is found, but a key id whose 16 hex digits all came
// out as digits is not one (it once failed CI that way).
TEST_CASE("the pg_dump check finds a NIK in any column, and takes no key id for one",
          "[server][privacy][sqlite-only]") {
  const std::string all_digit_key_id = "4721390658123407";
  std::string dump =
      "CREATE TABLE public.subjects (\n    ref text NOT NULL\n);\n"
      "COPY public.subjects (ref, record, wrap_key_id) FROM stdin;\n"
      "s-9f2c\t\\\\x8ddf3c\t" + all_digit_key_id + "\n"
      "\\.\n"
      "COPY public.retired_signing_keys (key_id, public_key, retired_at) FROM stdin;\n" +
      all_digit_key_id + "\tAAAA\t1796584527\n"
      "\\.\n";
  CHECK(test::personal_lines_in_dump(dump).empty());

  const std::string leaked = "s-9f2c\t3174012501900003\t" + all_digit_key_id;  // a NIK in the record column
  auto found = test::personal_lines_in_dump(
      "COPY public.subjects (ref, record, wrap_key_id) FROM stdin;\n" + leaked + "\n\\.\n");
  CHECK(found == std::vector<std::string>{leaked});
  // Outside a COPY block, the same digits are searched as any text.
  CHECK(test::personal_lines_in_dump("-- key " + all_digit_key_id + "\n").size() == 1);
}

TEST_CASE("every request type, from filing to its end, over HTTP", "[server][workflows]") {
  ServerProcess s({"--checkpoint-interval", "1s"});
  Staff t = staff(s);
  REQUIRE(s.call("PUT", "/v1/subjects/" + kNik,
                 R"({"name": "Budi Santoso Wirawan", "email": "budi.wirawan@example.go.id", "organization": "BSSN"})",
                 t.system).status == 201);

  SECTION("access, and its signed package checked with dsr package verify") {
    auto [id, trk] = file_and_verify(s, filing("access"));
    REQUIRE(fire(s, id, t.reviewer, "approve", 2).status == 200);
    auto done = fire(s, id, t.system, "fulfil", 3);
    REQUIRE(done.status == 200);
    CHECK(str(done, "status") == "completed");
    CHECK(str(s.call("GET", "/v1/requests/" + id, "", trk), "status") == "completed");
    auto package = s.call("GET", "/v1/requests/" + id + "/result", "", trk);
    REQUIRE(package.status == 200);
    std::string key = str(s.call("GET", "/v1/keys/signing"), "public_key");
    std::string file = s.dir().file("package.json");
    { std::ofstream(file) << package.body; }
    std::string verify = std::string(DSR_BINARY) + " package verify " + file + " --public-key " + key + " >/dev/null";
    CHECK(std::system(verify.c_str()) == 0);
    std::string altered = package.body;
    altered.replace(altered.find("Budi"), 4, "Bodi");
    { std::ofstream(file) << altered; }
    CHECK(WEXITSTATUS(std::system(verify.c_str())) == 1);

    // The audit log's proofs, checked offline with the log key published
    // apart from the package, and the package's checkpoint kept to check
    // the log against later.
    auto log_key = str(s.call("GET", "/v1/log/key"), "verifier_key");
    REQUIRE(package.json.at("audit_log").at("verifier_key").as_string() == log_key);
    REQUIRE(package.json.at("audit_log").at("entries").as_array().size() == 4);  // filed, verified, approved, fulfilled
    { std::ofstream(file) << package.body; }
    std::string with_log = std::string(DSR_BINARY) + " package verify " + file + " --public-key " + key +
                           " --log-key '" + log_key + "' > " + s.dir().file("verify.out");
    CHECK(std::system(with_log.c_str()) == 0);
    std::ifstream said(s.dir().file("verify.out"));
    std::string out((std::istreambuf_iterator<char>(said)), std::istreambuf_iterator<char>());
    CHECK(out.find("its 4 events are in the audit log") != std::string::npos);
    // Another log's key does not vouch for it.
    std::string other = log_key;
    other.replace(0, other.find('+'), "elsewhere.example/log");
    std::string wrong = std::string(DSR_BINARY) + " package verify " + file + " --public-key " + key + " --log-key '" +
                        other + "' >/dev/null";
    CHECK(WEXITSTATUS(std::system(wrong.c_str())) != 0);
    std::string note(package.json.at("audit_log").at("checkpoint").as_string());
    { std::ofstream(s.dir().file("kept.checkpoint")) << note; }
    std::string audit = std::string(DSR_BINARY) + " audit verify --db " + s.db_argument() + " --key-file " + s.key_file() +
                        " --checkpoint " + s.dir().file("kept.checkpoint") + " >/dev/null";
    CHECK(std::system(audit.c_str()) == 0);

    // The signing key rotates (dsr key rotate-signing): the package signed
    // before names its key, which stays listed as retired, so it still
    // verifies; the running server signs with the new key within 5 s.
    std::string old_key_id(package.json.at("signing_key_id").as_string());
    CHECK(str(s.call("GET", "/v1/keys/signing"), "key_id") == old_key_id);
    std::string data = " --db " + s.db_argument() + " --key-file " + s.key_file();
    REQUIRE(std::system((std::string(DSR_BINARY) + " key rotate-signing" + data + " >/dev/null").c_str()) == 0);
    std::string by_id = std::string(DSR_BINARY) + " package verify " + file + data + " > " + s.dir().file("verify.out");
    CHECK(std::system(by_id.c_str()) == 0);
    std::ifstream said_by_id(s.dir().file("verify.out"));
    std::string by_id_out((std::istreambuf_iterator<char>(said_by_id)), std::istreambuf_iterator<char>());
    CHECK(by_id_out.find("(key " + old_key_id + ", retired ") != std::string::npos);
    auto listed = s.call("GET", "/v1/keys/signing");
    for (int i = 0; i < 80 && str(listed, "key_id") == old_key_id; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      listed = s.call("GET", "/v1/keys/signing");
    }
    std::string new_key_id = str(listed, "key_id");
    CHECK(new_key_id != old_key_id);
    const auto& keys = listed.json.at("keys").as_array();
    REQUIRE(keys.size() == 2);
    CHECK(keys[0].at("state").as_string() == "in_force");
    CHECK(keys[0].at("public_key").as_string() == listed.json.at("public_key").as_string());
    CHECK(keys[1].at("key_id").as_string() == old_key_id);
    CHECK(keys[1].at("state").as_string() == "retired");
    CHECK(keys[1].at("public_key").as_string() == key);
    CHECK(keys[1].as_object().contains("retired_at"));
    auto again = s.call("GET", "/v1/requests/" + id + "/result", "", trk);
    REQUIRE(again.status == 200);
    CHECK(again.json.at("signing_key_id").as_string() == new_key_id);

    // The same proofs, and a consistency proof to the next checkpoint,
    // checked by Go's sumdb/note and sumdb/tlog (tests/log_verifier).
    std::string go_verifier = DSR_GO_VERIFIER;
    if (go_verifier.empty()) {
      const char* required = std::getenv("DSR_REQUIRE_GO");
      if (required != nullptr && std::string(required) == "1") FAIL("the Go verifier was not built: run scripts/setup");
      WARN("the Go verifier was not built (no golang-go or golang-golang-x-mod-dev): skipped");
    } else {
      REQUIRE(s.call("POST", "/v1/requests", filing("erasure")).status == 201);  // the log grows past the package
      std::string go = go_verifier + " -base http://127.0.0.1:" + std::to_string(s.port()) + " -package " + file;
      CHECK(std::system(go.c_str()) == 0);
    }
  }
  SECTION("rectification, then recipients") {
    auto [id, trk] = file_and_verify(
        s, filing("rectification", R"(, "details": {"corrections": [{"field": "email", "requested": "budi@bssn.go.id"}]})"));
    REQUIRE(fire(s, id, t.reviewer, "approve", 2).status == 200);
    // No recipient ever received Budi's data: nobody to tell, done at once.
    auto fulfilled = fire(s, id, t.system, "fulfil", 3);
    REQUIRE(str(fulfilled, "status") == "completed");
    CHECK(fulfilled.json.at("version").as_int64() == 5);  // fulfil, then complete by dsr
    auto record = s.call("GET", "/v1/subjects/" + kNik, "", t.system);
    CHECK(str(record, "email") == "budi@bssn.go.id");  // the correction is on file
  }
  SECTION("erasure, with four eyes") {
    auto [id, trk] = file_and_verify(s, filing("erasure"));
    REQUIRE(fire(s, id, t.reviewer, "approve", 2).status == 200);
    std::string rita_as_supervisor = s.token("supervisor", "rita");
    auto refused = fire(s, id, rita_as_supervisor, "approve", 3);
    CHECK(refused.status == 403);
    CHECK(str(refused, "type") == "urn:dsr:problem:four_eyes_violated");
    REQUIRE(fire(s, id, t.supervisor, "approve", 3).status == 200);
    REQUIRE(str(fire(s, id, t.system, "fulfil", 4), "status") == "completed");
    CHECK(s.call("GET", "/v1/subjects/" + kNik, "", t.system).status == 404);  // shredded
  }
  SECTION("objection to an automated decision, decided by a human") {
    auto [id, trk] = file_and_verify(
        s, filing("automated_decision_objection", R"(, "details": {"decision_reference": "AMS-2025-0042", "grounds": "the face match rejected me wrongly"})"));
    auto decided = fire(s, id, t.supervisor, "overturn", 2, "the photo on file was outdated");
    REQUIRE(decided.status == 200);
    CHECK(str(decided, "outcome") == "overturned");
    auto seen = s.call("GET", "/v1/requests/" + id, "", trk);
    CHECK(seen.json.at("history").as_array().back().at("reason").as_string() == "the photo on file was outdated");
  }
  SECTION("an inquiry, answered in writing, in the subject's language") {
    auto unasked = s.call("POST", "/v1/requests", filing("inquiry"));
    CHECK(unasked.status == 422);  // no question
    CHECK(unasked.body.find("details") != std::string::npos);
    std::string body = R"({"type": "inquiry", "locale": "en", "subject": {"name": "Budi Santoso Wirawan", "nik": ")" +
                       kNik + R"(", "email": "budi.wirawan@example.go.id"}, "details": {"question": "Who receives my face photo, and why?"}})";
    auto [id, trk] = file_and_verify(s, body);
    auto seen = s.call("GET", "/v1/requests/" + id, "", t.reviewer);
    CHECK(seen.json.at("details").at("question").as_string() == "Who receives my face photo, and why?");
    CHECK(fire(s, id, t.verifier, "answer", 2, "no").status == 403);  // reviewers and supervisors answer
    auto answered = fire(s, id, t.reviewer, "answer", 2, "Only BSrE keeps it, to check your identity for certificates.");
    REQUIRE(answered.status == 200);
    CHECK(str(answered, "status") == "completed");
    // Kept with the request, public to the subject...
    auto mine = s.call("GET", "/v1/requests/" + id, "", trk);
    CHECK(mine.json.at("history").as_array().back().at("reason").as_string() ==
          "Only BSrE keeps it, to check your identity for certificates.");
    // ...and sent in the subject's language.
    auto message = s.message_for(id, "inquiry_answered");
    CHECK(message.at("locale").as_string() == "en");
    std::string text(message.at("text").as_string());
    CHECK(text.find("Here is BSrE's answer") != std::string::npos);
    CHECK(text.find("Only BSrE keeps it, to check your identity for certificates.") != std::string::npos);
  }
  SECTION("withdrawal") {
    auto [id, trk] = file_and_verify(s, filing("access"));
    CHECK(str(s.call("POST", "/v1/requests/" + id + "/withdraw", "", trk), "status") == "withdrawn");
    CHECK(s.call("POST", "/v1/requests/" + id + "/withdraw", "", trk).status == 409);
  }
  SECTION("waiting for the subject, a hold, an extension") {
    auto [id, trk] = file_and_verify(s, R"({"type": "access", "policy": "uk-gdpr", "subject": {"name": "Budi Santoso Wirawan", "nik": ")" + kNik + R"(", "email": "budi.wirawan@example.go.id"}})");
    auto asked = fire(s, id, t.reviewer, "request_info", 2, "which certificate?");
    CHECK(asked.json.at("clock_paused").as_bool());
    auto replied = s.call("POST", "/v1/requests/" + id + "/messages", R"({"body": "the 2024 signing certificate"})", trk);
    REQUIRE(replied.status == 201);
    CHECK(str(replied, "status") == "in_review");
    CHECK(str(fire(s, id, t.reviewer, "hold", 4, "the instruction may be unlawful"), "status") == "on_hold");
    CHECK(str(fire(s, id, t.supervisor, "resume", 5, "clarified with the subject"), "status") == "in_review");
    auto extended = s.call("POST", "/v1/requests/" + id + "/extension", R"({"reason": "many systems to search"})", t.supervisor);
    REQUIRE(extended.status == 200);
    CHECK(extended.json.at("extended").as_bool());
    auto events = s.call("GET", "/v1/requests/" + id + "/events", "", t.auditor);
    CHECK(events.json.at("items").as_array().size() == 7);  // submit, verify, request_info, reply, hold, resume, extend
  }
  CHECK(s.stop() == 0);
}

namespace {

std::string file_text(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The exit status of a dsr command line, its standard output in `out`.
int dsr_run(const ServerProcess& s, const std::string& args, const std::string& out) {
  std::string line = std::string(DSR_BINARY) + " " + args + " --db " + s.db_argument() + " --key-file " + s.key_file() +
                     " > " + out + " 2>&1";
  return WEXITSTATUS(std::system(line.c_str()));
}

// The size a checkpoint note signs (its second line).
std::uint64_t checkpoint_size(const std::string& note) {
  auto first = note.find('\n');
  return std::stoull(note.substr(first + 1, note.find('\n', first + 1) - first - 1));
}

// The latest checkpoint, once it covers at least `size` entries.
std::string checkpoint_covering(ServerProcess& s, std::uint64_t size) {
  for (int i = 0; i < 100; ++i) {
    auto latest = s.call("GET", "/v1/log/checkpoint");
    if (latest.status == 200 && checkpoint_size(latest.body) >= size) return latest.body;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  FAIL("no checkpoint covering " << size << " entries within 10 s");
  return "";
}

}  // namespace

TEST_CASE("the audit log key rotates while dsr serve runs, and what the old key signed still verifies",
          "[server][keys][audit-log]") {
  ServerProcess s({"--checkpoint-interval", "1s"});
  Staff t = staff(s);
  REQUIRE(s.call("PUT", "/v1/subjects/" + kNik,
                 R"({"name": "Budi Santoso Wirawan", "email": "budi.wirawan@example.go.id", "organization": "BSSN"})",
                 t.system).status == 201);
  auto [id, trk] = file_and_verify(s, filing("access"));
  REQUIRE(fire(s, id, t.reviewer, "approve", 2).status == 200);
  REQUIRE(fire(s, id, t.system, "fulfil", 3).status == 200);
  auto package = s.call("GET", "/v1/requests/" + id + "/result", "", trk);
  REQUIRE(package.status == 200);
  std::string package_file = s.dir().file("package.json");
  { std::ofstream(package_file) << package.body; }
  std::string old_key = str(s.call("GET", "/v1/log/key"), "verifier_key");
  REQUIRE(package.json.at("audit_log").at("verifier_key").as_string() == old_key);
  std::string old_checkpoint = checkpoint_covering(s, 4);
  std::string kept = s.dir().file("old.checkpoint");
  { std::ofstream(kept) << old_checkpoint; }

  // The rotation, with the server running.
  std::string out = s.dir().file("out.txt");
  REQUIRE(dsr_run(s, "key rotate-log", out) == 0);
  INFO(file_text(out));
  CHECK(file_text(out).find("rotated: log key ") != std::string::npos);
  struct stat info{};
  REQUIRE(::stat(s.dir().file("var/log.key").c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  CHECK_FALSE(std::filesystem::exists(s.dir().file("var/log.key.next")));

  // GET /v1/log/key: the new key in force, the old one retired.
  auto listed = s.call("GET", "/v1/log/key");
  REQUIRE(listed.status == 200);
  std::string new_key = str(listed, "verifier_key");
  CHECK(new_key != old_key);
  CHECK(new_key.substr(0, new_key.find('+')) == old_key.substr(0, old_key.find('+')));  // the same log
  const auto& keys = listed.json.at("keys").as_array();
  REQUIRE(keys.size() == 2);
  CHECK(keys[0].at("verifier_key").as_string() == new_key);
  CHECK(keys[0].at("state").as_string() == "in_force");
  CHECK(keys[0].at("key_id").as_string() == new_key.substr(new_key.find('+') + 1, 8));
  CHECK(keys[0].at("retired_at").is_null());
  CHECK(keys[1].at("verifier_key").as_string() == old_key);
  CHECK(keys[1].at("state").as_string() == "retired");
  CHECK(keys[1].at("retired_at").is_string());

  // New checkpoints are signed by the new key (the running server found it).
  REQUIRE(s.call("POST", "/v1/requests", filing("erasure")).status == 201);
  // (Past the log as it was at the rotation, which the handover signs.)
  std::string new_checkpoint =
      checkpoint_covering(s, checkpoint_size(std::string(keys[1].at("handover").as_string())) + 1);
  std::string fresh = s.dir().file("new.checkpoint");
  { std::ofstream(fresh) << new_checkpoint; }
  CHECK(storage::open_checkpoint(new_checkpoint, new_key).ok());
  CHECK_FALSE(storage::open_checkpoint(new_checkpoint, old_key).ok());
  CHECK(dsr_run(s, "audit verify --checkpoint " + fresh + " --log-key '" + new_key + "' --log-key '" + old_key + "'",
                out) == 0);
  // Trusting only the new key, the checkpoints before it are not vouched for.
  CHECK(dsr_run(s, "audit verify --log-key '" + new_key + "'", out) == 1);
  // The old checkpoint, kept before the rotation, verifies with the key it
  // names (the database lists it as retired), and the log extends it.
  REQUIRE(dsr_run(s, "audit verify --checkpoint " + kept, out) == 0);
  CHECK(file_text(out).find("consistent with the kept one") != std::string::npos);
  // An auditor holding only the old key follows the handover to the new
  // one: signed by the old key, it names the new.
  std::string handover(keys[1].at("handover").as_string());
  CHECK(handover.find("dsr-log-successor " + new_key + "\n") != std::string::npos);
  CHECK(storage::open_checkpoint(handover, old_key).ok());
  CHECK(storage::open_checkpoint(handover, new_key).ok());
  REQUIRE(dsr_run(s, "audit verify --checkpoint " + fresh + " --log-key '" + old_key + "'", out) == 0);
  CHECK(file_text(out).find("handed over to " + new_key.substr(new_key.find('+') + 1, 8)) != std::string::npos);

  // The package from before the rotation still verifies with the old key.
  std::string signing = str(s.call("GET", "/v1/keys/signing"), "public_key");
  std::string verify = "package verify " + package_file + " --public-key " + signing;
  CHECK(dsr_run(s, verify + " --log-key '" + old_key + "'", out) == 0);
  CHECK(dsr_run(s, verify + " --log-key '" + new_key + "' --log-key '" + old_key + "'", out) == 0);
  CHECK(dsr_run(s, verify + " --log-key '" + new_key + "'", out) == 1);
  // A package made now carries the new key.
  auto again = s.call("GET", "/v1/requests/" + id + "/result", "", trk);
  REQUIRE(again.status == 200);
  CHECK(again.json.at("audit_log").at("verifier_key").as_string() == new_key);
  // The whole audit: every checkpoint with its key, and the handover.
  CHECK(dsr_run(s, "audit verify", out) == 0);
  // Go's sumdb/note and sumdb/tlog, given every key of GET /v1/log/key:
  // the old package's checkpoint by the old key, extended by the newest,
  // signed by the new key.
  std::string go_verifier = DSR_GO_VERIFIER;
  if (!go_verifier.empty()) {
    std::string go = go_verifier + " -base http://127.0.0.1:" + std::to_string(s.port()) + " -package " +
                     package_file + " > " + out + " 2>&1";
    CHECK(std::system(go.c_str()) == 0);
  }
}

TEST_CASE("bad input over the wire: JSON, sizes, the request line", "[server][limits]") {
  ServerProcess s({"--read-timeout", "2"});
  auto not_json = s.call("POST", "/v1/requests", "{\"type\": ");
  CHECK(not_json.status == 400);
  CHECK(not_json.headers["content-type"] == "application/problem+json; charset=utf-8");
  auto too_big = s.call("POST", "/v1/requests", std::string(200 * 1024, ' '));
  CHECK(too_big.status == 413);
  auto huge_header = s.call("GET", "/healthz", "", "", {"X-Padding: " + std::string(20 * 1024, 'a')});
  CHECK(huge_header.status == 431);
  auto garbage = test::parse_reply(s.raw("THIS IS NOT HTTP\r\n\r\n"));
  CHECK(garbage.status == 400);
  auto unknown = s.call("GET", "/nowhere");
  CHECK(unknown.status == 404);
}

namespace {
// What arrives on fd within ms, or until the peer closes.
std::string receive_for(int fd, int ms, std::string_view until = {}) {
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (until.empty() || out.find(until) == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[4096];
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

void send_all(int fd, const std::string& bytes) {
  REQUIRE(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size()));
}
}  // namespace

// libcurl asks before a large body (or when a portal sets the header), then
// waits a second for the answer: unanswered, every such filing took 1 s.
TEST_CASE("Expect: 100-continue is answered before the body, and only when the body may come", "[server][limits]") {
  ServerProcess s;
  std::string body = R"({"type": "access", "subject": {"name": "B", "nik": "3273015506900002", "email": "b@example.org"}})";
  auto head = [](std::size_t length, const std::string& expect) {
    return "POST /v1/requests HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(length) + "\r\nExpect: " + expect + "\r\nConnection: close\r\n\r\n";
  };
  {
    int fd = test::connect_loopback(s.port());
    send_all(fd, head(body.size(), "100-Continue"));
    CHECK(receive_for(fd, 2000, "\r\n\r\n") == "HTTP/1.1 100 Continue\r\n\r\n");
    send_all(fd, body);
    auto reply = test::parse_reply(receive_for(fd, 5000));
    CHECK(reply.status == 201);
    ::close(fd);
  }
  {  // past the body limit: refused at once, and the client is not invited to send it
    int fd = test::connect_loopback(s.port());
    send_all(fd, head(10 * 1024 * 1024, "100-continue"));
    std::string answer = receive_for(fd, 2000, "\r\n\r\n");
    CHECK(answer.starts_with("HTTP/1.1 413 "));
    ::close(fd);
  }
  {  // an expectation dsr cannot meet (RFC 9110 10.1.1)
    int fd = test::connect_loopback(s.port());
    send_all(fd, head(body.size(), "a-pony"));
    auto reply = test::parse_reply(receive_for(fd, 2000));
    CHECK(reply.status == 417);
    CHECK(reply.body.find("only 100-continue") != std::string::npos);
    ::close(fd);
  }
  {  // the body sent without waiting: no interim answer is owed, only the final one
    std::string out = s.raw(head(body.size(), "100-continue") + body);
    CHECK(out.starts_with("HTTP/1.1 201 "));
  }
  {  // nor does a foreign expectation pass because the body came with it
    auto reply = test::parse_reply(s.raw(head(body.size(), "a-pony") + body));
    CHECK(reply.status == 417);
  }
}

TEST_CASE("a slow client is cut off, and others are served meanwhile", "[server][limits]") {
  ServerProcess s({"--read-timeout", "1"});
  int slow = test::connect_loopback(s.port());
  std::string start = "POST /v1/requests HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{";
  REQUIRE(::send(slow, start.data(), start.size(), MSG_NOSIGNAL) > 0);
  CHECK(s.call("GET", "/healthz").status == 200);  // not blocked by the slow one
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  char buf[64];
  auto n = ::recv(slow, buf, sizeof buf, 0);
  CHECK(n <= 0);  // closed by the server
  ::close(slow);
}

TEST_CASE("keep-alive and pipelined requests are answered in order", "[server][limits]") {
  ServerProcess s;
  std::string two = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  std::string out = s.raw(two);
  auto first = out.find("HTTP/1.1 200");
  auto second = out.find("HTTP/1.1 200", first + 1);
  CHECK(first != std::string::npos);
  CHECK(second != std::string::npos);
  CHECK(out.find("\"status\":\"ok\"") < out.find("\"status\":\"ready\""));
}

TEST_CASE("filings are rate-limited per client, with Retry-After", "[server][limits]") {
  ServerProcess s({"--public-rate", "2"});
  std::string body = R"({"type": "access", "subject": {"name": "B", "nik": "3273015506900002", "email": "b@example.org"}})";
  CHECK(s.call("POST", "/v1/requests", body).status == 201);
  CHECK(s.call("POST", "/v1/requests", body).status == 201);
  auto limited = s.call("POST", "/v1/requests", body);
  CHECK(limited.status == 429);
  CHECK(std::stoi(limited.headers["retry-after"]) >= 1);
  CHECK(s.call("GET", "/healthz").status == 200);  // other routes are not limited
}

TEST_CASE("the access log carries no personal data", "[server][privacy]") {
  ServerProcess s;
  Staff t = staff(s);
  s.call("PUT", "/v1/subjects/" + kNik, R"({"name": "Budi Santoso Wirawan", "email": "budi.wirawan@example.go.id", "phone": "+6281234567890"})", t.system);
  file_and_verify(s, filing("access"));
  s.call("GET", "/v1/subjects/" + kNik, "", t.system);
  REQUIRE(s.stop() == 0);
  std::ifstream in(s.dir().file("access.log"));
  std::stringstream log;
  log << in.rdbuf();
  CHECK(log.str().find("\"route\":\"/v1/subjects/{nik}\"") != std::string::npos);
  for (const char* secret : {"3171012303850007", "Budi", "budi.wirawan", "+6281234567890", "trk_", "dsr_"}) {
    INFO(secret);
    CHECK(log.str().find(secret) == std::string::npos);
  }
}

TEST_CASE("SIGTERM finishes in-flight work and exits cleanly", "[server][shutdown]") {
  ServerProcess s;
  int idle = test::connect_loopback(s.port());  // a kept-alive, idle connection must not hold the server
  CHECK(s.call("GET", "/healthz").status == 200);
  auto started = std::chrono::steady_clock::now();
  CHECK(s.stop() == 0);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
  ::close(idle);
}

TEST_CASE("the request log has a line for every answer, all written by a graceful stop", "[server][shutdown]") {
  ServerProcess s;
  // Four clients, each with 500 requests pipelined on one connection: the
  // lines are written in batches by the log's own thread, and SIGTERM
  // comes while the last batch may still be waiting.
  constexpr int kClients = 4;
  constexpr int kEach = 500;
  std::string pipelined;
  for (int i = 1; i < kEach; ++i) pipelined += "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  pipelined += "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  std::vector<std::thread> clients;
  std::atomic<int> answered{0};
  for (int c = 0; c < kClients; ++c)
    clients.emplace_back([&] {
      std::string out = s.raw(pipelined);
      for (auto at = out.find("HTTP/1.1 200"); at != std::string::npos; at = out.find("HTTP/1.1 200", at + 1)) ++answered;
    });
  for (auto& t : clients) t.join();
  REQUIRE(answered == kClients * kEach);
  REQUIRE(s.stop() == 0);
  std::ifstream in(s.dir().file("access.log"));
  int lines = 0;
  for (std::string line; std::getline(in, line);) {
    INFO(line);
    boost::system::error_code ec;
    auto parsed = boost::json::parse(line, ec);
    REQUIRE(!ec);  // whole lines, never two run together or one cut short
    if (parsed.as_object().at("route").as_string() == "/healthz") ++lines;
  }
  CHECK(lines == kClients * kEach);
}

TEST_CASE("a chunk's size line or trailer that never ends is refused, not kept", "[server][limits]") {
  ServerProcess s;
  // Beast bounds the header block but not these lines: the transport must,
  // or one client could fill the server's memory for the read timeout.
  std::string head = "POST /v1/requests HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n";
  for (const std::string& endless : {"5;" + std::string(64 * 1024, 'a'), "0\r\nX-Trailer: " + std::string(64 * 1024, 'b')}) {
    auto reply = test::parse_reply(s.raw(head + endless, 5000));
    CHECK(reply.status == 400);
    CHECK(reply.body.find("runs past 8192 bytes") != std::string::npos);
  }
  CHECK(s.call("GET", "/healthz").status == 200);
}

TEST_CASE("every answer carries the Date it was sent (RFC 9110 6.6.1)", "[server][conformance]") {
  ServerProcess s;
  auto answer = s.call("GET", "/healthz");
  REQUIRE(answer.headers.contains("date"));
  INFO(answer.headers["date"]);
  // IMF-fixdate, as HTTP/1.1 requires: "Sun, 06 Nov 1994 08:49:37 GMT".
  CHECK(std::regex_match(answer.headers["date"],
                         std::regex(R"((Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT)")));
  CHECK(s.call("GET", "/v1/requests").headers.contains("date"));  // refusals too
}

TEST_CASE("/metrics counts answers by route and status, with a latency histogram", "[server][metrics]") {
  ServerProcess s;
  s.call("GET", "/healthz");
  s.call("GET", "/healthz");
  s.call("GET", "/v1/requests");  // 401
  auto m = s.call("GET", "/metrics");
  REQUIRE(m.status == 200);
  CHECK(m.body.find(R"(dsr_http_requests_total{route="/healthz",method="GET",status="200"} 2)") != std::string::npos);
  CHECK(m.body.find(R"(dsr_http_requests_total{route="/v1/requests",method="GET",status="401"} 1)") != std::string::npos);
  CHECK(m.body.find(R"(dsr_http_request_duration_seconds_count{route="/healthz"} 2)") != std::string::npos);
  CHECK(m.body.find(R"(dsr_http_request_duration_seconds_bucket{route="/healthz",le="+Inf"} 2)") != std::string::npos);
}

TEST_CASE("with --report-schedule, the report owed is written at start, whole", "[server][reports]") {
  test::TempDir reports;
  ServerProcess s({"--report-schedule", "daily 00:00", "--report-dir", reports.file("sla"), "--report-lang", "en"});
  REQUIRE(s.call("POST", "/v1/requests", R"({"type": "access", "subject": {"name": "Budi", "nik": "3171012303850007", "email": "budi@example.go.id"}})").status == 201);
  // Down at report time: the report is missing when the server comes back.
  s.kill();
  std::filesystem::remove_all(reports.file("sla"));
  // (On PostgreSQL the database remembers which day's report some node wrote.)
  if (s.on_postgres()) s.run_sql("DELETE FROM report_slots");
  s.start();
  // Written within moments of the start; the .json last, once the others
  // are in place (until then a temporary file may be there too).
  std::vector<std::string> names;
  auto has_json = [&names] {
    return std::any_of(names.begin(), names.end(), [](const std::string& n) { return n.ends_with(".json"); });
  };
  for (int i = 0; i < 100 && !has_json(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    names.clear();
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(reports.file("sla"), ec)) names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  REQUIRE(names.size() == 3);  // the day's .csv, .html and .json, and no temporary file
  CHECK(names[0].starts_with("sla-"));
  CHECK(names[0].ends_with(".csv"));
  CHECK(names[1].ends_with(".html"));
  CHECK(names[2].ends_with(".json"));
  std::ifstream json(std::filesystem::path(reports.file("sla")) / names[2]);
  auto report = boost::json::parse(std::string(std::istreambuf_iterator<char>(json), {}));
  CHECK(report.at("types").as_array().size() == 10);  // every type of id-pdp, in use
  std::ifstream html(std::filesystem::path(reports.file("sla")) / names[1]);
  CHECK(std::string(std::istreambuf_iterator<char>(html), {}).find("<html lang=\"en\">") != std::string::npos);
  CHECK(s.stop() == 0);
}

namespace {
// The last year every shipped calendar lists.
int last_year_of_shipped_calendars() {
  const SlaCatalog& shipped = test::shipped_policies();
  int last = 9999;
  for (const auto& id : shipped.calendar_ids())
    last = std::min(last, shipped.calendar(id)->holidays_by_year.rbegin()->first);
  return last;
}

std::string serve_err_at(std::chrono::sys_days day) {
  FakeTime clock;
  clock.advance(std::chrono::duration_cast<std::chrono::seconds>(day + std::chrono::hours(12) -
                                                                 std::chrono::system_clock::now()));
  ServerProcess s({}, "http", clock.environment());
  REQUIRE(s.stop() == 0);
  std::ifstream in(s.dir().file("serve.err"));
  return std::string(std::istreambuf_iterator<char>(in), {});
}
}  // namespace

// On 1 January dsr serve wants the year after next: an operator who has not
// added it by then finds the server refusing to start, so it says so first.
TEST_CASE("in the last quarter before the calendars run out, dsr serve warns at every start", "[server][calendar][sqlite-only]") {
  using namespace std::chrono;
  int last = last_year_of_shipped_calendars();
  std::string warned = serve_err_at(sys_days(year{last - 1} / November / 15));
  CHECK(warned.find("dsr serve: warning: ") != std::string::npos);
  CHECK(warned.find("has no " + std::to_string(last + 1)) != std::string::npos);
  CHECK(warned.find("from 1 January " + std::to_string(last) + ", dsr serve will refuse to start") != std::string::npos);
  CHECK(serve_err_at(sys_days(year{last - 1} / June / 1)).find("warning") == std::string::npos);
}

TEST_CASE("a --report-schedule other than daily HH:MM, or a --report-lang other than id or en, is refused at start", "[server][reports]") {
  test::TempDir dir;
  std::string out = dir.file("out");
  std::string command = std::string(DSR_BINARY) + " serve --report-schedule 'weekly 07:00' --db " + dir.file("x.db") +
                        " --key-file " + dir.file("x.key") + " > " + out + " 2>&1";
  int status = std::system(command.c_str());
  CHECK(WEXITSTATUS(status) == 2);
  std::ifstream in(out);
  std::string text(std::istreambuf_iterator<char>(in), {});
  CHECK(text.find(R"(--report-schedule "weekly 07:00" is not understood)") != std::string::npos);

  command = std::string(DSR_BINARY) + " serve --report-schedule 'daily 07:00' --report-lang fr --db " +
            dir.file("x.db") + " --key-file " + dir.file("x.key") + " > " + out + " 2>&1";
  status = std::system(command.c_str());
  CHECK(WEXITSTATUS(status) == 2);
  std::ifstream again(out);
  CHECK(std::string(std::istreambuf_iterator<char>(again), {}).find("--report-lang fr is not id (Indonesian) or en")
        != std::string::npos);
}

TEST_CASE("HTTPS with --tls-cert and --tls-key, with HSTS", "[server][tls]") {
  std::string fixtures = DSR_FIXTURES_DIR;
  ServerProcess s({"--tls-cert", fixtures + "/tls/test-cert.pem", "--tls-key", fixtures + "/tls/test-privkey.pem"}, "https");
  auto r = s.https_call("GET", "/healthz");
  CHECK(r.status == 200);
  CHECK(r.headers["strict-transport-security"] == "max-age=31536000");
  auto plain = test::parse_reply(s.raw("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 2000));
  CHECK(plain.status == 0);  // no HTTP answer to plain text on the TLS port
  CHECK(s.https_call("GET", "/healthz").status == 200);  // and the server is still fine
  // An answer longer than one TLS record (16 KiB) arrives whole, and
  // answers that override a default header (the console's files are
  // Cache-Control: no-cache) carry it once.
  auto script = s.https_call("GET", "/console/i18n.js");
  REQUIRE(script.status == 200);
  CHECK(script.body.size() > 16 * 1024);
  CHECK(script.body.size() == std::stoul(script.headers["content-length"]));
  CHECK(script.headers["cache-control"] == "no-cache");
}
