// The smaller stores of the data layer, each a view on the Database:
//  - SqliteDisclosures: third parties, their sealed signing secrets, and
//    every disclosure of a subject's data to them (policy D.4);
//  - VerificationCodes: one-time codes, hashed, expiring, attempt-limited.
// Writes go through the group-commit writer and complete once durable;
// the *_sync helpers wait, for the command line and tests.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/ports.hpp"
#include "engine/result.hpp"
#include "engine/role.hpp"
#include "engine/time.hpp"
#include "storage/database.hpp"

namespace dsr::storage {

// Inside a writer job: one disclosure ledger entry `id` (a transfer's,
// with the request that made it).
void insert_disclosure_in(WriteConnection& db, const std::string& id, const Disclosure& disclosure);

// The disclosure ledger and the recipients, as the engine's port.
class SqliteDisclosures final : public DisclosureRegistry {
 public:
  explicit SqliteDisclosures(Database& db) : db_(db) {}
  void create_recipient(Recipient recipient, std::function<void(Result<Recipient>)> done) override;
  Result<Recipient> recipient(std::string_view id) const override;
  void institution_recipient(std::string organization, std::function<void(Result<std::string>)> done) override;
  void record(Disclosure disclosure, std::function<void(Result<std::string>)> done) override;
  Result<std::vector<DisclosureEntry>> for_subject(std::string_view subject_ref) const override;
  // The recipients that ever received this subject's data, once each.
  Result<std::vector<std::string>> recipients_of(std::string_view subject_ref) const;

  // Waiting forms, for the command line and tests.
  Result<Recipient> create_recipient_sync(std::string name, std::string kind, std::string webhook_url);
  Result<std::string> record_sync(Disclosure disclosure);

 private:
  Database& db_;
};

class VerificationCodes final : public VerificationCodeStore {
 public:
  explicit VerificationCodes(Database& db) : db_(db) {}
  void issue(std::string request_id, std::string code, TimePoint expires_at, int attempts,
             std::function<void(Status)> done) override;
  void check(std::string request_id, std::string code, TimePoint now,
             std::function<void(Result<CodeVerdict>)> done) override;
  void resend(std::string request_id, std::string subject_ref, std::string code, TimePoint expires_at, int attempts,
              int max_sends, std::optional<OutgoingMessage> message, std::function<void(Result<int>)> done) override;

  // Waiting forms, for the command line and tests.
  Status issue_sync(std::string_view request_id, std::string_view code, TimePoint expires_at, int attempts);
  Result<CodeVerdict> check_sync(std::string_view request_id, std::string_view code, TimePoint now);

 private:
  Database& db_;
};

// The associated data a recipient's signing secret is sealed with.
std::string secret_context(std::string_view recipient_id);

// What a code check comes to, from the stored row (its hash, expiry and
// attempts left) and the hash of the code given: the same on every backend.
// `accepted`: the row is to be deleted (a code is used once); `wrong`
// or a lock-out: one attempt is to be spent.
CodeVerdict judge_code(const Bytes& stored, std::int64_t expires_at, int attempts_left, const Bytes& given, TimePoint now);

// A code resend refused: the request is verified by hand, or `sent` codes
// have gone out, the most allowed.
Error no_code_to_resend();
Error code_limit_reached(int sent);

// The keyed hash a code is stored as: bound to its request, so a code for
// one request is worth nothing for another.
Bytes verification_code_hash(const MasterKey& keys, std::string_view request_id, std::string_view code);

}  // namespace dsr::storage
