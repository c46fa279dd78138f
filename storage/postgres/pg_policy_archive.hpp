// The privacy policy's versions on PostgreSQL, as storage/policy_archive.hpp
// keeps them on SQLite.
//
// Thread-safe: every call leases its own connection; writes complete on
// the caller's thread once committed.
#pragma once

#include "engine/ports.hpp"
#include "storage/postgres/pg_executor.hpp"
#include "storage/postgres/pg_pool.hpp"

namespace dsr::storage::pg {

class PgPolicyArchive final : public PolicyArchive {
 public:
  PgPolicyArchive(Pool& pool, Executor& executor) : pool_(pool), executor_(executor) {}
  void publish(PolicyVersion version, std::function<void(Status)> done) override;
  Result<std::vector<PolicyVersion>> versions() const override;

 private:
  Pool& pool_;
  Executor& executor_;
};

}  // namespace dsr::storage::pg
