// PgStore: the engine's Store on PostgreSQL. A commit is one transaction
// sent in one round trip (pipeline mode): the version check
// (dsr_expect_version, which holds the request's row to the end), the
// request row, the filing's hashed and sealed rows, the correspondence,
// the outbox, and the journal entries, unsequenced: the sequencer
// (storage/postgres/pg_sequencer.hpp) gives them their places in the audit
// log later, so that filings never wait on a lock all filings share.
//
// Everything sealed or hashed is made on the caller's thread before the
// round trip (storage/sealed_change.hpp), as on SQLite: PostgreSQL never
// holds plaintext personal data.
//
// Thread-safe: every call leases its own connection. commit() returns at
// once; its work and its completion run on the executor's threads.
#pragma once

#include "engine/store.hpp"
#include "storage/crypto.hpp"
#include "storage/postgres/pg_executor.hpp"
#include "storage/postgres/pg_pool.hpp"

namespace dsr::storage::pg {

class PgStore final : public Store {
 public:
  PgStore(Pool& pool, const MasterKey& keys, Executor& executor) : pool_(pool), keys_(keys), executor_(executor) {}

  Result<Request> load(std::string_view id) const override;
  void commit(RequestChange change, Completion done) override;
  Result<RequestPage> list(const RequestQuery& query) const override;
  Result<std::string> details(std::string_view id) const override;
  Result<std::vector<Correspondence>> correspondence(std::string_view id) const override;
  Result<std::optional<IdempotentReply>> idempotent_reply(std::string_view key) const override;
  Result<QueueStats> stats(TimePoint now) const override;
  Result<std::optional<std::string>> open_request_of(std::string_view subject_ref, std::string_view type) const override;

  // How long a commit whose connection was lost waits for a database to
  // tell whether it was stored (a failover takes seconds).
  static constexpr std::chrono::seconds kResolveWithin{30};

 private:
  // After the connection was lost during a commit: whether the change's
  // last journal entry (its leaf hash, unique to this attempt) is stored,
  // once the server process that ran it (`backend`) is gone.
  Status resolve_unknown_commit(const std::string& request_id, std::int64_t seq, const Bytes& leaf_hash,
                                int backend) const;

  Pool& pool_;
  const MasterKey& keys_;
  Executor& executor_;
};

}  // namespace dsr::storage::pg
