// Operating a running `dsr serve` from beside it: tokens revoked with the
// command line or over HTTP, tokens that expire, and `dsr backup` taken while
// clients file requests, then restored and checked.
//
// Every command here, and the server, reads an empty configuration file of
// the test's own (--config), so that a /etc/dsr/dsr.conf on the machine
// cannot change what is tested.
#include <catch2/catch.hpp>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "server_process.hpp"

using namespace dsr;
using test::ServerProcess;
using test::TempDir;
using test::WireReply;
using test::exchange;
using Steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

// An empty configuration file, made before the server starts.
struct EmptyConfig {
  TempDir dir;
  std::string file = dir.file("dsr.conf");
  EmptyConfig() { std::ofstream(file).flush(); }
};

struct CommandResult {
  int status = -1;
  std::string output;  // stdout, and stderr unless it was sent elsewhere
};

// Runs a shell command line; its stdout (and stderr, unless the command
// redirects it) and its exit status. Safe from any thread (no Catch2).
CommandResult run_shell(const std::string& command) {
  CommandResult r;
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf{};
  for (std::size_t n; (n = std::fread(buf.data(), 1, buf.size(), p)) > 0;) r.output.append(buf.data(), n);
  int status = ::pclose(p);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  return r;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct MadeToken {
  std::string token;  // the secret
  std::string id;
};

// `dsr` against one server's database and key, with the test's configuration file.
class Cli {
 public:
  Cli(const ServerProcess& server, const EmptyConfig& config) : server_(server), config_(config) {}

  std::string db() const { return server_.db_argument(); }
  std::string key() const { return server_.key_file(); }

  // dsr ARGS --config FILE, stdout and stderr together.
  CommandResult run(const std::string& args) const {
    return run_shell(std::string(DSR_BINARY) + " " + args + " --config " + config_.file + " 2>&1");
  }
  // ... with --db and --key-file of the server.
  CommandResult on_server_db(const std::string& args) const {
    return run(args + " --db " + db() + " --key-file " + key());
  }

  // dsr token create: the token from stdout, its id from stderr.
  MadeToken create_token(const std::string& role, const std::string& name, const std::string& extra = "") const {
    std::string err = config_.dir.file("token-create.err");
    auto made = run_shell(std::string(DSR_BINARY) + " token create --role " + role + " --name " + name + " " + extra +
                          " --db " + db() + " --key-file " + key() + " --config " + config_.file + " 2>" + err);
    std::string said = read_file(err);
    INFO("dsr token create: " << made.output << said);
    REQUIRE(made.status == 0);
    MadeToken t;
    t.token = made.output;
    while (!t.token.empty() && (t.token.back() == '\n' || t.token.back() == '\r')) t.token.pop_back();
    REQUIRE(t.token.starts_with("dsr_"));
    std::smatch id;
    REQUIRE(std::regex_search(said, id, std::regex("tok_[0-9a-f]+")));
    t.id = id.str();
    return t;
  }

 private:
  const ServerProcess& server_;
  const EmptyConfig& config_;
};

// The first answer other than 200 to GET /v1/requests with `token`, asked
// every 100 ms for at most `give_up`; 200 if every answer was 200.
struct TokenRefusal {
  int status = 200;
  Steady::time_point at;
};
TokenRefusal first_refusal(ServerProcess& s, const std::string& token, Steady::duration give_up) {
  auto deadline = Steady::now() + give_up;
  for (;;) {
    auto reply = s.call("GET", "/v1/requests", "", token);
    if (reply.status != 200) return {reply.status, Steady::now()};
    if (Steady::now() >= deadline) return {200, Steady::now()};
    std::this_thread::sleep_for(100ms);
  }
}

double as_seconds(Steady::duration d) { return std::chrono::duration<double>(d).count(); }

const boost::json::object* item_with_id(const WireReply& list, const std::string& id) {
  for (const auto& item : list.json.at("items").as_array())
    if (item.at("id").as_string() == id) return &item.as_object();
  return nullptr;
}

// The filings the server answered 201 to, each with when the answer came.
class AckedFilings {
 public:
  void acknowledged(std::string id) {
    auto at = Steady::now();
    std::lock_guard lock(mutex_);
    filed_.emplace_back(std::move(id), at);
  }
  void refused(std::string what) {
    std::lock_guard lock(mutex_);
    if (refusals_.size() < 5) refusals_.push_back(std::move(what));
    ++refused_;
  }
  std::size_t count() const {
    std::lock_guard lock(mutex_);
    return filed_.size();
  }
  std::vector<std::pair<std::string, Steady::time_point>> filed() const {
    std::lock_guard lock(mutex_);
    return filed_;
  }
  std::size_t refused_count() const {
    std::lock_guard lock(mutex_);
    return refused_;
  }
  std::string some_refusals() const {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& r : refusals_) out += r + "\n";
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::pair<std::string, Steady::time_point>> filed_;
  std::vector<std::string> refusals_;
  std::size_t refused_ = 0;
};

// A portal client filing access requests until told to stop (or a bounded
// number of times).
void file_requests(std::uint16_t port, int client, const std::atomic<bool>& stop, AckedFilings& filings) {
  const std::string body = R"({"type": "access", "subject": {"name": "Budi Santoso", "nik": "3171012303850007", )"
                           R"("email": "budi@example.go.id"}})";
  for (int n = 0; n < 400 && !stop.load(); ++n) {
    auto filed = exchange(port, "POST", "/v1/requests", body);
    if (filed && filed->status == 201 && filed->json.is_object() && filed->json.as_object().contains("id")) {
      filings.acknowledged(std::string(filed->json.at("id").as_string()));
    } else {
      filings.refused("client " + std::to_string(client) + ": " +
                      (filed ? std::to_string(filed->status) + " " + filed->body.substr(0, 200) : "no answer"));
    }
  }
}

}  // namespace

