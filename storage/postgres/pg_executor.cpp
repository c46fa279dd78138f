#include "storage/postgres/pg_executor.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

namespace dsr::storage::pg {

struct Executor::Impl {
  explicit Impl(std::size_t threads) : pool(threads) {}
  boost::asio::thread_pool pool;
};

Executor::Executor(std::size_t threads) : impl_(std::make_unique<Impl>(threads)) {}

Executor::~Executor() { impl_->pool.join(); }

void Executor::post(std::function<void()> work) { boost::asio::post(impl_->pool, std::move(work)); }

}  // namespace dsr::storage::pg
