#include "storage/sqlite_key_rotation.hpp"

#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>

#include "storage/sqlite_values.hpp"
#include "storage/subject_seal.hpp"

namespace dsr::storage {
namespace {

class SqliteMasterKeyRotation final : public MasterKeyRotation {
 public:
  explicit SqliteMasterKeyRotation(Database& db) : db_(db) {}

  Status announce() override {
    const MasterKey& keys = db_.keys();
    return db_.writer().run([&](WriteConnection& c) -> Status {
      Wrapped purpose = keys.sealed_purpose_keys();
      auto& keep = c.prepared(
          "INSERT INTO sealed_keys (name, key_id, sealed) VALUES ('purpose', ?, ?) "
          "ON CONFLICT (name) DO UPDATE SET key_id = excluded.key_id, sealed = excluded.sealed");
      keep.bind(1, purpose.key_id);
      bind_blob(keep, 2, purpose.sealed);
      keep.exec();
      auto& current = c.prepared("UPDATE meta SET value = ? WHERE key = 'master_key_current'");
      current.bind(1, keys.current_id());
      current.exec();
      auto& check = c.prepared("UPDATE meta SET value = ? WHERE key = 'master_key_check'");
      bind_blob(check, 1, keys.check_value());
      check.exec();
      return ok_status();
    });
  }

  Result<RewrapBatch> rewrap(std::string_view after, std::size_t limit) override {
    const MasterKey& keys = db_.keys();
    RewrapBatch batch;
    Status done = db_.writer().run([&](WriteConnection& c) -> Status {
      batch = RewrapBatch{};
      std::string current = keys.current_id();
      struct Row {
        std::string ref, key_id;
        Bytes wrapped;
      };
      std::vector<Row> rows;
      auto& q = c.prepared(
          "SELECT ref, wrap_key_id, wrapped_key FROM subjects WHERE ref > ? AND wrap_key_id <> ? ORDER BY ref LIMIT ?");
      q.bind(1, std::string(after));
      q.bind(2, current);
      q.bind(3, static_cast<std::int64_t>(limit));
      while (q.executeStep())
        rows.push_back(Row{q.getColumn(0).getString(), q.getColumn(1).getString(), column_blob(q.getColumn(2))});
      q.reset();
      auto& update = c.prepared("UPDATE subjects SET wrapped_key = ?, wrap_key_id = ? WHERE ref = ?");
      for (const Row& row : rows) {
        auto rewrapped = rewrap_data_key(keys, row.ref, row.key_id, row.wrapped);
        if (!rewrapped) return fail(rewrapped.error());
        bind_blob(update, 1, rewrapped->sealed);
        update.bind(2, rewrapped->key_id);
        update.bind(3, row.ref);
        update.exec();
        update.reset();
        ++batch.rewrapped;
        batch.last_ref = row.ref;
      }
      return ok_status();
    });
    if (!done) return fail(done.error());
    return batch;
  }

  Result<std::int64_t> left_under_other_keys() override {
    std::string current = db_.keys().current_id();
    return db_.read("counting rows under the old master key", [&](SQLite::Database& c) -> Result<std::int64_t> {
      SQLite::Statement q(c,
                          "SELECT (SELECT COUNT(*) FROM subjects WHERE wrap_key_id <> ?1) + "
                          "(SELECT COUNT(*) FROM sealed_keys WHERE key_id <> ?1) + "
                          "(SELECT COUNT(*) FROM meta WHERE key = 'master_key_current' AND value <> ?1)");
      q.bind(1, current);
      q.executeStep();
      return q.getColumn(0).getInt64();
    });
  }

 private:
  Database& db_;
};

}  // namespace

std::unique_ptr<MasterKeyRotation> sqlite_master_key_rotation(Database& db) {
  return std::make_unique<SqliteMasterKeyRotation>(db);
}

}  // namespace dsr::storage