TEST_CASE("operations: a token revoked with dsr token revoke is refused by the running server within 5 s",
          "[server][operations]") {
  EmptyConfig config;
  ServerProcess s({"--config", config.file});
  Cli cli(s, config);
  MadeToken rita = cli.create_token("reviewer", "rita");
  MadeToken rudi = cli.create_token("reviewer", "rudi");

  // Accepted, and so remembered by the server (it caches successful checks).
  REQUIRE(s.call("GET", "/v1/requests", "", rita.token).status == 200);
  REQUIRE(s.call("GET", "/v1/requests", "", rita.token).status == 200);
  REQUIRE(s.call("GET", "/v1/requests", "", rudi.token).status == 200);

  auto revoked = cli.on_server_db("token revoke " + rita.id);
  INFO("dsr token revoke: " << revoked.output);
  REQUIRE(revoked.status == 0);
  CHECK(revoked.output.find("revoked " + rita.id) != std::string::npos);
  auto since = Steady::now();

  TokenRefusal refused = first_refusal(s, rita.token, 10s);
  CHECK(refused.status == 401);
  INFO("the revoked token was refused " << as_seconds(refused.at - since) << " s after dsr token revoke returned");
  CHECK(refused.at - since < 5s);
  std::cout << "operations: revoked by the command line, refused by the server after " << as_seconds(refused.at - since)
            << " s\n";
  // And stays refused; the other token is untouched.
  CHECK(s.call("GET", "/v1/requests", "", rita.token).status == 401);
  CHECK(s.call("GET", "/v1/requests", "", rudi.token).status == 200);
  CHECK(s.stop() == 0);
}

