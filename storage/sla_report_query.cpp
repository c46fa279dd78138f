#include "storage/sla_report_query.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <fmt/format.h>

#include <cmath>
#include <map>

#include "engine/report_calendar.hpp"
#include "storage/sqlite_values.hpp"

namespace dsr::storage {
namespace {

// The states a request is answered in; withdrawn and expired are closed
// without an answer.
constexpr const char* kAnswered = "('completed', 'partially_completed', 'rejected')";
constexpr const char* kCompleted = "('completed', 'partially_completed')";

std::string describe(const Period& period) {
  std::string unit(to_string(period.unit));
  for (auto& c : unit)
    if (c == '_') c = ' ';
  if (period.duration == 1 && unit.ends_with('s')) unit.pop_back();
  return fmt::format("{} {}", period.duration, unit);
}

// Rows per (policy, type) for requests received in the period.
void read_type_figures(SQLite::Database& db, SlaReport& report, std::int64_t from, std::int64_t to, std::int64_t now) {
  SQLite::Statement q(db, fmt::format(
      "SELECT policy, type, COUNT(*), SUM(state = 'completed'), SUM(state = 'partially_completed'), "
      "SUM(state = 'rejected'), SUM(state = 'withdrawn'), SUM(state = 'expired'), SUM(closed_at IS NULL), "
      "SUM(state IN {0} AND closed_at <= due_at), SUM(state IN {0} AND NOT COALESCE(closed_at <= due_at, 0)), "
      "SUM(extended), SUM(awaiting_subject_seconds + COALESCE(MAX(?3 - awaiting_since, 0), 0)), "
      "SUM(closed_at IS NOT NULL AND verified_at IS NULL) "
      "FROM requests WHERE received_at >= ?1 AND received_at < ?2 GROUP BY policy, type ORDER BY policy, type",
      kAnswered));
  q.bind(1, from);
  q.bind(2, to);
  q.bind(3, now);
  while (q.executeStep()) {
    SlaTypeFigures f;
    f.policy = q.getColumn(0).getString();
    f.type = q.getColumn(1).getString();
    std::int64_t* counts[] = {&f.received,  &f.completed,        &f.partially_completed, &f.rejected,
                              &f.withdrawn, &f.expired,          &f.open,                &f.answered_on_time,
                              &f.answered_late, &f.extended,     &f.awaiting_subject_seconds, &f.never_verified};
    for (int i = 0; i < 12; ++i) *counts[i] = q.getColumn(2 + i).getInt64();
    report.types.push_back(std::move(f));
  }
}

// Nearest rank: the value at rank ceil(p * n) of the n sorted durations.
std::optional<std::int64_t> percentile(SQLite::Database& db, const SlaTypeFigures& f, double p, std::int64_t from,
                                       std::int64_t to) {
  std::int64_t n = f.completed + f.partially_completed;
  if (n == 0) return std::nullopt;
  auto rank = static_cast<std::int64_t>(std::ceil(p * static_cast<double>(n)));
  SQLite::Statement q(db, fmt::format("SELECT closed_at - received_at AS d FROM requests WHERE policy = ? AND type = ? "
                                      "AND received_at >= ? AND received_at < ? AND state IN {} ORDER BY d LIMIT 1 OFFSET ?",
                                      kCompleted));
  q.bind(1, f.policy);
  q.bind(2, f.type);
  q.bind(3, from);
  q.bind(4, to);
  q.bind(5, std::max<std::int64_t>(rank, 1) - 1);
  if (!q.executeStep()) return std::nullopt;
  return q.getColumn(0).getInt64();
}

// Every type of every policy in use (any request ever filed under it),
// with zeros where the period had none, so that a quiet period still shows
// each target.
void add_missing_types(SQLite::Database& db, SlaReport& report, const SlaCatalog& policies) {
  std::map<std::pair<std::string, std::string>, SlaTypeFigures> all;
  for (auto& f : report.types) all.emplace(std::pair{f.policy, f.type}, std::move(f));
  std::vector<std::string> used;
  SQLite::Statement in_use(db, "SELECT DISTINCT policy FROM requests ORDER BY policy");
  while (in_use.executeStep()) used.push_back(in_use.getColumn(0).getString());
  for (const auto& id : used)
    if (const SlaPolicy* policy = policies.policy(id))
      for (const auto& [type, rule] : policy->rules) {
        SlaTypeFigures none;
        none.policy = id;
        none.type = type;
        all.try_emplace({id, type}, std::move(none));
      }
  report.types.clear();
  for (auto& [key, f] : all) {
    const SlaPolicy* policy = policies.policy(f.policy);
    if (const SlaRule* rule = policy ? policy->rule_for(f.type) : nullptr) {
      f.statutory = rule->statutory;
      f.target = describe(rule->period);
      f.source = rule->source;
    }
    report.types.push_back(std::move(f));
  }
}

void read_now(SQLite::Database& db, SlaReport& report, std::int64_t now) {
  // All from the partial index of open requests by due date.
  SQLite::Statement counts(db, "SELECT COUNT(*), COALESCE(SUM(due_at < ?1), 0), "
                               "COALESCE(SUM(due_at >= ?1 AND due_at < ?1 + 86400), 0) "
                               "FROM requests WHERE closed_at IS NULL");
  counts.bind(1, now);
  counts.executeStep();
  report.open_now = counts.getColumn(0).getInt64();
  report.overdue_now = counts.getColumn(1).getInt64();
  report.due_within_24_hours = counts.getColumn(2).getInt64();

  SQLite::Statement overdue(db, "SELECT id, policy, type, state, assignee, received_at, due_at FROM requests "
                                "WHERE closed_at IS NULL AND due_at < ? ORDER BY due_at, id LIMIT 20");
  overdue.bind(1, now);
  while (overdue.executeStep()) {
    OverdueRequest r{overdue.getColumn(0).getString(), overdue.getColumn(1).getString(),
                     overdue.getColumn(2).getString(), overdue.getColumn(3).getString(), std::nullopt,
                     from_unix(overdue.getColumn(5).getInt64()), from_unix(overdue.getColumn(6).getInt64())};
    if (!overdue.getColumn(4).isNull()) r.assignee = overdue.getColumn(4).getString();
    report.oldest_overdue.push_back(std::move(r));
  }

  SQLite::Statement workload(db, "SELECT COALESCE(assignee, ''), COUNT(*), COALESCE(SUM(due_at < ?), 0) FROM requests "
                                 "WHERE closed_at IS NULL GROUP BY 1 ORDER BY 1");
  workload.bind(1, now);
  while (workload.executeStep())
    report.workload.push_back({workload.getColumn(0).getString(), workload.getColumn(1).getInt64(),
                               workload.getColumn(2).getInt64()});

  SQLite::Statement notices(db, "SELECT status, COUNT(*) FROM outbox WHERE kind = 'recipient_notification' "
                                "AND status IN ('pending', 'delivered', 'failed') GROUP BY status");
  while (notices.executeStep()) {
    if (notices.getColumn(0).getString() == "failed")
      report.recipient_notices_failed = notices.getColumn(1).getInt64();
    else
      report.recipient_notices_outstanding += notices.getColumn(1).getInt64();
  }
}

void read_weeks(SQLite::Database& db, SlaReport& report, const SlaCatalog& policies) {
  std::vector<std::string> used;
  for (const auto& f : report.types)
    if (used.empty() || used.back() != f.policy) used.push_back(f.policy);
  SQLite::Statement q(db, "SELECT COUNT(*) FROM requests WHERE received_at >= ? AND received_at < ? AND policy = ?");
  for (const auto& id : used) {
    for (const auto& week : weeks_between(policies.time_zone_of(id), report.from, report.to)) {
      // The first and last weeks count only what falls inside the period.
      q.bind(1, unix_seconds(std::max(week.begins, report.from)));
      q.bind(2, unix_seconds(std::min(week.ends, report.to)));
      q.bind(3, id);
      q.executeStep();
      report.weeks.push_back({id, week.start_date, q.getColumn(0).getInt64()});
      q.reset();
    }
  }
}

void add_totals(SlaReport& report) {
  for (const auto& f : report.types) {
    SlaTotals& t = f.statutory ? report.statutory : report.internal;
    t.received += f.received;
    t.answered_on_time += f.answered_on_time;
    t.answered_late += f.answered_late;
    t.open += f.open;
  }
}

}  // namespace

Result<SlaReport> query_sla_report(Database& db, const SlaCatalog& policies, TimePoint from, TimePoint to,
                                   TimePoint now) {
  if (to <= from)
    return fail(Error::invalid_argument(fmt::format("the period is empty: --from {} is not before --to {}",
                                                    format_rfc3339(from), format_rfc3339(to))));
  return db.read("building the SLA report", [&](SQLite::Database& c) -> Result<SlaReport> {
    // One read transaction: every figure from the same snapshot.
    SQLite::Transaction snapshot(c, SQLite::TransactionBehavior::DEFERRED);
    SlaReport report;
    report.from = from;
    report.to = to;
    report.generated_at = now;
    read_type_figures(c, report, unix_seconds(from), unix_seconds(to), unix_seconds(now));
    for (auto& f : report.types) {
      f.median_seconds_to_completion = percentile(c, f, 0.5, unix_seconds(from), unix_seconds(to));
      f.p90_seconds_to_completion = percentile(c, f, 0.9, unix_seconds(from), unix_seconds(to));
    }
    add_missing_types(c, report, policies);
    add_totals(report);
    read_now(c, report, unix_seconds(now));
    read_weeks(c, report, policies);
    return report;
  });
}

}  // namespace dsr::storage
