// The retention sweeper (policy E.3-E.7): what dsr keeps for a request is
// removed once each policy's retention rules (engine/sla_policy.hpp,
// RetentionRules) say it has served its purpose:
//  - verification codes, once their request closed or they expired;
//  - the sealed payloads of delivered subject messages and of acknowledged
//    recipient notices (the rows stay, with their status, for the record);
//  - the stored answers to filings made with an Idempotency-Key;
//  - the vault record of a subject whose requests have all closed, the
//    last one longer ago than the rule: crypto-shredded as an erasure is
//    (with their forms, correspondence and pending messages), unless the
//    subject is under legal hold.
// Each sweep runs in one transaction on the writer and, when it removed
// anything, writes a row to retention_sweeps: counts and pseudonymous
// subject references, never the data. Sweeping again removes nothing more.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/sla_policy.hpp"
#include "storage/database.hpp"

namespace dsr::storage {

struct RetentionSweep {
  std::int64_t verification_codes = 0;
  std::int64_t message_payloads = 0;
  std::int64_t idempotency_answers = 0;
  std::vector<std::string> subjects_shredded;  // vault references, not NIKs
  std::int64_t subjects_on_hold = 0;            // due for shredding, kept by a legal hold

  bool removed_anything() const {
    return verification_codes + message_payloads + idempotency_answers > 0 || !subjects_shredded.empty();
  }
};

// The rules of each policy in use (a policy not in the catalogue: the
// defaults), and, for one rule, the instant before which things are due to
// go, per policy, as JSON ({"id-pdp": 1790000000, ...}) for the database
// to join on. The same for both backends.
using RulesInUse = std::vector<std::pair<std::string, RetentionRules>>;
RulesInUse rules_in_use(const std::vector<std::string>& policies_in_use, const SlaCatalog& policies,
                        const RetentionRules& defaults);
std::string retention_cutoffs(const RulesInUse& in_use, TimePoint now, std::chrono::days RetentionRules::*rule);

// `policies` gives each request's rules by its policy; `defaults` (the
// server's default policy) applies to what no request ties to a policy
// (idempotency answers) and to requests of a policy not in the catalogue.
Result<RetentionSweep> sweep_retention(Database& db, const SlaCatalog& policies, const RetentionRules& defaults,
                                       TimePoint now);

}  // namespace dsr::storage