TEST_CASE("operations: DELETE /v1/tokens/{id} refuses a token at once, and GET /v1/tokens lists ids, never a secret",
          "[server][operations]") {
  EmptyConfig config;
  ServerProcess s({"--config", config.file});
  Cli cli(s, config);
  MadeToken ada = cli.create_token("admin", "ada");
  MadeToken vera = cli.create_token("verifier", "vera");
  MadeToken rita = cli.create_token("reviewer", "rita");
  const std::vector<MadeToken> all = {ada, vera, rita};

  auto check_no_secret = [&](const WireReply& list) {
    for (const auto& t : all) {
      INFO("token " << t.id);
      CHECK(list.body.find(t.token) == std::string::npos);
      CHECK(list.body.find(t.token.substr(4)) == std::string::npos);  // nor its random part
    }
  };

  auto listed = s.call("GET", "/v1/tokens", "", ada.token);
  REQUIRE(listed.status == 200);
  INFO(listed.body);
  for (const auto& t : all) {
    const auto* item = item_with_id(listed, t.id);
    REQUIRE(item != nullptr);
    CHECK(item->at("status").as_string() == "active");
  }
  CHECK(item_with_id(listed, vera.id)->at("name").as_string() == "vera");
  check_no_secret(listed);
  // The list is for administrators only.
  CHECK(s.call("GET", "/v1/tokens", "", rita.token).status == 403);
  CHECK(s.call("GET", "/v1/tokens").status == 401);

  // vera is accepted (and so remembered); only an admin may revoke her token.
  REQUIRE(s.call("GET", "/v1/requests", "", vera.token).status == 200);
  REQUIRE(s.call("GET", "/v1/requests", "", vera.token).status == 200);
  CHECK(s.call("DELETE", "/v1/tokens/" + vera.id, "", rita.token).status == 403);
  CHECK(s.call("DELETE", "/v1/tokens/" + vera.id, "", vera.token).status == 403);
  REQUIRE(s.call("GET", "/v1/requests", "", vera.token).status == 200);

  auto deleted = s.call("DELETE", "/v1/tokens/" + vera.id, "", ada.token);
  INFO(deleted.body);
  REQUIRE(deleted.status == 200);
  CHECK(deleted.json.at("id").as_string() == vera.id);
  CHECK(deleted.json.at("status").as_string() == "revoked");
  CHECK(deleted.json.at("revoked_by").as_string() == "ada");
  CHECK(deleted.body.find(vera.token.substr(4)) == std::string::npos);
  // At once: the very next call is refused, and every one after it.
  CHECK(s.call("GET", "/v1/requests", "", vera.token).status == 401);
  CHECK(s.call("GET", "/v1/requests", "", vera.token).status == 401);
  CHECK(s.call("GET", "/v1/requests", "", rita.token).status == 200);

  auto after = s.call("GET", "/v1/tokens", "", ada.token);
  REQUIRE(after.status == 200);
  REQUIRE(item_with_id(after, vera.id) != nullptr);
  CHECK(item_with_id(after, vera.id)->at("status").as_string() == "revoked");
  CHECK(item_with_id(after, rita.id)->at("status").as_string() == "active");
  check_no_secret(after);
  CHECK(s.call("DELETE", "/v1/tokens/tok_00000000000000000000dead", "", ada.token).status == 404);
  // The command line sees the same revocation.
  auto cli_list = cli.on_server_db("token list --all --format json");
  REQUIRE(cli_list.status == 0);
  CHECK(std::regex_search(cli_list.output, std::regex("\"id\":\"" + vera.id + "\"[^}]*\"status\":\"revoked\"")));
  CHECK(s.stop() == 0);
}

// "At once" holds while the token is in use too: a check that read the
// token before the revocation was written must not put it back in the
// server's cache for another 2 s.
TEST_CASE("operations: DELETE /v1/tokens/{id} refuses a token at once even while it is in use",
          "[server][operations]") {
  EmptyConfig config;
  // Refused credentials are not rate-limited here: the clients below meet many 401s.
  ServerProcess s({"--config", config.file, "--auth-failure-rate", "0"});
  Cli cli(s, config);
  MadeToken ada = cli.create_token("admin", "ada");
  for (int trial = 1; trial <= 3; ++trial) {
    INFO("trial " << trial);
    MadeToken busy = cli.create_token("reviewer", "busy-" + std::to_string(trial));
    REQUIRE(s.call("GET", "/v1/requests", "", busy.token).status == 200);
    std::atomic<bool> stop{false};
    std::atomic<int> accepted{0};
    std::vector<std::thread> users;
    for (int u = 0; u < 2; ++u)
      users.emplace_back([&] {
        for (int n = 0; n < 500 && !stop.load(); ++n) {
          auto r = exchange(s.port(), "GET", "/v1/requests", "", busy.token);
          if (r && r->status == 200) ++accepted;
        }
      });
    for (int i = 0; i < 100 && accepted.load() < 10; ++i) std::this_thread::sleep_for(10ms);
    auto deleted = s.call("DELETE", "/v1/tokens/" + busy.id, "", ada.token);
    stop = true;
    for (auto& u : users) u.join();
    REQUIRE(deleted.status == 200);
    CHECK(accepted.load() > 0);
    // The revocation was answered: from here on the token is refused.
    CHECK(s.call("GET", "/v1/requests", "", busy.token).status == 401);
  }
  CHECK(s.stop() == 0);
}

TEST_CASE("operations: a token past its --expires-in is refused by the running server", "[server][operations]") {
  EmptyConfig config;
  ServerProcess s({"--config", config.file});
  Cli cli(s, config);
  MadeToken ada = cli.create_token("admin", "ada");
  // 3s, not 2s: the expiry is counted from a whole second, so a 2s token may
  // live barely 1 s, too little for a loaded machine to use it first.
  auto created = Steady::now();
  MadeToken brief = cli.create_token("reviewer", "brief", "--expires-in 3s");
  // Accepted while it lasts (and so remembered by the server's cache).
  REQUIRE(s.call("GET", "/v1/requests", "", brief.token).status == 200);

  TokenRefusal refused = first_refusal(s, brief.token, 10s);
  CHECK(refused.status == 401);
  INFO("refused " << as_seconds(refused.at - created) << " s after it was made");
  // It expires at most 3 s after it was made; refused within 5 s of that.
  CHECK(refused.at - created < 8s);
  CHECK(refused.at - created >= 1s);  // it did not die before its time
  std::cout << "operations: a 3s token was refused " << as_seconds(refused.at - created) << " s after it was made\n";
  CHECK(s.call("GET", "/v1/requests", "", brief.token).status == 401);
  auto listed = s.call("GET", "/v1/tokens", "", ada.token);
  REQUIRE(listed.status == 200);
  REQUIRE(item_with_id(listed, brief.id) != nullptr);
  CHECK(item_with_id(listed, brief.id)->at("status").as_string() == "expired");
  CHECK(s.stop() == 0);
}


