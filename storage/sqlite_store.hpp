// SqliteStore: the engine's Store on SQLite. A commit is one job for the
// group-commit writer: it checks the version, updates the request's cached
// row, and appends the events to the journal, each a leaf of the audit
// log's Merkle tree (storage/journal.hpp), all or nothing.
// load() folds the journal on a read connection. A filing's tracking token
// and verification code are kept as keyed hashes, its details and any
// outgoing messages sealed, in the same transaction as its first event.
//
// Thread-safe: load() from any thread; commit() completions run on the
// writer thread.
#pragma once

#include "engine/store.hpp"
#include "storage/database.hpp"
#include "storage/sealed_change.hpp"

namespace dsr::storage {

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(Database& db) : db_(db) {}

  Result<Request> load(std::string_view id) const override;
  void commit(RequestChange change, Completion done) override;
  Result<RequestPage> list(const RequestQuery& query) const override;
  Result<std::string> details(std::string_view id) const override;
  Result<std::vector<Correspondence>> correspondence(std::string_view id) const override;
  Result<std::optional<IdempotentReply>> idempotent_reply(std::string_view key) const override;
  Result<QueueStats> stats(TimePoint now) const override;
  Result<std::optional<std::string>> open_request_of(std::string_view subject_ref, std::string_view type) const override;

 private:
  Database& db_;
};

}  // namespace dsr::storage
