// `dsr serve` against hostile clients (policy G.1): bodies built to confuse
// the parser or the validator, floods of pipelined requests, more
// connections than a client may hold, and slowloris. Each is bounded and
// answered, nothing bad is stored, and a well-behaved client, from another
// address (127.0.0.2: the whole of 127/8 is loopback), is served meanwhile.
#include <catch2/catch.hpp>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "server_process.hpp"

using namespace dsr;
using test::ServerProcess;

namespace {

const std::string kSubject = R"("subject": {"name": "Budi Santoso", "nik": "3171012303850007", "email": "budi@example.go.id"})";

// `request` (ending in "Connection: close") sent from 127.0.0.2; the reply.
std::string exchange_from_other_address(std::uint16_t port, const std::string& request) {
  int fd = test::connect_loopback(port, "127.0.0.2");  // a client of its own
  REQUIRE(::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size()));
  timeval limit{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  std::string out;
  char buf[1024];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

// GET /healthz as the well-behaved client; the time it took to be answered.
std::chrono::milliseconds good_client_waits(std::uint16_t port) {
  auto start = std::chrono::steady_clock::now();
  std::string out = exchange_from_other_address(port, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  CHECK(out.starts_with("HTTP/1.1 200"));
  return waited;
}

// How many of `fds` the server has closed (or reset); closes them all.
std::size_t closed_by_server(const std::vector<int>& fds) {
  std::size_t closed = 0;
  for (int fd : fds) {
    timeval limit{0, 200000};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    char buf[256];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) ++closed;
    ::close(fd);
  }
  return closed;
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("bodies built to confuse the parser or the validator are refused, and nothing is filed", "[server][hostile]") {
  ServerProcess s;
  std::string deep = R"({"type": "access", "subject": )" + std::string(5000, '[') + std::string(5000, ']') + "}";
  struct Case {
    std::string name, body, field;
  };
  const std::vector<Case> cases{
      {"nested 5,000 deep", deep, ""},
      {"a key twice", R"({"type": "access", "type": "erasure", )" + kSubject + "}", "type"},
      {"a nested key twice", R"({"type": "access", "subject": {"name": "Budi", "nik": "3171012303850007", "email": "a@example.go.id", "email": "b@example.go.id"}})", "subject.email"},
      {"invalid UTF-8", "{\"type\": \"access\", \"subject\": {\"name\": \"Bu\xff\xfe" "di\", \"nik\": \"3171012303850007\", \"email\": \"b@example.go.id\"}}", ""},
      {"a NUL in a name", R"({"type": "access", "subject": {"name": "Bu\u0000di", "nik": "3171012303850007", "email": "b@example.go.id"}})", "subject.name"},
      {"an escape in a name", R"({"type": "access", "subject": {"name": "Budi\u001b[2J", "nik": "3171012303850007", "email": "b@example.go.id"}})", "subject.name"},
      {"a number for the NIK", R"({"type": "access", "subject": {"name": "Budi", "nik": 3171012303850007, "email": "b@example.go.id"}})", "subject.nik"},
      {"a number out of range", R"({"type": "access", "subject": {"name": "Budi", "nik": 1e400, "email": "b@example.go.id"}})", ""},
      {"an integer past 64 bits", R"({"type": "access", "subject": {"name": "Budi", "nik": 123456789012345678901234567890, "email": "b@example.go.id"}})", "subject.nik"},
      {"an array", R"([{"type": "access"}])", ""},
      {"a type that is an object", R"({"type": {"$ne": null}, )" + kSubject + "}", "type"},
      {"a name of 10,000 characters", R"({"type": "access", "subject": {"name": ")" + std::string(10000, 'a') + R"(", "nik": "3171012303850007", "email": "b@example.go.id"}})", "subject.name"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    auto r = s.call("POST", "/v1/requests", c.body, "", {"Accept-Language: en"});
    CHECK(r.status == 422);
    CHECK(r.headers["content-type"] == "application/problem+json; charset=utf-8");
    if (!c.field.empty()) {
      REQUIRE(r.json.is_object());
      bool named = false;
      for (const auto& e : r.json.at("errors").as_array()) named = named || e.at("field").as_string() == c.field;
      CHECK(named);
    }
  }
  auto queue = s.call("GET", "/v1/requests", "", s.token("auditor", "audrey"));
  REQUIRE(queue.status == 200);
  CHECK(queue.json.at("items").as_array().empty());
  CHECK(s.call("GET", "/healthz").status == 200);
}

TEST_CASE("a flood of pipelined requests is answered in order, and others are served meanwhile", "[server][hostile]") {
  ServerProcess s;
  std::string flood;
  for (int i = 0; i < 2000; ++i) flood += "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  flood += "GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  std::string answers;
  std::thread flooder([&] { answers = s.raw(flood, 20000); });
  auto waited = good_client_waits(s.port());
  flooder.join();
  WARN("a well-behaved client waited " << waited.count() << " ms during a flood of 2,001 pipelined requests");
  CHECK(count_of(answers, "HTTP/1.1 200") == 2001);
  CHECK(answers.rfind("\"status\":\"ready\"") > answers.rfind("\"status\":\"ok\""));  // in order: the last is last
}

TEST_CASE("a client holding more connections than allowed is refused the extra ones, others are not",
          "[server][hostile]") {
  ServerProcess s;
  std::vector<int> held;
  for (int i = 0; i < 128; ++i) held.push_back(test::connect_loopback(s.port()));  // the cap of one client
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  // The 129th from the same address is closed at once, without an answer.
  int extra = test::connect_loopback(s.port());
  std::string request = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  ::send(extra, request.data(), request.size(), MSG_NOSIGNAL);
  timeval limit{3, 0};
  ::setsockopt(extra, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  char buf[256];
  CHECK(::recv(extra, buf, sizeof buf, 0) <= 0);
  ::close(extra);
  auto waited = good_client_waits(s.port());
  WARN("a well-behaved client waited " << waited.count() << " ms while another held 128 idle connections");
  for (int fd : held) ::close(fd);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(s.call("GET", "/healthz").status == 200);  // its connections closed, the first client is served again
}

TEST_CASE("slowloris: connections that dribble their headers are cut off, others are served meanwhile",
          "[server][hostile]") {
  ServerProcess s({"--read-timeout", "1"});
  std::vector<int> slow;
  for (int i = 0; i < 100; ++i) slow.push_back(test::connect_loopback(s.port()));
  const std::string header = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
  std::vector<std::chrono::milliseconds> waits;
  std::size_t closed = 0;
  for (std::size_t byte = 0; byte < header.size() && closed < slow.size(); ++byte) {
    closed = 0;
    for (int fd : slow)
      if (::send(fd, &header[byte], 1, MSG_NOSIGNAL) <= 0) ++closed;
    if (byte % 5 == 0) waits.push_back(good_client_waits(s.port()));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // Within the one-second read timeout and a little: every slow one is gone.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  CHECK(closed_by_server(slow) == slow.size());
  REQUIRE_FALSE(waits.empty());  // each was answered (checked in good_client_waits); how fast is a figure, not a test
  auto longest = *std::max_element(waits.begin(), waits.end());
  WARN("a well-behaved client was answered " << waits.size() << " times during the attack, the slowest in "
                                             << longest.count() << " ms");
}

TEST_CASE("guessing tokens: past 20 refused credentials a minute, an address gets 429, others do not",
          "[server][hostile][auth]") {
  ServerProcess s;
  std::string good = s.token("auditor", "audrey");
  int refused = 0, limited = 0;
  std::string retry_after;
  for (int i = 0; i < 25; ++i) {
    auto r = s.call("GET", "/v1/requests", "", "dsr_guess" + std::to_string(i));
    if (r.status == 401) ++refused;
    if (r.status == 429) {
      ++limited;
      retry_after = r.headers["retry-after"];
    }
  }
  CHECK(refused == 20);
  CHECK(limited == 5);
  CHECK_FALSE(retry_after.empty());
  // The guessing address is held off even with a good token, for a while;
  // another address is not.
  CHECK(s.call("GET", "/v1/requests", "", good).status == 429);
  std::string out = exchange_from_other_address(
      s.port(), "GET /v1/requests HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + good + "\r\nConnection: close\r\n\r\n");
  CHECK(out.starts_with("HTTP/1.1 200"));
  // Requests without credentials (the portal's filings, health checks) are not held off.
  CHECK(s.call("GET", "/healthz").status == 200);
}

TEST_CASE("slow TLS handshakes are cut off, and a TLS client is served meanwhile", "[server][hostile][tls]") {
  std::string fixtures = DSR_FIXTURES_DIR;
  ServerProcess s({"--read-timeout", "1", "--tls-cert", fixtures + "/tls/test-cert.pem", "--tls-key",
                   fixtures + "/tls/test-privkey.pem"},
                  "https");
  // The first bytes of a ClientHello (a TLS 1.0 record of 512 bytes), and then nothing.
  const std::string hello_start("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11);
  std::vector<int> slow;
  for (int i = 0; i < 100; ++i) {
    slow.push_back(test::connect_loopback(s.port()));
    REQUIRE(::send(slow.back(), hello_start.data(), hello_start.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(hello_start.size()));
  }
  std::vector<std::chrono::milliseconds> waits;
  for (int i = 0; i < 5; ++i) {
    auto start = std::chrono::steady_clock::now();
    CHECK(s.https_call("GET", "/healthz").status == 200);
    waits.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // Within the one-second read timeout and a little: every stalled handshake is gone.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  CHECK(closed_by_server(slow) == slow.size());
  auto longest = *std::max_element(waits.begin(), waits.end());
  WARN("a TLS client was answered " << waits.size() << " times among 100 stalled handshakes, the slowest in "
                                    << longest.count() << " ms");
}

TEST_CASE("query strings with invalid UTF-8, NULs, huge numbers or huge values get 4xx, never 5xx",
          "[server][hostile]") {
  ServerProcess s;
  std::string staff = s.token("auditor", "aulia");
  struct Case {
    std::string query;
    int status;
  };
  const std::vector<Case> cases{
      {"status=%FF%FE", 422},
      {"status=in_review%00", 422},
      {"limit=99999999999999999999", 422},
      {"limit=-1", 422},
      {"overdue=maybe", 422},
      {"type=" + std::string(5000, 'a'), 422},
      {"type=" + std::string(100000, 'a'), 413},  // past the header limit
      {"cursor=%FF%FF", 422},
      {"cursor=r-unknown", 422},
      {"assignee=%C0%AF", 422},
  };
  for (const auto& c : cases) {
    INFO(c.query.substr(0, 60));
    auto r = s.call("GET", "/v1/requests?" + c.query, "", staff);
    CHECK(r.status == c.status);
    if (r.status == 422) CHECK(r.json.at("errors").as_array().size() == 1);
  }
  // Invalid UTF-8 in header values is refused or ignored; a control
  // character is not HTTP (400).
  auto bad_token = test::parse_reply(s.raw(std::string("GET /v1/requests HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                                                       "\xff\xfex\r\nConnection: close\r\n\r\n")));
  CHECK(bad_token.status == 401);
  auto control = test::parse_reply(s.raw(std::string("GET /v1/requests HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                                                     "\x01x\r\nConnection: close\r\n\r\n")));
  CHECK(control.status == 400);
  auto bad_language = test::parse_reply(s.raw(std::string("GET /healthz HTTP/1.1\r\nHost: x\r\nAccept-Language: "
                                                          "\xff\xfe;q=\xc0\r\nConnection: close\r\n\r\n")));
  CHECK(bad_language.status == 200);
  auto bad_path = s.call("GET", "/v1/requests/%FF%FE%00", "", staff);
  CHECK(bad_path.status == 404);
  CHECK(bad_path.json.is_object());  // a problem body that is valid JSON (so valid UTF-8)
  CHECK(s.call("GET", "/healthz").status == 200);
}

TEST_CASE("made-up methods add no metrics series: the label set stays bounded", "[server][hostile][metrics]") {
  // Any token is a method to the parser. Before, each made-up one became a
  // series of its own in /metrics, a table a client could grow without
  // bound (found looking into the HTTP fuzzer's memory).
  ServerProcess s;
  std::string flood;
  for (int i = 0; i < 500; ++i) flood += "M" + std::to_string(i) + "X /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  flood += "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  std::string answers = s.raw(flood, 20000);
  CHECK(count_of(answers, "HTTP/1.1 405") == 500);
  auto m = s.call("GET", "/metrics");
  REQUIRE(m.status == 200);
  CHECK(m.body.find(R"(dsr_http_requests_total{route="unmatched",method="other",status="405"} 500)") != std::string::npos);
  CHECK(m.body.find("M1X") == std::string::npos);
  CHECK(count_of(m.body, "dsr_http_requests_total{") == 2);  // other 405 and GET 200: this GET /metrics is not in yet
}
