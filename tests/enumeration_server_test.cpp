// No enumeration (issue 23, docs/api.md "No enumeration"): filing for a
// subject on file, for one not on file, and for one on file under another
// address gets the same answer, the same view for the tracking token's
// holder, the same answers to codes and resends, and the same answer time.
// Only the contact on record hears anything; the form's address nothing.
// Over the wire, on SQLite and (server-postgres:) on PostgreSQL.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "server_process.hpp"

using namespace dsr;
using test::ServerProcess;
using test::WireReply;

namespace {

enum Kind { kOnFile, kNotOnFile, kOtherContact };
constexpr std::array<Kind, 3> kKinds{kOnFile, kNotOnFile, kOtherContact};
const char* const kKindNames[] = {"on file", "not on file", "on file under another address"};

// Plausible NIKs (region, birth date, then a serial): the `n`th of a subject
// on file, and of one who is not.
std::string nik_on_file(int n) { return fmt::format("317101230385{:04}", n + 1); }
std::string nik_not_on_file(int n) { return fmt::format("327301550690{:04}", n + 1); }
std::string email_on_record(int n) { return fmt::format("dewi{}@kantor.example.go.id", n); }

// The filing's form for the `n`th subject of a kind: the NIK and the
// address the filer types.
std::string filing(Kind kind, int n) {
  std::string nik = kind == kNotOnFile ? nik_not_on_file(n) : nik_on_file(n);
  std::string email = kind == kOnFile ? email_on_record(n) : fmt::format("pelapor{}@surel.example", n);
  return fmt::format(R"({{"type": "access", "subject": {{"name": "Dewi Lestari", "nik": "{}", "email": "{}"}}}})", nik, email);
}

// The value without what differs by nature between two requests: ids,
// times and tokens (and the Location that names the id).
boost::json::value without_ids_and_times(boost::json::value v) {
  static const std::vector<std::string> kVarying{"id", "received_at", "due_at", "at", "tracking_token"};
  if (v.is_object()) {
    boost::json::object out;
    for (auto& [key, value] : v.as_object())
      if (std::find(kVarying.begin(), kVarying.end(), std::string(key)) == kVarying.end())
        out[key] = without_ids_and_times(value);
    return out;
  }
  if (v.is_array()) {
    boost::json::array out;
    for (auto& item : v.as_array()) out.push_back(without_ids_and_times(item));
    return out;
  }
  return v;
}

std::map<std::string, std::string> headers_but_location(const WireReply& r) {
  auto h = r.headers;
  h.erase("location");
  h.erase("content-length");  // an id's length may vary; the body is compared itself
  return h;
}

double median_ms(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  return samples[samples.size() / 2];
}

struct Filed {
  WireReply answer;
  std::string id, token;
};

}  // namespace

