// What one request log line costs the thread that answers the request: 2
// threads append lines as fast as they can, into a pipe that a third
// thread drains (as the journal of systemd drains stdout). Compared, in the
// same run:
//   stdio, buffered:      fmt::format + fputs on a fully buffered FILE
//                         (stdout into a pipe), as dsr serve did;
//   stdio, line-buffered: the same with one write(2) a line (stdout on a
//                         terminal);
//   RequestLog:           append() into the buffer, written in batches by
//                         the log's own thread.
// Shown: the time the threads spent logging (what a request pays), and the
// time until the last line is through the pipe (stop() or fflush).
//
//   request_log_bench [--lines N] [--runs N]
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "api/request_log.hpp"

using Stopwatch = std::chrono::steady_clock;

namespace {

constexpr int kThreads = 2;

struct Drained {
  int write_fd = -1;
  std::thread reader;
  std::size_t bytes = 0;
};

Drained drained_pipe() {
  int fds[2];
  if (::pipe(fds) != 0) std::abort();
  Drained d;
  d.write_fd = fds[1];
  d.reader = std::thread([read_fd = fds[0], &bytes = d.bytes] {
    std::vector<char> chunk(64 * 1024);
    for (ssize_t n; (n = ::read(read_fd, chunk.data(), chunk.size())) > 0;) bytes += static_cast<std::size_t>(n);
    ::close(read_fd);
  });
  return d;
}

struct Seconds {
  double logging = 0;  // until the threads are done
  double all_out = 0;  // until `finish` is done too
};

// kThreads threads log `lines` lines each through `log_one`, and `finish`
// sees them out.
Seconds timed(int lines, const std::function<void(int)>& log_one, const std::function<void()>& finish) {
  auto start = Stopwatch::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < lines; ++i) log_one(i);
    });
  for (auto& th : threads) th.join();
  Seconds s;
  s.logging = std::chrono::duration<double>(Stopwatch::now() - start).count();
  finish();
  s.all_out = std::chrono::duration<double>(Stopwatch::now() - start).count();
  return s;
}

Seconds stdio_run(int lines, bool line_buffered) {
  Drained pipe = drained_pipe();
  FILE* out = ::fdopen(pipe.write_fd, "w");
  if (line_buffered) std::setvbuf(out, nullptr, _IOLBF, BUFSIZ);
  std::string method = "GET", pattern = "/v1/requests/{id}";
  Seconds s = timed(
      lines,
      [&](int i) {
        std::string line = fmt::format(R"({{"method":"{}","route":"{}","status":{},"duration_ms":{:.3f}}})", method,
                                       pattern, 200, (i % 5000) / 1000.0);
        std::fputs(line.c_str(), out);
        std::fputc('\n', out);
      },
      [&] { std::fflush(out); });
  std::fclose(out);
  pipe.reader.join();
  return s;
}

Seconds request_log_run(int lines) {
  Drained pipe = drained_pipe();
  Seconds s;
  {
    dsr::api::RequestLog log(pipe.write_fd);
    s = timed(
        lines, [&](int i) { log.append("GET", "/v1/requests/{id}", 200, std::chrono::microseconds(i % 5000)); },
        [&] { log.stop(); });
  }
  ::close(pipe.write_fd);
  pipe.reader.join();
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  int lines = 1'000'000;
  int runs = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--lines") == 0) lines = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--runs") == 0) runs = std::atoi(argv[i + 1]);
  }
  fmt::print("request log: {} threads x {} lines, into a drained pipe; median of {} runs\n", kThreads, lines, runs);
  fmt::print("  {:<22} {:>14} {:>16}\n", "", "ns a line", "lines/s all out");
  auto report = [&](const char* name, const std::function<Seconds()>& run) {
    std::vector<Seconds> results;
    for (int r = 0; r < runs; ++r) results.push_back(run());
    auto median = [&](double Seconds::*field) {
      std::vector<double> v;
      for (const auto& x : results) v.push_back(x.*field);
      std::sort(v.begin(), v.end());
      return v[v.size() / 2];
    };
    fmt::print("  {:<22} {:>14.1f} {:>16.0f}\n", name, median(&Seconds::logging) * 1e9 / lines,
               static_cast<double>(kThreads) * lines / median(&Seconds::all_out));
  };
  report("stdio, buffered", [&] { return stdio_run(lines, false); });
  report("stdio, line-buffered", [&] { return stdio_run(lines, true); });
  report("RequestLog", [&] { return request_log_run(lines); });
}
