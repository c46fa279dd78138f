// `dsr serve` killed with SIGKILL at random moments while clients file
// requests and staff work them over HTTP (policy G.1: no loss). After each
// restart, everything the server answered 2xx to is in the database: every
// filing, every event. The journal verifies, SQLite's integrity_check is ok,
// and the outbox delivers every message the acknowledged work owed.
//
// Quick mode (ctest): 8 kills. DSR_CRASH_ROUNDS=N for a long run; the
// figures are printed at the end (docs/reliability.md quotes them).
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <SQLiteCpp/Database.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "server_process.hpp"

using namespace dsr;
using test::ServerProcess;
using test::WireReply;
using test::exchange;

namespace {

struct StaffTokens {
  std::string verifier, reviewer, auditor, system;
};

// What the server acknowledged, gathered from all the client threads.
class Acknowledged {
 public:
  void filed(const std::string& id) {
    std::lock_guard lock(mutex_);
    events_[id].insert("submit");
  }
  void fired(const std::string& id, const std::string& event) {
    std::lock_guard lock(mutex_);
    events_[id].insert(event);
  }
  std::map<std::string, std::set<std::string>> events() const {
    std::lock_guard lock(mutex_);
    return events_;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::set<std::string>> events_;
};

// Each filing is for a subject of its own, put on file first (under
// another address than the form's, so that a verifier checks by hand):
// dsr writes the receipt to the address on record; to a subject it holds
// no record of it writes nothing before a verifier has checked them, and
// an erasure takes its subject's record with it.
std::atomic<int> next_subject{0};

std::string new_subject_nik() {
  int k = next_subject++;
  return fmt::format("317101{:02}{:02}85{:04}", 1 + k % 28, 1 + (k / 28) % 12, 1 + k / 336);
}

// One client's life until the server goes away: file a request, then work
// it to completion as a verifier and a reviewer (the four-eyes rule needs
// approve by someone other than the filer), recording each 2xx.
void work_requests(std::uint16_t port, const StaffTokens& staff, int client, Acknowledged& acked) {
  const std::string types[] = {"access", "erasure"};
  for (int n = 0;; ++n) {
    std::string nik = new_subject_nik();
    auto on_file = exchange(port, "PUT", "/v1/subjects/" + nik, R"({"name": "Budi Santoso", "email": "budi@kantor.example.go.id"})",
                            staff.system);
    if (!on_file || on_file->status != 201) return;
    std::string body = std::string(R"({"type": ")") + types[(client + n) % 2] +
                       R"(", "subject": {"name": "Budi Santoso", "nik": ")" + nik + R"(", "email": "budi@example.go.id"}})";
    auto filed = exchange(port, "POST", "/v1/requests", body, "");
    if (!filed || filed->status != 201) return;
    std::string id(filed->json.at("id").as_string());
    acked.filed(id);
    std::int64_t version = 1;
    struct Step {
      const char* event;
      const std::string& token;
    };
    for (const Step& step : {Step{"verify_manually", staff.verifier}, Step{"approve", staff.reviewer},
                             Step{"fulfil", staff.reviewer}}) {
      std::string transition =
          std::string(R"({"event": ")") + step.event + R"(", "version": )" + std::to_string(version) + "}";
      auto fired = exchange(port, "POST", "/v1/requests/" + id + "/transitions", transition, step.token);
      if (!fired || fired->status != 200) return;
      acked.fired(id, step.event);
      version = fired->json.at("version").as_int64();
    }
  }
}

// The names of the messages delivered to the dir: sink, per request id.
std::map<std::string, std::set<std::string>> delivered_messages(const std::string& outbox) {
  std::map<std::string, std::set<std::string>> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(outbox, ec)) {
    std::string name = entry.path().filename().string();  // "<time>-<request>-<template>-<n>.json"
    if (name.starts_with(".") || !name.ends_with(".json")) continue;
    for (const char* tmpl : {"request_received", "result_ready"}) {
      auto at = name.find(std::string("-") + tmpl + "-");
      if (at == std::string::npos) continue;
      auto start = name.find('-');
      out[name.substr(start + 1, at - start - 1)].insert(tmpl);
    }
  }
  return out;
}

int rounds_to_run() {
  const char* env = std::getenv("DSR_CRASH_ROUNDS");
  return env ? std::max(1, std::atoi(env)) : 8;
}

}  // namespace

TEST_CASE("SIGKILL under concurrent filings and transitions loses nothing the server acknowledged", "[server][crash]") {
  ServerProcess s({"--public-rate", "0"});
  StaffTokens staff{s.token("verifier", "vera"), s.token("reviewer", "rudi"), s.token("auditor", "aulia"),
                    s.token("system", "ams")};
  Acknowledged acked;
  std::mt19937 random(std::random_device{}());
  const int rounds = rounds_to_run();
  const int clients = 6;
  std::size_t acknowledged_before = 0;

  for (int round = 1; round <= rounds; ++round) {
    INFO("round " << round);
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c)
      threads.emplace_back(work_requests, s.port(), std::cref(staff), c, std::ref(acked));
    std::this_thread::sleep_for(std::chrono::milliseconds(300 + random() % 700));
    s.kill();
    for (auto& t : threads) t.join();
    // Each round must have done some work: a server that stopped answering
    // after a restart would otherwise pass every later round.
    std::size_t acknowledged = 0;
    for (const auto& [id, events] : acked.events()) acknowledged += events.size();
    CHECK(acknowledged > acknowledged_before);
    acknowledged_before = acknowledged;
    s.start();

    // Every acknowledged filing and event is in the request's journal.
    auto owed = acked.events();
    for (const auto& [id, events] : owed) {
      INFO("request " << id);
      auto journal = s.call("GET", "/v1/requests/" + id + "/events", "", staff.auditor);
      REQUIRE(journal.status == 200);
      std::set<std::string> recorded;
      for (const auto& e : journal.json.at("items").as_array()) recorded.insert(std::string(e.at("event").as_string()));
      for (const auto& event : events) {
        INFO("event " << event);
        CHECK(recorded.count(event) == 1);
      }
    }
    auto audit = s.call("GET", "/v1/audit/verify", "", staff.auditor);
    REQUIRE(audit.status == 200);
    CHECK(audit.json.at("ok").as_bool());
    if (!s.on_postgres()) {
      SQLite::Database db(s.dir().file("var/dsr.db"), SQLite::OPEN_READONLY);
      CHECK(db.execAndGet("PRAGMA integrity_check").getString() == "ok");
    }
  }

  // The outbox owes each acknowledged filing its receipt, and each
  // acknowledged fulfilment its "result ready"; it delivers them after the
  // last restart (at least once: a message sent just before a kill may come twice).
  auto owed = acked.events();
  std::size_t missing = 0;
  for (int wait = 0; wait < 200; ++wait) {
    auto delivered = delivered_messages(s.dir().file("var/outbox"));
    missing = 0;
    for (const auto& [id, events] : owed) {
      missing += delivered[id].count("request_received") == 0;
      if (events.count("fulfil")) missing += delivered[id].count("result_ready") == 0;
    }
    if (missing == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(missing == 0);
  CHECK(s.stop() == 0);
  std::size_t events = 0;
  for (const auto& [id, fired] : owed) events += fired.size();
  std::cout << "crash under load: survived " << rounds << " kills; " << owed.size() << " acknowledged filings and "
            << events << " acknowledged events (filings included), all present after every restart\n";
}
