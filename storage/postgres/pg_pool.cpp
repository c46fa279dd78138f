#include "storage/postgres/pg_pool.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace dsr::storage::pg {

Result<Pool::Lease> Pool::lease() {
  std::unique_lock lock(mutex_);
  returned_.wait(lock, [this] { return !idle_.empty() || open_ < size_; });
  if (!idle_.empty()) {
    auto c = std::move(idle_.back());
    idle_.pop_back();
    return Lease(*this, std::move(c));
  }
  if (auto now = std::chrono::steady_clock::now(); now < retry_at_) {
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(retry_at_ - now);
    return fail(Error::unavailable(fmt::format("{} (connecting again in {} ms)", last_failure_, wait.count())));
  }
  ++open_;
  lock.unlock();
  auto opened = Connection::open(conninfo_);
  std::lock_guard relock(mutex_);
  if (!opened) {
    --open_;
    returned_.notify_one();
    backoff_ = std::clamp(backoff_ * 2, kFirstBackoff, kMaxBackoff);
    retry_at_ = std::chrono::steady_clock::now() + backoff_;
    last_failure_ = opened.error().message;
    return fail(opened.error());
  }
  backoff_ = std::chrono::milliseconds(0);
  retry_at_ = {};
  return Lease(*this, std::move(opened).value());
}

void Pool::give_back(std::unique_ptr<Connection> c) {
  std::lock_guard lock(mutex_);
  if (c->usable()) {
    idle_.push_back(std::move(c));
  } else {
    --open_;  // dropped: the next lease opens a new one
  }
  returned_.notify_one();
}

}  // namespace dsr::storage::pg