TEST_CASE("operations: dsr backup under concurrent filings, restored, holds every filing acknowledged before it began",
          "[server][operations][sqlite-only]") {
  EmptyConfig config;
  ServerProcess s({"--config", config.file, "--public-rate", "0"});
  Cli cli(s, config);
  TempDir out;

  AckedFilings filings;
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int c = 0; c < 3; ++c) clients.emplace_back(file_requests, s.port(), c, std::cref(stop), std::ref(filings));

  // Three backups while the clients go on filing, each of a larger database
  // (once 30, 150 and 300 filings are acknowledged, or 3 s have passed).
  struct Backup {
    std::string file;
    Steady::time_point began, ended;
    CommandResult result;
  };
  std::vector<Backup> backups;
  for (std::size_t wanted : {30u, 150u, 300u}) {
    for (int i = 0; i < 150 && filings.count() < wanted; ++i) std::this_thread::sleep_for(20ms);
    Backup b;
    b.file = out.file("dsr-backup-" + std::to_string(backups.size() + 1) + ".db");
    b.began = Steady::now();
    b.result = cli.run("backup --to " + b.file + " --db " + cli.db());
    b.ended = Steady::now();
    backups.push_back(std::move(b));
  }
  // The load goes on a little after the last backup: the server still files.
  std::this_thread::sleep_for(300ms);
  stop = true;
  for (auto& t : clients) t.join();

  const auto filed = filings.filed();
  INFO("refused filings:\n" << filings.some_refusals());
  CHECK(filings.refused_count() == 0);  // none refused, or lost, because a backup ran
  std::set<std::string> acknowledged;
  for (const auto& [id, at] : filed) acknowledged.insert(id);
  CHECK(std::count_if(filed.begin(), filed.end(), [&](const auto& f) { return f.second >= backups.back().ended; }) >
        0);  // the server went on filing once the backups were done

  for (std::size_t n = 0; n < backups.size(); ++n) {
    const Backup& b = backups[n];
    INFO("backup " << n + 1 << " (" << as_seconds(b.ended - b.began) << " s): " << b.result.output);
    REQUIRE(b.result.status == 0);
    std::set<std::string> before;
    std::size_t during = 0;
    for (const auto& [id, at] : filed) {
      if (at < b.began) before.insert(id);
      if (at >= b.began && at < b.ended) ++during;
    }
    INFO(before.size() << " filings acknowledged before the backup began, " << during << " while it ran");
    REQUIRE(!before.empty());

    std::string restored_dir = out.file("restored-" + std::to_string(n + 1));
    auto restored = cli.run("restore --from " + b.file + " --data-dir " + restored_dir + " --key-file " + cli.key());
    INFO("dsr restore: " << restored.output);
    REQUIRE(restored.status == 0);
    auto audit = cli.run("audit verify --db " + restored_dir + "/dsr.db --key-file " + cli.key());
    INFO("dsr audit verify: " << audit.output);
    CHECK(audit.status == 0);

    std::set<std::string> in_copy;
    {
      SQLite::Database db(restored_dir + "/dsr.db", SQLite::OPEN_READONLY);
      CHECK(db.execAndGet("PRAGMA integrity_check").getString() == "ok");
      SQLite::Statement q(db, "SELECT id FROM requests");
      while (q.executeStep()) in_copy.insert(q.getColumn(0).getString());
    }
    std::vector<std::string> missing;
    for (const auto& id : before)
      if (in_copy.count(id) == 0) missing.push_back(id);
    INFO(missing.size() << " acknowledged before the backup and missing from it, the first: "
                        << (missing.empty() ? "-" : missing.front()));
    CHECK(missing.empty());
    // A snapshot of this database: nothing in it that the server did not acknowledge.
    std::size_t unknown = 0;
    for (const auto& id : in_copy) unknown += acknowledged.count(id) == 0;
    CHECK(unknown == 0);
    std::cout << "operations: backup " << n + 1 << " took " << as_seconds(b.ended - b.began) << " s with "
              << before.size() << " filings acknowledged before it, " << during << " during it, "
              << in_copy.size() << " in the restored copy\n";
  }
  CHECK(s.stop() == 0);
}
