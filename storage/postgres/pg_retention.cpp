#include "storage/postgres/pg_retention.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "storage/postgres/pg_vault.hpp"
#include "storage/sqlite_values.hpp"

namespace dsr::storage::pg {
namespace {

// The key of the sweep's advisory lock ("dsrswep" in ASCII).
constexpr std::int64_t kSweepLock = 0x64737273776570;

constexpr const char* kCutoffs =
    "WITH cutoff(policy, before) AS (SELECT key, value::bigint FROM jsonb_each_text($1::jsonb)) ";

Result<RetentionSweep> sweep_in(Connection& c, const SlaCatalog& policies, const RetentionRules& defaults, TimePoint now) {
  RetentionSweep sweep;
  auto locked = c.exec("SELECT pg_try_advisory_xact_lock($1::bigint)", {kSweepLock});
  if (!locked) return fail(locked.error());
  if (!locked->boolean(0, 0)) return sweep;  // another node is sweeping

  auto policy_rows = c.exec("SELECT DISTINCT policy FROM requests");
  if (!policy_rows) return fail(policy_rows.error());
  std::vector<std::string> ids;
  for (int i = 0; i < policy_rows->size(); ++i) ids.push_back(policy_rows->text(i, 0));
  auto in_use = rules_in_use(ids, policies, defaults);

  auto codes = c.exec(std::string(kCutoffs) +
                          "DELETE FROM verification_codes WHERE request_id IN (SELECT r.id FROM requests r JOIN cutoff c "
                          "ON c.policy = r.policy WHERE r.closed_at < c.before) OR expires_at < "
                          "(SELECT MIN(before) FROM cutoff)",
                      {retention_cutoffs(in_use, now, &RetentionRules::verification_codes)});
  if (!codes) return fail(codes.error());
  sweep.verification_codes = codes->affected();

  // Delivered subject messages and acknowledged notices keep their row
  // (status, times, attempts) but not what they said.
  auto payloads = c.exec(
      std::string(kCutoffs) +
          "UPDATE outbox SET payload = '\\x'::bytea WHERE length(payload) > 0 AND "
          "((kind = 'subject_message' AND status = 'delivered') OR "
          " (kind = 'recipient_notification' AND status = 'acknowledged')) AND "
          "COALESCE(acknowledged_at, delivered_at, updated_at) < COALESCE("
          "(SELECT c.before FROM requests r JOIN cutoff c ON c.policy = r.policy WHERE r.id = outbox.request_id), $2::bigint)",
      {retention_cutoffs(in_use, now, &RetentionRules::delivered_messages), unix_seconds(now - defaults.delivered_messages)});
  if (!payloads) return fail(payloads.error());
  sweep.message_payloads = payloads->affected();

  auto answers = c.exec("DELETE FROM idempotency_keys WHERE created_at < $1",
                        {unix_seconds(now - defaults.idempotency_answers)});
  if (!answers) return fail(answers.error());
  sweep.idempotency_answers = answers->affected();

  // Subjects with requests, none open, none closed since its policy's
  // cutoff; a restricted record is kept, as under a legal hold.
  auto due = c.exec(std::string(kCutoffs) +
                        "SELECT s.ref, s.legal_hold OR EXISTS (SELECT 1 FROM restrictions x WHERE x.subject_ref = s.ref) "
                        "FROM subjects s WHERE EXISTS (SELECT 1 FROM requests r WHERE "
                        "r.subject_ref = s.ref) AND NOT EXISTS (SELECT 1 FROM requests r WHERE r.subject_ref = s.ref "
                        "AND (r.closed_at IS NULL OR r.closed_at >= COALESCE((SELECT before FROM cutoff WHERE "
                        "cutoff.policy = r.policy), $2::bigint))) ORDER BY s.ref",
                    {retention_cutoffs(in_use, now, &RetentionRules::subject_record), unix_seconds(now - defaults.subject_record)});
  if (!due) return fail(due.error());
  for (int i = 0; i < due->size(); ++i) {
    if (due->boolean(i, 1)) {
      ++sweep.subjects_on_hold;
      continue;
    }
    std::string ref = due->text(i, 0);
    for (const auto& statement : erase_subject(ref))
      if (auto erased = c.exec(statement.sql, statement.params); !erased) return fail(erased.error());
    sweep.subjects_shredded.push_back(ref);
  }

  if (!sweep.removed_anything()) return sweep;
  boost::json::array refs;
  for (const auto& ref : sweep.subjects_shredded) refs.emplace_back(ref);
  auto logged = c.exec("INSERT INTO retention_sweeps (at, verification_codes, message_payloads, idempotency_answers, "
                       "subjects_shredded, subjects_on_hold) VALUES ($1, $2, $3, $4, $5, $6)",
                       {unix_seconds(now), sweep.verification_codes, sweep.message_payloads, sweep.idempotency_answers,
                        boost::json::serialize(refs), sweep.subjects_on_hold});
  if (!logged) return fail(logged.error());
  return sweep;
}

}  // namespace

Result<RetentionSweep> sweep_retention(Pool& pool, const SlaCatalog& policies, const RetentionRules& defaults,
                                       TimePoint now) {
  return pool.with([&](Connection& c) {
    return in_transaction(c, [&](Connection& tx) { return sweep_in(tx, policies, defaults, now); });
  });
}

}  // namespace dsr::storage::pg
