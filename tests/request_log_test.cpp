#include "api/request_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <map>
#include <string>
#include <thread>
#include <vector>

using dsr::api::RequestLog;
using namespace std::chrono_literals;

namespace {

// A pipe whose read end a thread of its own drains into a string (once
// started), as a terminal or a log collector would.
class Pipe {
 public:
  Pipe() { REQUIRE(::pipe(fds_) == 0); }
  ~Pipe() {
    close_write();
    if (reader_.joinable()) reader_.join();
    if (fds_[0] >= 0) ::close(fds_[0]);
  }
  int write_end() const { return fds_[1]; }
  int read_end() const { return fds_[0]; }
  void shrink() { REQUIRE(::fcntl(fds_[1], F_SETPIPE_SZ, 4096) >= 0); }
  void start_reading() {
    reader_ = std::thread([this] {
      char chunk[8192];
      for (;;) {
        ssize_t n = ::read(fds_[0], chunk, sizeof chunk);
        if (n <= 0) break;
        got_.append(chunk, static_cast<std::size_t>(n));
      }
    });
  }
  void close_read() {
    ::close(fds_[0]);
    fds_[0] = -1;
  }
  void close_write() {
    if (fds_[1] >= 0) ::close(fds_[1]);
    fds_[1] = -1;
  }
  // Everything read, once the write end is closed.
  const std::string& finish() {
    close_write();
    if (reader_.joinable()) reader_.join();
    return got_;
  }

 private:
  int fds_[2] = {-1, -1};
  std::thread reader_;
  std::string got_;
};

std::vector<boost::json::object> parse_lines(const std::string& text) {
  std::vector<boost::json::object> lines;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = text.find('\n', at);
    REQUIRE(end != std::string::npos);  // every line whole, newline included
    lines.push_back(boost::json::parse(std::string_view(text).substr(at, end - at)).as_object());
    at = end + 1;
  }
  return lines;
}

}  // namespace

TEST_CASE("request_log: the line is the one dsr serve has always printed", "[api][request-log]") {
  std::string line;
  RequestLog::format_line(line, "GET", "/v1/requests/{id}", 200, 1234us);
  CHECK(line == "{\"method\":\"GET\",\"route\":\"/v1/requests/{id}\",\"status\":200,\"duration_ms\":1.234}\n");
  line.clear();
  RequestLog::format_line(line, "POST", "unmatched", 405, 7us);
  CHECK(line == "{\"method\":\"POST\",\"route\":\"unmatched\",\"status\":405,\"duration_ms\":0.007}\n");
  // The milliseconds are those "{:.3f}" of micros / 1000.0 gave, whatever the duration.
  std::vector<std::int64_t> micros{-1500, 0, 999, 1000, 1001, 86'400'000'000};
  for (std::int64_t n = 0; n < 3'000'000; n += 997) micros.push_back(n);
  for (auto n : micros) {
    line.clear();
    RequestLog::format_line(line, "GET", "/", 200, std::chrono::microseconds(n));
    REQUIRE(line == fmt::format("{{\"method\":\"GET\",\"route\":\"/\",\"status\":200,\"duration_ms\":{:.3f}}}\n", n / 1000.0));
  }
}

TEST_CASE("request_log: a method with a quote, a backslash or a control byte stays one valid JSON line",
          "[api][request-log]") {
  std::string text;
  const std::vector<std::string> methods{"GE\"T", "GET\\", "GET\n{\"forged\":1}", std::string("G\0T\x01\x7f", 5),
                                         "G\xffT\t"};
  for (const auto& m : methods) RequestLog::format_line(text, m, "/v1/{id}", 400, 1000us);
  auto lines = parse_lines(text);
  REQUIRE(lines.size() == methods.size());
  CHECK(lines[0].at("method").as_string() == "GE\"T");
  CHECK(lines[1].at("method").as_string() == "GET\\");
  CHECK(lines[2].at("method").as_string() == "GET\n{\"forged\":1}");
  CHECK(lines[3].at("method").as_string() == std::string("G\0T\x01\x7f", 5));
  CHECK(lines[4].at("method").as_string() == "G\u00ffT\t");  // a stray byte is kept as its code point
  for (const auto& l : lines) {
    CHECK(l.size() == 4);
    CHECK(l.at("route").as_string() == "/v1/{id}");
    CHECK(l.at("status").as_int64() == 400);
  }
}

TEST_CASE("request_log: lines from several threads all arrive, whole and in each thread's order", "[api][request-log]") {
  constexpr int kThreads = 4;
  constexpr int kLines = 20'000;
  Pipe pipe;
  pipe.start_reading();
  {
    RequestLog log(pipe.write_end());
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&log, t] {
        std::string method = "T" + std::to_string(t);
        for (int i = 0; i < kLines; ++i) log.append(method, "/v1/requests/{id}", i, std::chrono::microseconds(i));
      });
    for (auto& th : threads) th.join();
    log.flush();
    auto c = log.counters();
    CHECK(c.lines_written == kThreads * kLines);
    CHECK(c.write_errors == 0);
    CHECK(c.lines_lost == 0);
  }
  auto lines = parse_lines(pipe.finish());
  REQUIRE(lines.size() == kThreads * kLines);
  std::map<std::string, std::int64_t> next;  // thread -> the status (its sequence) expected next
  for (const auto& l : lines) {
    std::string method(l.at("method").as_string());
    REQUIRE(l.at("status").as_int64() == next[method]);
    ++next[method];
  }
  CHECK(next.size() == kThreads);
}

