#include "api/request_log.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <iterator>

namespace dsr::api {
namespace {

// The writer's batch buffer keeps its memory between batches (no
// allocation per line); past this, after a burst, it gives it back.
constexpr std::size_t kKeptCapacity = 256 * 1024;
constexpr std::size_t kInitialCapacity = 64 * 1024;

// JSON string content: a method is whatever token the client sent, so a
// quote, a backslash or a control byte must not end the string or the
// line. Bytes outside printable ASCII become \u00XX, which keeps every line
// valid JSON (and valid UTF-8) whatever the client sent.
bool plain(unsigned char byte) { return byte >= 0x20 && byte < 0x7f && byte != '"' && byte != '\\'; }

void append_escaped(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  if (std::all_of(text.begin(), text.end(), [](char c) { return plain(static_cast<unsigned char>(c)); })) {
    out += text;  // the usual case: a method HTTP defines, a route pattern
    return;
  }
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (plain(byte)) {
      out += c;
    } else if (byte == '"' || byte == '\\') {
      out += '\\';
      out += c;
    } else {
      out += "\\u00";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    }
  }
}

struct WriteOutcome {
  std::size_t written = 0;
  int error = 0;  // errno of the write that failed, or 0
};

// write(2) until all of `data` is out: again after a partial write or
// EINTR, and after poll(2) if the fd is non-blocking and full. SIGPIPE is
// blocked around it, on this thread only, so that a closed pipe is EPIPE
// and not the end of the server (dsr does not ignore SIGPIPE process-wide);
// a SIGPIPE this write raised is taken back before the mask is restored.
WriteOutcome write_all(int fd, std::string_view data) {
  sigset_t pipe_only, old_mask, pending_before;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_only, &old_mask);
  sigpending(&pending_before);
  WriteOutcome outcome;
  while (outcome.written < data.size()) {
    ssize_t n = ::write(fd, data.data() + outcome.written, data.size() - outcome.written);
    if (n > 0) {
      outcome.written += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, -1) >= 0 || errno == EINTR) continue;
    }
    outcome.error = n < 0 ? errno : EIO;  // write(2) of a non-empty buffer returning 0: treat as an I/O error
    break;
  }
  if (outcome.error == EPIPE && !sigismember(&pending_before, SIGPIPE)) {
    timespec now{0, 0};
    while (sigtimedwait(&pipe_only, nullptr, &now) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  return outcome;
}

}  // namespace

void RequestLog::format_line(std::string& out, std::string_view method, std::string_view route, int status,
                             std::chrono::microseconds duration) {
  out += R"({"method":")";
  append_escaped(out, method);
  out += R"(","route":")";
  append_escaped(out, route);
  // Milliseconds with three decimals, from whole microseconds: the digits
  // "{:.3f}" gives for micros / 1000.0, without floating point.
  auto micros = duration.count();
  if (micros >= 0)
    fmt::format_to(std::back_inserter(out), R"(","status":{},"duration_ms":{}.{:03}}})", status, micros / 1000,
                   micros % 1000);
  else
    fmt::format_to(std::back_inserter(out), R"(","status":{},"duration_ms":{:.3f}}})", status,
                   static_cast<double>(micros) / 1000.0);
  out += '\n';
}

RequestLog::RequestLog(int fd, std::size_t pending_bound) : fd_(fd), pending_bound_(std::max<std::size_t>(pending_bound, 1)) {
  pending_.reserve(std::min(kInitialCapacity, pending_bound_));
  writing_.reserve(std::min(kInitialCapacity, pending_bound_));
  writer_ = std::thread([this] { run(); });
}

RequestLog::~RequestLog() { stop(); }

std::size_t RequestLog::eager_bytes() const { return std::min(kInitialCapacity, std::max<std::size_t>(pending_bound_ / 2, 1)); }

void RequestLog::append(std::string_view method, std::string_view route, int status, std::chrono::microseconds duration) {
  // Formatted before the lock, into this thread's own buffer, which keeps
  // its capacity: no allocation per line.
  thread_local std::string line;
  line.clear();
  format_line(line, method, route, status, duration);

  std::unique_lock lock(mutex_);
  if (!stopped_ && pending_.size() >= pending_bound_) {
    // The fd has not kept up (a blocked pipe or terminal) and the bound is
    // reached: wait for the writer to take the buffer rather than drop the
    // line. The log must stay complete; the requests slow down instead.
    ++counters_.appends_waited;
    writer_wake_.notify_one();
    room_.wait(lock, [this] { return pending_.size() < pending_bound_ || stopped_; });
  }
  appended_bytes_ += line.size();
  if (stopped_) {  // no writer any more: a straggler is written at once
    auto outcome = write_all(fd_, line);
    record(line, outcome.written, outcome.error);
    return;
  }
  std::size_t before = pending_.size();
  pending_ += line;
  counters_.most_pending_bytes = std::max<std::uint64_t>(counters_.most_pending_bytes, pending_.size());
  // Wake the writer only for a first line, or once a batch is worth writing
  // now: otherwise it takes the lines every kBatchInterval, and an append
  // costs no system call.
  bool wake = (before == 0 && writer_idle_) || (before < eager_bytes() && pending_.size() >= eager_bytes());
  lock.unlock();
  if (wake) writer_wake_.notify_one();
}

