// The staff access log over the API (docs/access-log.md): a staff answer
// that carries a subject's data leaves only once the read is an entry of
// the audit log; auditors read a subject's entries by NIK; the subject's
// access package lists the roles that read their data, and names them only
// where the operator chose to.
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include "api/canonical_json.hpp"
#include "api_support.hpp"
#include "storage/package_signer.hpp"
#include "test_support.hpp"

using namespace dsr;
using test::ApiHarness;

namespace {

const std::string kNik = "3171012303850007";
const std::string kOtherNik = "3273015506900002";

std::string str(const boost::json::value& v, std::string_view key) { return std::string(v.at(key).as_string()); }

std::vector<std::string> strings(const boost::json::value& v) {
  std::vector<std::string> out;
  for (const auto& s : v.as_array()) out.emplace_back(s.as_string());
  return out;
}

bool has(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// An access log whose disk has failed: every write refused.
class BrokenAccessLog final : public AccessLog {
 public:
  void record(std::vector<AccessEntry>, std::function<void(Status)> done) override {
    ++attempts;
    done(fail(Error::unavailable("disk I/O error")));
  }
  Result<AccessLogPage> for_subject(std::string_view, int, std::optional<std::string>) const override {
    return fail(Error::unavailable("disk I/O error"));
  }
  int attempts = 0;
};

// A subject on file with an access request, verified and being reviewed.
struct Filed {
  ApiHarness h;
  std::string trk, rita, ams, audra, ops;
  Filed() {
    h.put_subject(kNik, "budi@example.go.id");
    rita = h.token(Role::reviewer, "rita");
    ams = h.token(Role::system, "ams");
    audra = h.token(Role::auditor, "audra");
    ops = h.token(Role::admin, "ops");
    trk = str(h.call("POST", "/v1/requests",
                     R"({"type": "access", "subject": {"name": "Budi Santoso", "nik": ")" + kNik +
                         R"(", "email": "budi@example.go.id"}})")
                  .body,
              "tracking_token");
    REQUIRE(h.call("POST", "/v1/requests/r1/verify", R"({"code": "123456"})", trk).status == 200);
  }
  boost::json::array log(const std::string& token, const std::string& query = "") {
    auto r = h.call("GET", "/v1/subjects/" + kNik + "/access-log" + query, "", token);
    INFO(r.raw);
    REQUIRE(r.status == 200);
    return r.body.at("items").as_array();
  }
};

}  // namespace

TEST_CASE("every staff read of a subject's data is an access entry, and auditors read them by NIK, newest first",
          "[api][access-log]") {
  Filed f;
  ApiHarness& h = f.h;
  // The subject reading their own request is no staff read.
  REQUIRE(h.call("GET", "/v1/requests/r1", "", f.trk).status == 200);
  CHECK(f.log(f.audra).empty());

  auto seen = h.call("GET", "/v1/requests/r1", "", f.rita);
  REQUIRE(seen.status == 200);
  CHECK(str(seen.body.at("subject").at("record"), "nik") == kNik);
  REQUIRE(h.call("GET", "/v1/subjects/" + kNik, "", f.ams).status == 200);

  auto items = f.log(f.audra);  // the auditor's earlier read of the (empty) log, then these two
  REQUIRE(items.size() == 3);
  const auto& record_read = items[0];
  CHECK(str(record_read, "principal") == "ams");
  CHECK(str(record_read, "role") == "system");
  CHECK(str(record_read, "route") == "GET /v1/subjects/{nik}");
  CHECK(record_read.at("request_id").is_null());
  CHECK(has(strings(record_read.at("fields")), "name"));
  CHECK(has(strings(record_read.at("fields")), "email"));
  const auto& request_read = items[1];
  CHECK(str(request_read, "principal") == "rita");
  CHECK(str(request_read, "role") == "reviewer");
  CHECK(str(request_read, "request_id") == "r1");
  CHECK(str(request_read, "route") == "GET /v1/requests/{id}");
  CHECK(str(request_read, "at") == "2025-03-03T02:15:00Z");
  auto fields = strings(request_read.at("fields"));
  for (const char* field : {"name", "nik", "email", "phone", "organization", "contact_given"}) {
    INFO(field);
    CHECK(has(fields, field));
  }
  CHECK(str(items[2], "route") == "GET /v1/subjects/{nik}/access-log");
  CHECK(str(items[2], "principal") == "audra");
  // No entry names the NIK: routes are templates.
  for (const auto& item : items) CHECK(str(item, "route").find(kNik) == std::string::npos);

  // Reading the log is itself an entry: the newest now.
  auto again = f.log(f.ops);  // admins read it too
  REQUIRE(again.size() == 4);
  CHECK(str(again[0], "principal") == "audra");
  CHECK(str(again[0], "route") == "GET /v1/subjects/{nik}/access-log");
  CHECK(strings(again[0].at("fields")) == std::vector<std::string>{"access_log"});

  // Paged like the other lists.
  auto first = h.call("GET", "/v1/subjects/" + kNik + "/access-log?limit=2", "", f.audra);
  REQUIRE(first.status == 200);
  CHECK(first.body.at("items").as_array().size() == 2);
  std::string cursor = str(first.body, "next_cursor");
  auto second = h.call("GET", "/v1/subjects/" + kNik + "/access-log?limit=2&cursor=" + cursor, "", f.audra);
  REQUIRE(second.status == 200);
  CHECK(str(second.body.at("items").at(0), "principal") == "ams");
  CHECK(h.call("GET", "/v1/subjects/" + kNik + "/access-log?cursor=nonsense", "", f.audra).status == 422);
  CHECK(h.call("GET", "/v1/subjects/" + kNik + "/access-log?limit=0", "", f.audra).status == 422);
  CHECK(h.call("GET", "/v1/subjects/" + kNik + "/access-log?colour=red", "", f.audra).status == 422);
  // Not on file: 404; not a NIK: 422; not an auditor's or admin's: 403.
  CHECK(h.call("GET", "/v1/subjects/" + kOtherNik + "/access-log", "", f.audra).status == 404);
  auto malformed = h.call("GET", "/v1/subjects/12345/access-log", "", f.audra);
  CHECK(malformed.status == 422);
  CHECK(malformed.raw.find("nik") != std::string::npos);
  CHECK(h.call("GET", "/v1/subjects/" + kNik + "/access-log", "", f.rita).status == 403);
}