TEST_CASE("request_log: flush() returns once the lines are written", "[api][request-log]") {
  Pipe pipe;  // nobody reads yet; 500 lines fit in the pipe
  RequestLog log(pipe.write_end());
  for (int i = 0; i < 500; ++i) log.append("GET", "/healthz", 200, 10us);
  log.flush();
  REQUIRE(::fcntl(pipe.read_end(), F_SETFL, O_NONBLOCK) == 0);
  std::string got(256 * 1024, '\0');
  ssize_t n = ::read(pipe.read_end(), got.data(), got.size());
  REQUIRE(n > 0);
  got.resize(static_cast<std::size_t>(n));
  CHECK(parse_lines(got).size() == 500);  // all there, before the batch interval could have passed
  CHECK(log.counters().bytes_written == got.size());
}

TEST_CASE("request_log: stopping writes every line appended, and a straggler after it", "[api][request-log]") {
  constexpr int kLines = 100'000;
  Pipe pipe;
  pipe.start_reading();
  {
    RequestLog log(pipe.write_end());
    for (int i = 0; i < kLines; ++i) log.append("POST", "/v1/requests", 201, 1500us);
    log.stop();
    CHECK(log.counters().lines_written == kLines);
    log.append("GET", "/healthz", 200, 1us);  // after stop: written at once
    CHECK(log.counters().lines_written == kLines + 1);
  }  // the destructor after stop() does nothing more
  auto lines = parse_lines(pipe.finish());
  REQUIRE(lines.size() == kLines + 1);
  CHECK(lines.back().at("route").as_string() == "/healthz");
}

TEST_CASE("request_log: the destructor writes every line appended", "[api][request-log]") {
  constexpr int kLines = 100'000;
  Pipe pipe;
  pipe.start_reading();
  {
    RequestLog log(pipe.write_end());
    for (int i = 0; i < kLines; ++i) log.append("GET", "/v1/requests/{id}", 200, 250us);
  }
  CHECK(parse_lines(pipe.finish()).size() == kLines);
}

TEST_CASE("request_log: when the output blocks, append waits for room and loses nothing", "[api][request-log]") {
  constexpr int kLines = 2'000;  // ~140 KB: more than the pipe, the bound and the batch in hand together
  constexpr std::size_t kBound = 8 * 1024;
  Pipe pipe;
  pipe.shrink();
  RequestLog log(pipe.write_end(), kBound);
  std::atomic<int> appended{0};
  std::thread requests([&] {
    for (int i = 0; i < kLines; ++i) {
      log.append("GET", "/v1/requests/{id}", i, 42us);
      ++appended;
    }
  });
  std::this_thread::sleep_for(300ms);
  int held = appended.load();
  CHECK(held < kLines);
  std::this_thread::sleep_for(100ms);
  CHECK(appended.load() == held);  // held up, not dropping lines
  CHECK(log.counters().appends_waited >= 1);
  pipe.start_reading();  // the reader comes back
  requests.join();
  log.stop();
  auto c = log.counters();
  CHECK(c.lines_written == kLines);
  CHECK(c.lines_lost == 0);
  CHECK(c.most_pending_bytes <= kBound + 100);  // the bound, plus at most the line that crossed it
  auto lines = parse_lines(pipe.finish());
  REQUIRE(lines.size() == kLines);
  for (int i = 0; i < kLines; ++i) REQUIRE(lines[static_cast<std::size_t>(i)].at("status").as_int64() == i);
}

TEST_CASE("request_log: a write that fails is counted and does not stop the process", "[api][request-log]") {
  SECTION("a pipe nobody will read (EPIPE, and no SIGPIPE)") {
    Pipe pipe;
    pipe.close_read();
    RequestLog log(pipe.write_end());
    for (int i = 0; i < 10; ++i) log.append("GET", "/healthz", 200, 1us);
    log.flush();
    for (int i = 0; i < 5; ++i) log.append("GET", "/healthz", 200, 1us);
    log.flush();
    auto c = log.counters();
    CHECK(c.write_errors >= 2);  // one per batch, and the two flushes make two at least
    CHECK(c.lines_lost == 15);
    CHECK(c.lines_written == 0);
  }
  SECTION("a full disk (ENOSPC)") {
    int full = ::open("/dev/full", O_WRONLY);
    REQUIRE(full >= 0);
    {
      RequestLog log(full);
      log.append("GET", "/healthz", 200, 1us);
      log.flush();
      CHECK(log.counters().write_errors == 1);
      CHECK(log.counters().lines_lost == 1);
    }
    ::close(full);
  }
  SECTION("a closed fd (EBADF)") {
    RequestLog log(-1);
    log.append("GET", "/healthz", 200, 1us);
    log.stop();
    CHECK(log.counters().write_errors == 1);
    CHECK(log.counters().lines_lost == 1);
  }
}

TEST_CASE("request_log: its counters for /metrics", "[api][request-log]") {
  Pipe pipe;
  pipe.start_reading();
  RequestLog log(pipe.write_end());
  log.append("GET", "/healthz", 200, 1us);
  log.append("GET", "/healthz", 200, 1us);
  log.flush();
  std::string m = log.render_metrics();
  CHECK(m.find("dsr_request_log_lines_total 2\n") != std::string::npos);
  CHECK(m.find("dsr_request_log_write_errors_total 0\n") != std::string::npos);
  CHECK(m.find("dsr_request_log_lines_lost_total 0\n") != std::string::npos);
  CHECK(m.find("# TYPE dsr_request_log_pending_bytes_max gauge\n") != std::string::npos);
}
