// The smaller stores of the data layer, each a view on the Database:
//  - DisclosureLedger: every disclosure of a subject's data (policy D.4);
//  - RecipientDirectory: third parties and their sealed signing secrets;
//  - TokenRegistry: bearer tokens, kept only as keyed hashes;
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

struct Disclosure {
  std::string subject_ref;
  std::string recipient_id;
  std::vector<std::string> categories;  // e.g. "name", "nik", "email"
  std::string legal_basis;
  TimePoint disclosed_at;
  std::string recorded_by;
};

struct DisclosureEntry {
  std::string id;
  Disclosure disclosure;
  std::string recipient_name;
  std::string recipient_kind;
};

class DisclosureLedger {
 public:
  explicit DisclosureLedger(Database& db) : db_(db) {}
  void record(Disclosure d, std::function<void(Result<std::string>)> done);
  Result<std::string> record_sync(Disclosure d);
  // Oldest first.
  Result<std::vector<DisclosureEntry>> for_subject(std::string_view subject_ref) const;
  // The recipients that ever received this subject's data, once each.
  Result<std::vector<std::string>> recipients_of(std::string_view subject_ref) const;

 private:
  Database& db_;
};

struct Recipient {
  std::string id;
  std::string name;
  std::string kind;  // institution, legal_advisor, law_enforcement, government, processor
  std::string webhook_url;
  std::string signing_secret;  // plaintext, only in memory
};

class RecipientDirectory {
 public:
  explicit RecipientDirectory(Database& db) : db_(db) {}
  // Creates a recipient with a fresh signing secret (returned, shown once).
  Result<Recipient> create_sync(std::string name, std::string kind, std::string webhook_url);
  Result<Recipient> get(std::string_view id) const;

 private:
  Database& db_;
};

class TokenRegistry final : public TokenDirectory {
 public:
  explicit TokenRegistry(Database& db) : db_(db) {}
  // A new random token for `principal`; the token itself is never stored.
  Result<std::string> create_sync(const Principal& principal);
  // Who holds `token`, or not_found (also for a revoked token).
  Result<Principal> authenticate(std::string_view token) const override;
  Result<std::string> tracked_request(std::string_view tracking_token) const override;

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

  // Waiting forms, for the command line and tests.
  Status issue_sync(std::string_view request_id, std::string_view code, TimePoint expires_at, int attempts);
  Result<CodeVerdict> check_sync(std::string_view request_id, std::string_view code, TimePoint now);

 private:
  Database& db_;
};

// The keyed hash a code is stored as: bound to its request, so a code for
// one request is worth nothing for another.
Bytes verification_code_hash(const MasterKey& keys, std::string_view request_id, std::string_view code);

}  // namespace dsr::storage
