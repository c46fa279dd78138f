// `dsr serve` against hostile clients (policy G.1): bodies built to confuse
// the parser or the validator, floods of pipelined requests, more
// connections than a client may hold, and slowloris. Each is bounded and
// answered, nothing bad is stored, and a well-behaved client, from another
// address (127.0.0.2: the whole of 127/8 is loopback), is served meanwhile.
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
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
      {"invalid UTF-8 (not JSON: 400)", "{\"type\": \"access\", \"subject\": {\"name\": \"Bu\xff\xfe" "di\", \"nik\": \"3171012303850007\", \"email\": \"b@example.go.id\"}}", ""},
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
    // A syntax error is malformed JSON (400); well-formed JSON that dsr
    // refuses is 422.
    CHECK(r.status == (c.name.find("not JSON") != std::string::npos ? 400 : 422));
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
      {"type=" + std::string(100000, 'a'), 431},  // past the header limit
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

TEST_CASE("headers past the limit are 431 (RFC 6585), a body past it 413, both as problems", "[server][hostile][conformance]") {
  ServerProcess s;
  auto headers = s.call("GET", "/healthz", "", "", {"X-Padding: " + std::string(200 * 1024, 'a')});
  CHECK(headers.status == 431);
  CHECK(headers.headers["content-type"] == "application/problem+json; charset=utf-8");
  CHECK(std::string(headers.json.at("type").as_string()) == "urn:dsr:problem:headers_too_large");
  CHECK(headers.json.at("status") == 431);
  auto many = s.call("GET", "/healthz", "", "", std::vector<std::string>(500, "X-Many: " + std::string(40, 'b')));
  CHECK(many.status == 431);
  auto body = s.call("POST", "/v1/requests", R"({"type": "access", "padding": ")" + std::string(100 * 1024, 'a') + "\"}");
  CHECK(body.status == 413);
  CHECK(std::string(body.json.at("type").as_string()) == "urn:dsr:problem:too_large");
  CHECK(s.call("GET", "/healthz").status == 200);
}

TEST_CASE("malformed JSON is 400 saying where it broke, JSON with invalid fields stays 422", "[server][hostile][conformance]") {
  ServerProcess s;
  struct Case {
    std::string name, body;
    std::int64_t line, column;
  };
  const std::vector<Case> broken{
      {"cut off", R"({"type": "access", "subject": {"name": "Dewi")", 1, 46},
      {"a trailing comma", "{\n  \"type\": \"access\",\n}", 3, 1},
      {"a bare word", "{\"type\": access}", 1, 10},
      {"two documents", R"({"type": "access"} {"type": "erasure"})", 1, 20},
      {"invalid UTF-8 in a string", "{\"type\": \"acc\xff\"}", 1, 14},
      {"empty", "", 1, 1},
  };
  for (const auto& c : broken) {
    INFO(c.name);
    auto r = s.call("POST", "/v1/requests", c.body, "", {"Accept-Language: en"});
    CHECK(r.status == 400);
    CHECK(r.headers["content-type"] == "application/problem+json; charset=utf-8");
    REQUIRE(r.json.is_object());
    CHECK(std::string(r.json.at("type").as_string()) == "urn:dsr:problem:malformed_json");
    CHECK(r.json.at("line").as_int64() == c.line);
    CHECK(r.json.at("column").as_int64() == c.column);
    std::string where = "at line " + std::to_string(c.line) + ", column " + std::to_string(c.column);
    CHECK(std::string(r.json.at("detail").as_string()).find(where) != std::string::npos);
  }
  // Well-formed, but not what the route takes: field errors, 422.
  auto invalid = s.call("POST", "/v1/requests", R"({"type": "access", "subject": {"name": "Dewi", "nik": 1}})");
  CHECK(invalid.status == 422);
  CHECK(std::string(invalid.json.at("type").as_string()) == "urn:dsr:problem:validation");
  // The same on a staff route.
  auto bad_put = s.call("PUT", "/v1/subjects/3171012303850007", "{\"name\": ", s.token("system", "ams"));
  CHECK(bad_put.status == 400);
}

namespace {

// The head of a reply: the status line and headers, up to the blank line.
std::string head_of(const std::string& reply) { return reply.substr(0, reply.find("\r\n\r\n") + 4); }

}  // namespace

