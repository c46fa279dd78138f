// The smaller stores on PostgreSQL, as storage/registries.hpp has them on
// SQLite: the recipients and the disclosure ledger (policy D.4), and the
// verification codes (hashed, expiring, attempt-limited). Secrets and
// codes are sealed or hashed in dsr before they are sent.
//
// Thread-safe: every call leases its own connection; writes complete on
// the caller's thread once committed.
#pragma once

#include "engine/ports.hpp"
#include "storage/crypto.hpp"
#include "storage/postgres/pg_executor.hpp"
#include "storage/postgres/pg_pool.hpp"

namespace dsr::storage::pg {

// One disclosure ledger entry `id`, for a transaction of its own or a
// request's (a portability transfer).
Statement insert_disclosure(const std::string& id, const Disclosure& disclosure);

class PgDisclosures final : public DisclosureRegistry {
 public:
  PgDisclosures(Pool& pool, const MasterKey& keys, Executor& executor)
      : pool_(pool), keys_(keys), executor_(executor) {}
  void create_recipient(Recipient recipient, std::function<void(Result<Recipient>)> done) override;
  Result<Recipient> recipient(std::string_view id) const override;
  void institution_recipient(std::string organization, std::function<void(Result<std::string>)> done) override;
  void record(Disclosure disclosure, std::function<void(Result<std::string>)> done) override;
  Result<std::vector<DisclosureEntry>> for_subject(std::string_view subject_ref) const override;

 private:
  Pool& pool_;
  const MasterKey& keys_;
  Executor& executor_;
};

class PgVerificationCodes final : public VerificationCodeStore {
 public:
  PgVerificationCodes(Pool& pool, const MasterKey& keys, Executor& executor)
      : pool_(pool), keys_(keys), executor_(executor) {}
  void issue(std::string request_id, std::string code, TimePoint expires_at, int attempts,
             std::function<void(Status)> done) override;
  void check(std::string request_id, std::string code, TimePoint now,
             std::function<void(Result<CodeVerdict>)> done) override;
  void resend(std::string request_id, std::string subject_ref, std::string code, TimePoint expires_at, int attempts,
              int max_sends, std::optional<OutgoingMessage> message, std::function<void(Result<int>)> done) override;

 private:
  Pool& pool_;
  const MasterKey& keys_;
  Executor& executor_;
};

}  // namespace dsr::storage::pg
