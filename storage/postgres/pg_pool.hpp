// A small pool of PostgreSQL connections per process: a task leases one,
// uses it alone, and gives it back when the lease ends. A connection found
// broken is dropped and the next lease opens a new one, so that the pool
// heals by itself after the server or the network came back.
//
// Thread-safety: lease() from any thread; a Lease is used by one thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/result.hpp"
#include "storage/postgres/pg_connection.hpp"

namespace dsr::storage::pg {

class Pool {
 public:
  class Lease {
   public:
    Lease(Pool& pool, std::unique_ptr<Connection> c) : pool_(&pool), conn_(std::move(c)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (conn_) pool_->give_back(std::move(conn_));
    }
    Connection& operator*() { return *conn_; }
    Connection* operator->() { return conn_.get(); }

   private:
    Pool* pool_;
    std::unique_ptr<Connection> conn_;
  };

  Pool(std::string conninfo, std::size_t size) : conninfo_(std::move(conninfo)), size_(size) {}

  // An idle connection, a new one while fewer than `size` exist, else
  // waits for one to come back. After a failed attempt to connect, the
  // next waits (100 ms, doubling to 2 s, until one succeeds); meanwhile a
  // lease that needs a new connection fails at once with the last failure,
  // so that a server coming back (or being promoted) is not met by every
  // request at once, and callers learn at once that it is away.
  Result<Lease> lease();

  // Runs `f(Connection&)` on a leased connection.
  template <class F>
  auto with(F&& f) -> decltype(f(std::declval<Connection&>())) {
    auto l = lease();
    if (!l) return fail(l.error());
    return f(**l);
  }

  const std::string& conninfo() const { return conninfo_; }

 private:
  void give_back(std::unique_ptr<Connection> c);

  std::string conninfo_;
  std::size_t size_;
  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::size_t open_ = 0;  // leased or idle
  static constexpr std::chrono::milliseconds kFirstBackoff{100};
  static constexpr std::chrono::milliseconds kMaxBackoff{2000};
  std::chrono::milliseconds backoff_{0};         // guarded by mutex_
  std::chrono::steady_clock::time_point retry_at_;  // guarded by mutex_
  std::string last_failure_;                      // guarded by mutex_
};

}  // namespace dsr::storage::pg