TEST_CASE("HEAD is answered wherever GET is: the same status and headers, no body", "[server][hostile][conformance]") {
  ServerProcess s;
  std::string auditor = s.token("auditor", "audrey");
  auto filed = s.call("POST", "/v1/requests", R"({"type": "access", "subject": {"name": "Dewi Lestari", "nik": "3273015506900002", "email": "d@surel.example"}})");
  REQUIRE(filed.status == 201);
  std::string id(filed.json.at("id").as_string()), trk(filed.json.at("tracking_token").as_string());
  struct Case {
    std::string target, token;
    int status;
  };
  const std::vector<Case> cases{
      {"/healthz", "", 200},
      {"/openapi.json", "", 200},
      {"/console/", "", 200},
      {"/v1/requests/" + id, trk, 200},
      {"/v1/requests/" + id, auditor, 200},
      {"/v1/requests?limit=5", auditor, 200},
      {"/v1/requests", "", 401},        // refusals too
      {"/v1/requests/r-nowhere", auditor, 404},
      {"/nowhere", "", 404},
  };
  for (const auto& c : cases) {
    INFO("HEAD " << c.target);
    auto get = s.call("GET", c.target, "", c.token);
    auto head = s.call("HEAD", c.target, "", c.token);
    CHECK(get.status == c.status);
    CHECK(head.status == get.status);
    CHECK(head.body.empty());
    CHECK(head.headers["content-length"] == std::to_string(get.body.size()));
    CHECK(head.headers["content-type"] == get.headers["content-type"]);
  }
  // On one connection, the answer after a HEAD's begins right after its
  // headers: not one byte of body went out.
  std::string both = s.raw("HEAD /openapi.json HTTP/1.1\r\nHost: x\r\n\r\n"
                           "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  REQUIRE(both.starts_with("HTTP/1.1 200"));
  std::string rest = both.substr(head_of(both).size());
  CHECK(rest.starts_with("HTTP/1.1 200"));
  CHECK(test::parse_reply(rest).json.at("status") == "ok");
  // A path without GET: 405, with HEAD in Allow wherever GET is.
  auto post_only = s.call("HEAD", "/v1/disclosures", "", auditor);
  CHECK(post_only.status == 405);
  CHECK(post_only.body.empty());
  CHECK(s.call("DELETE", "/v1/requests").headers["allow"] == "POST, GET, HEAD");
}

TEST_CASE("a client still sending a body past the limit reads the 413: the server reads on before it closes",
          "[server][hostile][conformance]") {
  ServerProcess s;
  // A raw client as Python's http.client is: it sends the headers, then
  // the 3 MiB body in one go, and reads nothing until it is all sent. The
  // server answers 413 on the headers alone; had it closed then, the body
  // would meet a closed connection (EPIPE, a reset), and the 413 waiting
  // for the client would be lost.
  for (int i = 0; i < 3; ++i) {
    INFO("attempt " << i);
    int fd = test::connect_loopback(s.port());
    std::string body(3 * 1024 * 1024, 'a');
    std::string head = "POST /v1/requests HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\n\r\n";
    REQUIRE(::send(fd, head.data(), head.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(head.size()));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the 413 is written meanwhile
    std::size_t sent = 0;
    while (sent < body.size()) {
      auto n = ::send(fd, body.data() + sent, body.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
    CHECK(sent == body.size());  // nothing was reset under the sender
    timeval limit{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) out.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    CHECK(out.starts_with("HTTP/1.1 413"));
  }
  // The same with Python's http.client, which fails this way in the field.
  if (std::system("python3 -c 'import http.client' 2>/dev/null") != 0) {
    WARN("python3 is not installed: the http.client check is skipped");
  } else {
    std::string cmd = std::string("python3 ") + DSR_TESTS_DIR + "/python_client_413.py " + std::to_string(s.port()) +
                      " " + std::to_string(3 * 1024 * 1024) + " 2>&1";
    FILE* p = ::popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    std::string said;
    char buf[256];
    while (std::fgets(buf, sizeof buf, p)) said += buf;
    int status = ::pclose(p);
    INFO("python_client_413.py said: " << said);
    CHECK(status == 0);
    CHECK(said.find("413 urn:dsr:problem:too_large") != std::string::npos);
  }
  // Past the bound (4 MiB), the server closes all the same: it cannot be
  // kept reading for ever.
  int fd = test::connect_loopback(s.port());
  std::string start = "POST /v1/requests HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n";
  REQUIRE(::send(fd, start.data(), start.size(), MSG_NOSIGNAL) > 0);
  std::string chunk(64 * 1024, 'a');
  std::size_t pushed = 0;
  auto began = std::chrono::steady_clock::now();
  timeval send_limit{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &send_limit, sizeof send_limit);
  while (std::chrono::steady_clock::now() - began < std::chrono::seconds(10)) {
    auto n = ::send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL);
    if (n <= 0 && errno != EAGAIN && errno != EWOULDBLOCK) break;  // reset or closed: the server let go
    if (n > 0) pushed += static_cast<std::size_t>(n);
  }
  ::close(fd);
  WARN("the client pushed " << pushed / 1024 << " KiB of body before the server closed (socket buffers included)");
  CHECK(std::chrono::steady_clock::now() - began < std::chrono::seconds(10));
  CHECK(s.call("GET", "/healthz").status == 200);
}

TEST_CASE("PUT /v1/subjects/{nik} takes the record as GET gives it, and another NIK is 422 naming nik",
          "[server][hostile][conformance]") {
  ServerProcess s;
  std::string system = s.token("system", "ams");
  const std::string nik = "3171012303850007", path = "/v1/subjects/" + nik;
  REQUIRE(s.call("PUT", path, R"({"name": "Dewi Lestari", "email": "dewi@kantor.example.go.id", "organization": "BSSN"})",
                 system).status == 201);
  auto got = s.call("GET", path, "", system);
  REQUIRE(got.status == 200);
  REQUIRE(got.json.as_object().contains("nik"));
  REQUIRE(got.json.as_object().contains("restricted"));
  // Back as it came: accepted, and nothing changes.
  auto same = s.call("PUT", path, got.body, system);
  CHECK(same.status == 200);
  CHECK(same.json == got.json);
  // An edit of a GET body: accepted.
  auto edited = got.json.as_object();
  edited["unit"] = "Direktorat Operasi";
  auto changed = s.call("PUT", path, boost::json::serialize(edited), system);
  CHECK(changed.status == 200);
  CHECK(changed.json.at("unit") == "Direktorat Operasi");

  auto field_of = [](const test::WireReply& r) {
    std::vector<std::string> fields;
    if (r.json.is_object() && r.json.as_object().contains("errors"))
      for (const auto& e : r.json.at("errors").as_array()) fields.emplace_back(e.at("field").as_string());
    return fields;
  };
  auto other = edited;
  other["nik"] = "3273015506900002";
  auto refused = s.call("PUT", path, boost::json::serialize(other), system);
  CHECK(refused.status == 422);
  CHECK(field_of(refused) == std::vector<std::string>{"nik"});
  other = edited;
  other["subject_ref"] = "s-someone-else";
  CHECK(field_of(s.call("PUT", path, boost::json::serialize(other), system)) == std::vector<std::string>{"subject_ref"});
  other = edited;
  other["restricted"] = boost::json::object{{"since", "2025-01-01T00:00:00Z"}, {"categories", boost::json::array{"email"}}};
  CHECK(field_of(s.call("PUT", path, boost::json::serialize(other), system)) == std::vector<std::string>{"restricted"});
  // Nothing of the refused ones was stored.
  auto after = s.call("GET", path, "", system);
  CHECK(after.json.at("nik") == nik.c_str());
  CHECK(after.json.at("restricted").is_null());
  // A new record may carry its own NIK too, but no subject_ref (dsr gives it).
  const std::string fresh = "/v1/subjects/3273015506900002";
  CHECK(field_of(s.call("PUT", fresh, R"({"name": "Siti", "nik": "3273015506900002", "subject_ref": "s-1"})", system)) ==
        std::vector<std::string>{"subject_ref"});
  CHECK(s.call("PUT", fresh, R"({"name": "Siti", "nik": "3273015506900002", "restricted": null})", system).status == 201);
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
