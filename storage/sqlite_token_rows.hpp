// The token rows on SQLite: reads through the cached read connections,
// writes through the group-commit writer.
#pragma once

#include "storage/database.hpp"
#include "storage/token_rows.hpp"

namespace dsr::storage {

class SqliteTokenRows final : public TokenRows {
 public:
  explicit SqliteTokenRows(Database& db) : db_(db) {}

  Status insert(const Bytes& token_hash, const TokenRecord& record) override;
  Result<TokenRecord> find(const Bytes& token_hash) const override;
  Result<std::vector<TokenRecord>> all() const override;
  void revoke(const std::string& id, const std::string& revoked_by,
              std::function<void(Result<TokenRecord>)> done) override;
  void note_use(const std::string& id, TimePoint at) override;
  Result<Bytes> tracking_hash(const std::string& request_id) const override;

 private:
  Database& db_;
};

}  // namespace dsr::storage
