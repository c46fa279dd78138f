#include "storage/postgres/pg_pool.hpp"

namespace dsr::storage::pg {

Result<Pool::Lease> Pool::lease() {
  std::unique_lock lock(mutex_);
  returned_.wait(lock, [this] { return !idle_.empty() || open_ < size_; });
  if (!idle_.empty()) {
    auto c = std::move(idle_.back());
    idle_.pop_back();
    return Lease(*this, std::move(c));
  }
  ++open_;
  lock.unlock();
  auto opened = Connection::open(conninfo_);
  if (!opened) {
    std::lock_guard relock(mutex_);
    --open_;
    returned_.notify_one();
    return fail(opened.error());
  }
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
