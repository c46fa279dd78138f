// The staff access log on PostgreSQL, as storage/access_log.hpp keeps it on
// SQLite: each read is a journal row of its own, written unsequenced like
// every entry and given its place in the log by the sequencer. A subject's
// entries are listed in the order they were written (the journal's id).
//
// Thread-safe: every call leases its own connection; writes complete on
// the executor's thread once committed.
#pragma once

#include "engine/ports.hpp"
#include "storage/postgres/pg_executor.hpp"
#include "storage/postgres/pg_pool.hpp"

namespace dsr::storage::pg {

class PgAccessLog final : public AccessLog {
 public:
  PgAccessLog(Pool& pool, Executor& executor) : pool_(pool), executor_(executor) {}
  void record(std::vector<AccessEntry> entries, std::function<void(Status)> done) override;
  Result<AccessLogPage> for_subject(std::string_view subject_ref, int limit,
                                    std::optional<std::string> cursor) const override;

 private:
  Pool& pool_;
  Executor& executor_;
};

}  // namespace dsr::storage::pg
