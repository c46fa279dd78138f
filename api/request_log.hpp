// The request log: one JSON line per HTTP request answered,
//   {"method":"GET","route":"/v1/requests/{id}","status":200,"duration_ms":1.234}
// for operators, on stdout by default. Routes are patterns, never paths (a
// path may hold a NIK); no client address, token or personal data.
// Not to be confused with the staff access log of the audit trail
// (storage/access_log.hpp).
//
// The I/O threads only format a line and append it to a buffer in memory;
// a thread of its own writes the buffer in batches (one write(2) for many
// lines), so a slow or blocked stdout holds up that thread, not the
// requests. The log stays complete: nothing is dropped while the fd can be
// written. If the fd blocks for long and `pending_bound` bytes of lines are
// waiting, append() waits for room (back-pressure on the requests) rather
// than drop a line. stop() and the destructor write every line appended
// before they return. A write that fails (a closed pipe, a full disk) loses
// that batch: it is counted, the first such error is told once on stderr,
// and the log goes on with the next batch; the server never stops for it.
//
// The fd is not closed by the log. Thread-safe: any thread may append,
// flush or read the counters; stop() once, from one thread, after the
// appending threads are done.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace dsr::api {

class RequestLog {
 public:
  static constexpr std::size_t kDefaultPendingBound = 4 * 1024 * 1024;
  // How long a line may wait before the writer takes it (unless the buffer
  // fills faster): the batch the writer gathers.
  static constexpr std::chrono::milliseconds kBatchInterval{50};

  struct Counters {
    std::uint64_t lines_written = 0;
    std::uint64_t bytes_written = 0;
    std::uint64_t write_errors = 0;      // failed write(2) calls, each losing its batch
    std::uint64_t lines_lost = 0;        // lines in those batches
    std::uint64_t appends_waited = 0;    // appends that waited for room (stdout blocked)
    std::uint64_t most_pending_bytes = 0;  // the most the buffer held
  };

  explicit RequestLog(int fd = 1, std::size_t pending_bound = kDefaultPendingBound);
  ~RequestLog();  // stop()
  RequestLog(const RequestLog&) = delete;
  RequestLog& operator=(const RequestLog&) = delete;

  // One line for a request answered. `method` comes from the client and is
  // escaped; `route` is the route's pattern.
  void append(std::string_view method, std::string_view route, int status, std::chrono::microseconds duration);
  // Returns once every line appended before the call is written (or lost
  // to a write error).
  void flush();
  // Writes everything appended, then ends the writer thread. Appends after
  // stop() are written at once, on the caller's thread.
  void stop();

  Counters counters() const;
  // The counters in Prometheus text format, for /metrics.
  std::string render_metrics() const;

  // Appends one line (with its newline) to `out`: the format, for tests and
  // for a caller without a RequestLog.
  static void format_line(std::string& out, std::string_view method, std::string_view route, int status,
                          std::chrono::microseconds duration);

 private:
  void run();
  std::size_t eager_bytes() const;  // a batch worth writing before kBatchInterval is up
  // With mutex_ held: counts a batch of which `written` bytes went out
  // before `error` (an errno, or 0), and tells the first error on stderr.
  void record(std::string_view batch, std::size_t written, int error);

  const int fd_;
  const std::size_t pending_bound_;

  mutable std::mutex mutex_;
  std::condition_variable writer_wake_;  // the writer: lines to take, a flush, or stop
  std::condition_variable room_;         // appenders waiting for room, flushers for their lines
  std::string pending_;                  // guarded by mutex_: lines not yet taken by the writer
  std::uint64_t appended_bytes_ = 0;     // guarded by mutex_: all bytes ever appended
  std::uint64_t done_bytes_ = 0;         // guarded by mutex_: of those, written or lost
  std::uint64_t flushes_ = 0;            // guarded by mutex_: flush() calls waiting
  bool writer_idle_ = false;             // guarded by mutex_: waiting for a first line
  bool stopping_ = false;                // guarded by mutex_
  bool stopped_ = false;                 // guarded by mutex_: the writer thread has ended
  Counters counters_;                    // guarded by mutex_
  bool error_told_ = false;              // guarded by mutex_

  std::string writing_;  // the writer thread's own: the batch being written
  std::thread writer_;
};

}  // namespace dsr::api