TEST_CASE("a filing's answer, its view, its codes and its time do not tell whether the subject is on file",
          "[server][enumeration]") {
  ServerProcess s({"--public-rate", "0"});
  std::string system = s.token("system", "ams");
  constexpr int kRounds = 30;
  for (int n = 0; n <= kRounds; ++n)
    REQUIRE(s.call("PUT", "/v1/subjects/" + nik_on_file(n),
                   fmt::format(R"({{"name": "Dewi Lestari", "email": "{}", "organization": "BSSN"}})", email_on_record(n)),
                   system).status == 201);

  // One filing of each kind, compared field by field.
  std::array<Filed, 3> filed;
  for (Kind kind : kKinds) {
    auto r = s.call("POST", "/v1/requests", filing(kind, kRounds));
    INFO(kKindNames[kind] << ": " << r.body);
    REQUIRE(r.status == 201);
    filed[kind] = {r, std::string(r.json.at("id").as_string()), std::string(r.json.at("tracking_token").as_string())};
  }
  for (Kind kind : {kNotOnFile, kOtherContact}) {
    INFO(kKindNames[kind] << " against on file");
    CHECK(filed[kind].answer.status == filed[kOnFile].answer.status);
    CHECK(headers_but_location(filed[kind].answer) == headers_but_location(filed[kOnFile].answer));
    CHECK(boost::json::serialize(without_ids_and_times(filed[kind].answer.json)) ==
          boost::json::serialize(without_ids_and_times(filed[kOnFile].answer.json)));
  }
  CHECK_FALSE(filed[kOnFile].answer.json.as_object().contains("verification"));

  // What the tracking token's holder sees, and the answers to a resend and
  // to a wrong code (a request verified by hand has a code no one gets).
  auto compare = [&](const std::string& what, auto call) {
    std::array<WireReply, 3> seen;
    for (Kind kind : kKinds) seen[kind] = call(filed[kind]);
    for (Kind kind : {kNotOnFile, kOtherContact}) {
      INFO(what << ": " << kKindNames[kind] << " against on file\n" << seen[kind].body << "\n" << seen[kOnFile].body);
      CHECK(seen[kind].status == seen[kOnFile].status);
      CHECK(boost::json::serialize(without_ids_and_times(seen[kind].json)) ==
            boost::json::serialize(without_ids_and_times(seen[kOnFile].json)));
    }
    return seen[kOnFile];
  };
  auto view = compare("GET with the tracking token", [&](const Filed& f) {
    return s.call("GET", "/v1/requests/" + f.id, "", f.token);
  });
  CHECK(view.status == 200);
  CHECK(view.json.at("allowed_events") == boost::json::array{"verify", "withdraw", "message"});
  auto resent = compare("a resend", [&](const Filed& f) { return s.call("POST", "/v1/requests/" + f.id + "/code", "", f.token); });
  CHECK(resent.status == 202);
  auto wrong = compare("a wrong code", [&](const Filed& f) {
    return s.call("POST", "/v1/requests/" + f.id + "/verify", R"({"code": "000000"})", f.token);
  });
  CHECK(wrong.status == 422);
  CHECK(std::string(wrong.json.at("type").as_string()) == "urn:dsr:problem:wrong_code");
  compare("GET after a wrong code", [&](const Filed& f) { return s.call("GET", "/v1/requests/" + f.id, "", f.token); });

  // Only the contact on record hears: the code and the receipt. The
  // filer's own address, for a subject not on file, hears nothing.
  auto code = s.message_for(filed[kOnFile].id, "verification_code");
  CHECK(std::string(code.at("to").as_string()) == email_on_record(kRounds));
  auto receipt = s.message_for(filed[kOtherContact].id, "request_received");
  CHECK(std::string(receipt.at("to").as_string()) == email_on_record(kRounds));
  s.message_for(filed[kOnFile].id, "request_received");  // the receipts have gone out by now
  for (const char* name : {"verification_code", "request_received"}) {
    CHECK(s.messages_for(filed[kNotOnFile].id, name).empty());
    if (std::string(name) == "verification_code") CHECK(s.messages_for(filed[kOtherContact].id, name).empty());
  }

  // Staff see how each is verified.
  std::string verifier = s.token("verifier", "vera");
  auto how = [&](Kind kind) {
    auto r = s.call("GET", "/v1/requests/" + filed[kind].id, "", verifier);
    return std::string(r.json.at("subject").at("verification").as_string());
  };
  CHECK(how(kOnFile) == "code");
  CHECK(how(kNotOnFile) == "manual_no_record");
  CHECK(how(kOtherContact) == "manual_contact_mismatch");

  // The answer time: kRounds filings of each kind, taken in turns so that
  // the machine's moods fall on all three alike.
  std::array<std::vector<double>, 3> times;
  for (int n = 0; n < kRounds; ++n) {
    for (std::size_t k = 0; k < kKinds.size(); ++k) {
      Kind kind = kKinds[(k + static_cast<std::size_t>(n)) % kKinds.size()];
      std::string body = filing(kind, n);
      auto start = std::chrono::steady_clock::now();
      auto r = s.call("POST", "/v1/requests", body);
      times[kind].push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
      REQUIRE(r.status == 201);
    }
  }
  std::array<double, 3> median{median_ms(times[kOnFile]), median_ms(times[kNotOnFile]), median_ms(times[kOtherContact])};
  // The same filings as the server timed them (its access log: from the
  // request read to the answer written), without the client's and the
  // network's noise: there a path that skipped the durable write or the
  // reads would stand out by far more.
  std::array<std::vector<double>, 3> served;
  {
    // The request log is written in batches, by a thread of its own: the
    // last lines may take a moment (at most 50 ms, when stdout keeps up).
    std::vector<double> filings;
    for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
         filings.size() < 3 * kRounds && std::chrono::steady_clock::now() < until;
         std::this_thread::sleep_for(std::chrono::milliseconds(20))) {
      filings.clear();
      std::ifstream log(s.dir().file("access.log"));
      for (std::string line; std::getline(log, line);) {
        boost::system::error_code ec;
        auto entry = boost::json::parse(line, ec);
        if (ec || !entry.is_object() || entry.at("route") != "/v1/requests" || entry.at("method") != "POST") continue;
        filings.push_back(entry.at("duration_ms").to_number<double>());
      }
    }
    REQUIRE(filings.size() >= 3 * kRounds);
    filings.erase(filings.begin(), filings.end() - 3 * kRounds);  // the timed ones, in the order they were made
    for (int n = 0; n < kRounds; ++n)
      for (std::size_t k = 0; k < kKinds.size(); ++k)
        served[kKinds[(k + static_cast<std::size_t>(n)) % kKinds.size()]].push_back(
            filings[static_cast<std::size_t>(n) * kKinds.size() + k]);
  }
  std::array<double, 3> server_median{median_ms(served[kOnFile]), median_ms(served[kNotOnFile]),
                                      median_ms(served[kOtherContact])};
  WARN(fmt::format("median answer time over {} filings each ({}), at the client: on file {:.2f} ms, not on file "
                   "{:.2f} ms, on file under another address {:.2f} ms; at the server: {:.2f}, {:.2f}, {:.2f} ms",
                   kRounds, s.on_postgres() ? "PostgreSQL" : "SQLite", median[kOnFile], median[kNotOnFile],
                   median[kOtherContact], server_median[kOnFile], server_median[kNotOnFile],
                   server_median[kOtherContact]));
  // Generous, so that a noisy machine cannot fail it: at the client within
  // 2x of each other or 2 ms apart; at the server within 3x. Answering
  // before the commit made a filing about 14x faster at the server (and
  // 2x at the client) when tried.
  for (Kind kind : {kNotOnFile, kOtherContact}) {
    INFO(kKindNames[kind] << " against on file");
    double low = std::min(median[kind], median[kOnFile]), high = std::max(median[kind], median[kOnFile]);
    CHECK((high <= 2 * low || high - low <= 2.0));
    double served_low = std::min(server_median[kind], server_median[kOnFile]);
    double served_high = std::max(server_median[kind], server_median[kOnFile]);
    CHECK(served_high <= 3 * served_low);
  }
}
