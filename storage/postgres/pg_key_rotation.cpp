#include "storage/postgres/pg_key_rotation.hpp"

#include "storage/subject_seal.hpp"

namespace dsr::storage::pg {
namespace {

Bytes text_bytes(const std::string& text) { return Bytes(text.begin(), text.end()); }

class PgMasterKeyRotation final : public MasterKeyRotation {
 public:
  explicit PgMasterKeyRotation(Backend& backend) : backend_(backend) {}

  Status announce() override {
    const MasterKey& keys = backend_.keys();
    Wrapped purpose = keys.sealed_purpose_keys();
    auto done = backend_.pool().with([&](Connection& c) {
      return c.transaction({
          {"INSERT INTO sealed_keys (name, key_id, sealed) VALUES ('purpose', $1, $2) "
           "ON CONFLICT (name) DO UPDATE SET key_id = EXCLUDED.key_id, sealed = EXCLUDED.sealed",
           {purpose.key_id, purpose.sealed}},
          {"UPDATE meta SET value = $1 WHERE key = 'master_key_current'", {text_bytes(keys.current_id())}},
          {"UPDATE meta SET value = $1 WHERE key = 'master_key_check'", {keys.check_value()}},
      });
    });
    if (!done) return fail(done.error());
    return ok_status();
  }

  Result<RewrapBatch> rewrap(std::string_view after, std::size_t limit) override {
    const MasterKey& keys = backend_.keys();
    std::string current = keys.current_id();
    return backend_.pool().with([&](Connection& c) -> Result<RewrapBatch> {
      return in_transaction(c, [&](Connection&) -> Result<RewrapBatch> {
        auto rows = c.exec(
            "SELECT ref, wrap_key_id, wrapped_key FROM subjects WHERE ref > $1 AND wrap_key_id <> $2 "
            "ORDER BY ref LIMIT $3 FOR UPDATE",
            {std::string(after), current, static_cast<std::int64_t>(limit)});
        if (!rows) return fail(rows.error());
        RewrapBatch batch;
        std::vector<Statement> updates;
        for (int i = 0; i < rows->size(); ++i) {
          std::string ref = rows->text(i, 0);
          auto rewrapped = rewrap_data_key(keys, ref, rows->text(i, 1), rows->bytes(i, 2));
          if (!rewrapped) return fail(rewrapped.error());
          updates.push_back({"UPDATE subjects SET wrapped_key = $1, wrap_key_id = $2 WHERE ref = $3",
                             {rewrapped->sealed, rewrapped->key_id, ref}});
          ++batch.rewrapped;
          batch.last_ref = ref;
        }
        for (const auto& u : updates)
          if (auto updated = c.exec(u.sql, u.params); !updated) return fail(updated.error());
        return batch;
      });
    });
  }

  Result<std::int64_t> left_under_other_keys() override {
    std::string current = backend_.keys().current_id();
    auto n = backend_.pool().with([&](Connection& c) {
      return c.exec(
          "SELECT (SELECT COUNT(*) FROM subjects WHERE wrap_key_id <> $1) + "
          "(SELECT COUNT(*) FROM sealed_keys WHERE key_id <> $1) + "
          "(SELECT COUNT(*) FROM meta WHERE key = 'master_key_current' AND value <> $2)",
          {current, text_bytes(current)});
    });
    if (!n) return fail(n.error());
    return n->integer(0, 0);
  }

 private:
  Backend& backend_;
};

}  // namespace

std::unique_ptr<MasterKeyRotation> master_key_rotation(Backend& backend) {
  return std::make_unique<PgMasterKeyRotation>(backend);
}

}  // namespace dsr::storage::pg
