#include "storage/postgres/pg_backend.hpp"

#include "storage/postgres/pg_migrations.hpp"

namespace dsr::storage::pg {
namespace {

Result<Bytes> meta_value(Connection& c, const std::string& key) {
  auto row = c.exec("SELECT value FROM meta WHERE key = $1", {key});
  if (!row) return fail(row.error());
  if (row->empty()) return Bytes{};
  return row->bytes(0, 0);
}

// Stores `value` under `key` unless a value is there, and answers the one kept.
Result<Bytes> keep_first(Connection& c, const std::string& key, const Bytes& value) {
  auto inserted = c.exec("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING", {key, value});
  if (!inserted) return fail(inserted.error());
  return meta_value(c, key);
}

const char* const kWrongKey = "the master key does not match this database: give the --key-file it was created with";

}  // namespace

Status verify_master_key(Connection& c, const MasterKey& keys) {
  auto kept = meta_value(c, "master_key_check");
  if (!kept) return fail(kept.error());
  if (kept->empty()) return fail(Error::not_found("this database has no master key yet: no dsr has started on it"));
  if (!keys.matches_check(*kept)) return fail(Error::forbidden(kWrongKey));
  return ok_status();
}

Result<std::unique_ptr<Backend>> Backend::open(const std::string& conninfo, const Key& master_key,
                                               std::size_t connections) {
  return open(conninfo, MasterKeySet{master_key, std::nullopt}, {}, connections);
}

Result<std::unique_ptr<Backend>> Backend::open(const std::string& conninfo, const MasterKeySet& master_keys,
                                               std::function<Result<MasterKeySet>()> reload, std::size_t connections) {
  std::unique_ptr<Backend> backend(new Backend(conninfo, master_keys, std::move(reload), connections));
  auto checked = backend->pool_.with([&](Connection& c) -> Status {
    if (Status migrated = migrate(c); !migrated) return migrated;
    auto kept = keep_first(c, "master_key_check", backend->keys_.check_value());
    if (!kept) return fail(kept.error());
    if (!backend->keys_.matches_check(*kept)) return fail(Error::forbidden(kWrongKey));
    // The purpose keys the database keeps once a rotation has run.
    auto purpose = c.exec("SELECT key_id, sealed FROM sealed_keys WHERE name = 'purpose'");
    if (!purpose) return fail(purpose.error());
    if (!purpose->empty())
      return backend->keys_.adopt_purpose_keys(Wrapped{purpose->text(0, 0), purpose->bytes(0, 1)});
    return ok_status();
  });
  if (!checked) return fail(checked.error());
  return backend;
}

Result<std::unique_ptr<Ed25519Signer>> open_signer(Backend& backend) {
  SigningKeyStore store;
  store.stored = [&] { return backend.pool().with([](Connection& c) { return meta_value(c, "signing_key"); }); };
  store.keep = [&](const Bytes& sealed) {
    return backend.pool().with([&](Connection& c) { return keep_first(c, "signing_key", sealed); });
  };
  store.retired = [&]() -> Result<std::vector<SigningKeyListing>> {
    auto rows = backend.pool().with([](Connection& c) {
      return c.exec("SELECT key_id, public_key, retired_at FROM retired_signing_keys ORDER BY retired_at DESC, key_id");
    });
    if (!rows) return fail(rows.error());
    std::vector<SigningKeyListing> out;
    for (int i = 0; i < rows->size(); ++i)
      out.push_back({rows->text(i, 0), rows->text(i, 1), TimePoint{std::chrono::seconds{rows->integer(i, 2)}}});
    return out;
  };
  store.replace = [&](const Bytes& sealed, const Bytes& replaced, const SigningKeyListing& retiring) -> Status {
    auto done = backend.pool().with([&](Connection& c) {
      return c.transaction({{"UPDATE meta SET value = $1 WHERE key = 'signing_key' AND value = $2", {sealed, replaced}},
                            // Listed only if the swap above took place.
                            {"INSERT INTO retired_signing_keys (key_id, public_key, retired_at) SELECT $1, $2, $3 "
                             "WHERE EXISTS (SELECT 1 FROM meta WHERE key = 'signing_key' AND value = $4)",
                             {retiring.key_id, retiring.public_key,
                              static_cast<std::int64_t>(retiring.retired_at->time_since_epoch().count()), sealed}}});
    });
    if (!done) return fail(done.error());
    if ((*done)[0].affected() != 1)
      return fail(Error::conflict("the signing key was rotated by another process at the same time; run again"));
    return ok_status();
  };
  return Ed25519Signer::open(backend.keys(), std::move(store));
}

}  // namespace dsr::storage::pg