void RequestLog::flush() {
  std::unique_lock lock(mutex_);
  if (stopped_) return;  // everything was written before the writer ended, and since then at once
  std::uint64_t target = appended_bytes_;
  ++flushes_;
  writer_wake_.notify_one();
  room_.wait(lock, [&] { return done_bytes_ >= target; });
  --flushes_;
}

void RequestLog::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  writer_wake_.notify_one();
  if (writer_.joinable()) writer_.join();
}

RequestLog::Counters RequestLog::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

std::string RequestLog::render_metrics() const {
  Counters c = counters();
  std::size_t pending;
  {
    std::lock_guard lock(mutex_);
    pending = pending_.size();
  }
  return fmt::format(
      "# HELP dsr_request_log_lines_total Request log lines written (one per request answered).\n"
      "# TYPE dsr_request_log_lines_total counter\ndsr_request_log_lines_total {}\n"
      "# HELP dsr_request_log_bytes_total Request log bytes written.\n"
      "# TYPE dsr_request_log_bytes_total counter\ndsr_request_log_bytes_total {}\n"
      "# HELP dsr_request_log_write_errors_total Request log writes that failed (each loses its batch).\n"
      "# TYPE dsr_request_log_write_errors_total counter\ndsr_request_log_write_errors_total {}\n"
      "# HELP dsr_request_log_lines_lost_total Request log lines lost to failed writes.\n"
      "# TYPE dsr_request_log_lines_lost_total counter\ndsr_request_log_lines_lost_total {}\n"
      "# HELP dsr_request_log_waits_total Requests whose log line waited for room (the output blocked).\n"
      "# TYPE dsr_request_log_waits_total counter\ndsr_request_log_waits_total {}\n"
      "# HELP dsr_request_log_pending_bytes Request log bytes waiting to be written.\n"
      "# TYPE dsr_request_log_pending_bytes gauge\ndsr_request_log_pending_bytes {}\n"
      "# HELP dsr_request_log_pending_bytes_max The most request log bytes that waited at once.\n"
      "# TYPE dsr_request_log_pending_bytes_max gauge\ndsr_request_log_pending_bytes_max {}\n",
      c.lines_written, c.bytes_written, c.write_errors, c.lines_lost, c.appends_waited, pending,
      c.most_pending_bytes);
}

void RequestLog::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (pending_.empty()) {
      if (stopping_) break;
      writer_idle_ = true;
      writer_wake_.wait(lock, [this] { return !pending_.empty() || stopping_; });
      writer_idle_ = false;
      continue;
    }
    // Lines wait: gather more for a while, unless a flush, stop or a full
    // enough buffer wants them out now.
    writer_wake_.wait_for(lock, kBatchInterval, [this] {
      return stopping_ || flushes_ > 0 || pending_.size() >= eager_bytes();
    });
    writing_.swap(pending_);  // pending_ gets the last batch's (cleared) memory
    room_.notify_all();
    lock.unlock();
    WriteOutcome outcome = write_all(fd_, writing_);
    lock.lock();
    record(writing_, outcome.written, outcome.error);
    if (writing_.capacity() > kKeptCapacity) {
      std::string().swap(writing_);
      writing_.reserve(std::min(kInitialCapacity, pending_bound_));
    }
    writing_.clear();
    room_.notify_all();  // flushes waiting for these lines
  }
  stopped_ = true;
  room_.notify_all();
}

void RequestLog::record(std::string_view batch, std::size_t written_bytes, int error) {
  auto lines_in = [](std::string_view bytes) { return static_cast<std::uint64_t>(std::count(bytes.begin(), bytes.end(), '\n')); };
  std::string_view written = batch.substr(0, written_bytes);
  counters_.lines_written += lines_in(written);
  counters_.bytes_written += written.size();
  done_bytes_ += batch.size();
  if (error == 0) return;
  ++counters_.write_errors;
  counters_.lines_lost += lines_in(batch.substr(written_bytes));
  if (!error_told_) {
    error_told_ = true;
    fmt::print(stderr, "dsr: request log: cannot write to fd {}: {}; lines are lost while it fails (see "
                       "dsr_request_log_lines_lost_total)\n", fd_, std::strerror(error));
  }
}

}  // namespace dsr::api
