// The token rows on PostgreSQL (storage/token_rows.hpp); TokenRegistry
// checks and caches on top, as on SQLite.
#pragma once

#include "storage/postgres/pg_executor.hpp"
#include "storage/postgres/pg_pool.hpp"
#include "storage/token_rows.hpp"

namespace dsr::storage::pg {

class PgTokenRows final : public TokenRows {
 public:
  PgTokenRows(Pool& pool, Executor& executor) : pool_(pool), executor_(executor) {}

  Status insert(const Bytes& token_hash, const TokenRecord& record) override;
  Result<TokenRecord> find(const Bytes& token_hash) const override;
  Result<std::vector<TokenRecord>> all() const override;
  void revoke(const std::string& id, const std::string& revoked_by,
              std::function<void(Result<TokenRecord>)> done) override;
  void note_use(const std::string& id, TimePoint at) override;
  Result<Bytes> tracking_hash(const std::string& request_id) const override;

 private:
  Pool& pool_;
  Executor& executor_;
};

}  // namespace dsr::storage::pg
