#include "storage/retention_sweep.hpp"

#include <SQLiteCpp/Statement.h>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <utility>
#include <vector>

#include "storage/sqlite_values.hpp"
#include "storage/sqlite_vault.hpp"

namespace dsr::storage {
RulesInUse rules_in_use(const std::vector<std::string>& policies_in_use, const SlaCatalog& policies,
                        const RetentionRules& defaults) {
  RulesInUse out;
  for (const auto& id : policies_in_use) {
    const SlaPolicy* policy = policies.policy(id);
    out.emplace_back(id, policy ? policy->retention : defaults);
  }
  return out;
}

std::string retention_cutoffs(const RulesInUse& in_use, TimePoint now, std::chrono::days RetentionRules::*rule) {
  boost::json::object out;
  for (const auto& [id, rules] : in_use) out[id] = unix_seconds(now - rules.*rule);
  return boost::json::serialize(out);
}

namespace {

constexpr const char* kCutoffs = "WITH cutoff(policy, before) AS (SELECT key, value FROM json_each(?1)) ";

}  // namespace

Result<RetentionSweep> sweep_retention(Database& db, const SlaCatalog& policies, const RetentionRules& defaults,
                                       TimePoint now) {
  RetentionSweep sweep;
  Status done = db.writer().run([&](WriteConnection& w) -> Status {
    SQLite::Database& c = w.db();
    sweep = RetentionSweep{};  // a retried job starts again
    std::vector<std::string> policy_ids;
    SQLite::Statement in_use_query(c, "SELECT DISTINCT policy FROM requests INDEXED BY requests_for_report");
    while (in_use_query.executeStep()) policy_ids.push_back(in_use_query.getColumn(0).getString());
    auto in_use = rules_in_use(policy_ids, policies, defaults);

    SQLite::Statement codes(c, std::string(kCutoffs) +
        "DELETE FROM verification_codes WHERE request_id IN (SELECT r.id FROM requests r JOIN cutoff c "
        "ON c.policy = r.policy WHERE r.closed_at < c.before) OR expires_at < "
        "(SELECT MIN(before) FROM cutoff)");
    codes.bind(1, retention_cutoffs(in_use, now, &RetentionRules::verification_codes));
    sweep.verification_codes = codes.exec();

    // Delivered subject messages and acknowledged notices keep their row
    // (status, times, attempts) but not what they said.
    SQLite::Statement payloads(c, std::string(kCutoffs) +
        "UPDATE outbox SET payload = X'' WHERE length(payload) > 0 AND "
        "((kind = 'subject_message' AND status = 'delivered') OR "
        " (kind = 'recipient_notification' AND status = 'acknowledged')) AND "
        "COALESCE(acknowledged_at, delivered_at, updated_at) < COALESCE("
        "(SELECT c.before FROM requests r JOIN cutoff c ON c.policy = r.policy WHERE r.id = outbox.request_id), ?2)");
    payloads.bind(1, retention_cutoffs(in_use, now, &RetentionRules::delivered_messages));
    payloads.bind(2, unix_seconds(now - defaults.delivered_messages));
    sweep.message_payloads = payloads.exec();

    SQLite::Statement answers(c, "DELETE FROM idempotency_keys WHERE created_at < ?");
    answers.bind(1, unix_seconds(now - defaults.idempotency_answers));
    sweep.idempotency_answers = answers.exec();

    // Subjects with requests, none open, none closed since its policy's
    // cutoff (a request of a policy not in use has the defaults' cutoff).
    // A restricted record is kept, as under a legal hold: its subject asked
    // that it be kept, not processed (UU PDP Pasal 41).
    SQLite::Statement due(c, std::string(kCutoffs) +
        "SELECT s.ref, s.legal_hold OR EXISTS (SELECT 1 FROM restrictions x WHERE x.subject_ref = s.ref) "
        "FROM subjects s WHERE EXISTS (SELECT 1 FROM requests r WHERE r.subject_ref = s.ref) "
        "AND NOT EXISTS (SELECT 1 FROM requests r WHERE r.subject_ref = s.ref AND (r.closed_at IS NULL OR "
        "r.closed_at >= COALESCE((SELECT before FROM cutoff WHERE cutoff.policy = r.policy), ?2))) ORDER BY s.ref");
    due.bind(1, retention_cutoffs(in_use, now, &RetentionRules::subject_record));
    due.bind(2, unix_seconds(now - defaults.subject_record));
    std::vector<std::string> shred;
    while (due.executeStep()) {
      if (due.getColumn(1).getInt() != 0) ++sweep.subjects_on_hold;
      else shred.push_back(due.getColumn(0).getString());
    }
    for (const auto& ref : shred)
      if (erase_subject_in(w, ref)) sweep.subjects_shredded.push_back(ref);

    if (!sweep.removed_anything()) return ok_status();
    boost::json::array refs;
    for (const auto& ref : sweep.subjects_shredded) refs.emplace_back(ref);
    SQLite::Statement log(c, "INSERT INTO retention_sweeps (at, verification_codes, message_payloads, "
                             "idempotency_answers, subjects_shredded, subjects_on_hold) VALUES (?, ?, ?, ?, ?, ?)");
    log.bind(1, unix_seconds(now));
    log.bind(2, sweep.verification_codes);
    log.bind(3, sweep.message_payloads);
    log.bind(4, sweep.idempotency_answers);
    log.bind(5, boost::json::serialize(refs));
    log.bind(6, sweep.subjects_on_hold);
    log.exec();
    return ok_status();
  });
  if (!done) return fail(done.error());
  return sweep;
}

}  // namespace dsr::storage
