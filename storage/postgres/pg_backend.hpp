// A dsr database on PostgreSQL, opened: the connection pool, the schema
// migrated (under the advisory lock, storage/postgres/pg_migrations.hpp),
// and the master key checked against the one the database was made with
// (recorded by the first node to start), so that a node started with
// another key is refused before it writes anything it could not read back.
//
// Thread-safety: pool() and keys() from any thread.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "storage/crypto.hpp"
#include "storage/package_signer.hpp"
#include "storage/postgres/pg_executor.hpp"
#include "storage/postgres/pg_pool.hpp"

namespace dsr::storage::pg {

class Backend {
 public:
  static Result<std::unique_ptr<Backend>> open(const std::string& conninfo, const Key& master_key,
                                               std::size_t connections = 8);
  // The same with the key file's set of keys (two during a rotation) and a
  // way to read the file again (MasterKey).
  static Result<std::unique_ptr<Backend>> open(const std::string& conninfo, const MasterKeySet& master_keys,
                                               std::function<Result<MasterKeySet>()> reload, std::size_t connections);
  Pool& pool() { return pool_; }
  const MasterKey& keys() const { return keys_; }
  // As many threads as connections: a write waits for a connection anyway.
  Executor& executor() { return executor_; }

 private:
  Backend(const std::string& conninfo, const MasterKeySet& master_keys, std::function<Result<MasterKeySet>()> reload,
          std::size_t connections)
      : pool_(conninfo, connections), keys_(master_keys, std::move(reload)), executor_(connections) {}
  Pool pool_;
  MasterKey keys_;
  Executor executor_;  // last: its threads finish their work before the pool goes
};

// Whether `keys` is the master key the database was made with; reads only.
Status verify_master_key(Connection& c, const MasterKey& keys);

// The access packages' signing key, kept sealed in meta: made by the first
// node to start, read by every other.
Result<std::unique_ptr<Ed25519Signer>> open_signer(Backend& backend);

}  // namespace dsr::storage::pg