TEST_CASE("no entry, no data: a read that cannot be recorded is 503 with none of the subject's data",
          "[api][access-log]") {
  Filed f;
  ApiHarness& h = f.h;
  BrokenAccessLog broken;
  h.context->access_log = &broken;
  for (auto [target, token] : {std::pair{std::string("/v1/requests/r1"), f.rita},
                               std::pair{"/v1/subjects/" + kNik, f.ams}}) {
    INFO(target);
    auto r = h.call("GET", target, "", token);
    CHECK(r.status == 503);
    CHECK(str(r.body, "type").find("access_log_unavailable") != std::string::npos);
    CHECK(r.raw.find(kNik.substr(0, 12)) == std::string::npos);
    CHECK(r.raw.find("Budi") == std::string::npos);
    CHECK(r.raw.find("budi@example") == std::string::npos);
  }
  CHECK(broken.attempts == 2);
  // The subject's own reads are not staff reads: they do not wait for the log.
  CHECK(h.call("GET", "/v1/requests/r1", "", f.trk).status == 200);
  // A command whose answer carries the subject's data: done, but answered without it.
  auto held = h.call("POST", "/v1/requests/r1/transitions", R"({"event": "request_info", "reason": "a copy of the KTP", "version": 2})", f.rita);
  CHECK(held.status == 503);
  CHECK(held.raw.find("Budi") == std::string::npos);
  h.context->access_log = nullptr;  // no access log at all: the same
  CHECK(h.call("GET", "/v1/requests/r1", "", f.rita).status == 503);
}

TEST_CASE("the access package tells the subject which roles read their data, and names them only if configured",
          "[api][access-log][package]") {
  Filed f;
  ApiHarness& h = f.h;
  REQUIRE(h.call("POST", "/v1/requests/r1/transitions", R"({"event": "approve", "version": 2})", f.rita).status == 200);
  REQUIRE(h.call("POST", "/v1/requests/r1/transitions", R"({"event": "fulfil", "version": 3})", f.ams).status == 200);
  REQUIRE(h.call("GET", "/v1/subjects/" + kNik, "", f.ams).status == 200);
  std::string key = str(h.call("GET", "/v1/keys/signing").body, "public_key");
  auto signed_by_key = [&](const boost::json::value& package) {
    boost::json::object unsigned_package = package.as_object();
    std::string signature(unsigned_package.at("signature").as_string());
    unsigned_package.erase("signature");
    return storage::verify_signature(api::canonical_json(unsigned_package), signature, key);
  };

  auto package = h.call("GET", "/v1/requests/r1/result", "", f.trk);
  REQUIRE(package.status == 200);
  const auto& reads = package.body.at("access_log").as_array();
  REQUIRE(reads.size() == 2);  // the record read by ams, the reviewer's approval (its answer showed the subject)
  CHECK(str(reads[0], "role") == "system");
  CHECK(str(reads[0], "route") == "GET /v1/subjects/{nik}");
  CHECK(str(reads[1], "role") == "reviewer");
  CHECK(str(reads[1], "request_id") == "r1");
  CHECK(str(reads[1], "at") == "2025-03-03T02:15:00Z");
  CHECK(has(strings(reads[1].at("fields")), "name"));
  for (const auto& read : reads) CHECK_FALSE(read.as_object().contains("principal"));
  CHECK(package.raw.find("rita") == std::string::npos);
  CHECK(signed_by_key(package.body));

  h.context->access_log_names = true;  // --access-log-names
  auto named = h.call("GET", "/v1/requests/r1/result", "", f.trk);
  REQUIRE(named.status == 200);
  const auto& named_reads = named.body.at("access_log").as_array();
  REQUIRE(named_reads.size() == 2);
  CHECK(str(named_reads[0], "principal") == "ams");
  CHECK(str(named_reads[1], "principal") == "rita");
  CHECK(signed_by_key(named.body));
}
