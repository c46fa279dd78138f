#include "storage/sla_report_query.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <fmt/format.h>

#include <cmath>
#include <initializer_list>
#include <map>

#include "engine/report_calendar.hpp"
#include "storage/sqlite_values.hpp"

namespace dsr::storage {
namespace {

constexpr const char* kCompleted = "('completed', 'partially_completed')";

std::string describe(const Period& period) {
  std::string unit(to_string(period.unit));
  for (auto& c : unit)
    if (c == '_') c = ' ';
  if (period.duration == 1 && unit.ends_with('s')) unit.pop_back();
  return fmt::format("{} {}", period.duration, unit);
}

// One column of requests_for_report, walked by seeks within a prefix (the
// columns before it, bound first): the first value, then each one after
// the last, one seek each; nullopt past the end.
class IndexSkip {
 public:
  IndexSkip(SQLite::Database& db, std::string_view column, std::string_view prefix)
      : first_(db, fmt::format("SELECT {0} FROM requests INDEXED BY requests_for_report WHERE 1{1} "
                               "ORDER BY {0} LIMIT 1", column, prefix)),
        next_(db, fmt::format("SELECT {0} FROM requests INDEXED BY requests_for_report WHERE 1{1} AND {0} > ? "
                              "ORDER BY {0} LIMIT 1", column, prefix)) {}

  std::optional<std::string> first(std::initializer_list<std::string> prefix) { return step(first_, prefix, nullptr); }
  std::optional<std::string> after(std::initializer_list<std::string> prefix, const std::string& value) {
    return step(next_, prefix, &value);
  }

 private:
  static std::optional<std::string> step(SQLite::Statement& seek, std::initializer_list<std::string> prefix,
                                         const std::string* after) {
    seek.reset();
    int n = 1;
    for (const auto& value : prefix) seek.bind(n++, value);
    if (after) seek.bind(n, *after);
    if (!seek.executeStep()) return std::nullopt;
    return seek.getColumn(0).getString();
  }

  SQLite::Statement first_;
  SQLite::Statement next_;
};

// Figures per (policy, type) for requests received in the period. The
// covering index orders requests by policy, type and state, then receipt
// time: each (policy, type, state) in use is found by a seek (a skip scan
// that needs no planner statistics) and its requests in the period are one
// range of the index, summed without a sort. So the cost follows the
// period, not the size of the table. Which states count as answered is
// decided here, per group, instead of per row in SQL.
void read_type_figures(SQLite::Database& db, SlaReport& report, std::vector<std::string>& policies_in_use,
                       std::int64_t from, std::int64_t to, std::int64_t now) {
  IndexSkip policies(db, "policy", "");
  IndexSkip types(db, "type", " AND policy = ?");
  IndexSkip states(db, "state", " AND policy = ? AND type = ?");
  SQLite::Statement sums(db,
      "SELECT COUNT(*), COALESCE(SUM(closed_at IS NULL), 0), COALESCE(SUM(closed_at <= due_at), 0), "
      "COALESCE(SUM(extended), 0), COALESCE(SUM(awaiting_subject_seconds + COALESCE(MAX(?6 - awaiting_since, 0), 0)), 0), "
      "COALESCE(SUM(closed_at IS NOT NULL AND verified_at IS NULL), 0) FROM requests INDEXED BY requests_for_report "
      "WHERE policy = ?1 AND type = ?2 AND state = ?3 AND received_at >= ?4 AND received_at < ?5");

  for (auto policy = policies.first({}); policy; policy = policies.after({}, *policy)) {
    policies_in_use.push_back(*policy);
    for (auto type = types.first({*policy}); type; type = types.after({*policy}, *type)) {
      SlaTypeFigures f;
      f.policy = *policy;
      f.type = *type;
      for (auto state = states.first({*policy, *type}); state; state = states.after({*policy, *type}, *state)) {
        sums.reset();
        sums.bind(1, *policy);
        sums.bind(2, *type);
        sums.bind(3, *state);
        sums.bind(4, from);
        sums.bind(5, to);
        sums.bind(6, now);
        sums.executeStep();
        StateSums state_sums{sums.getColumn(0).getInt64(), sums.getColumn(1).getInt64(), sums.getColumn(2).getInt64(),
                             sums.getColumn(3).getInt64(), sums.getColumn(4).getInt64(), sums.getColumn(5).getInt64()};
        add_state(f, *state, state_sums);
      }
      if (f.received > 0) report.types.push_back(std::move(f));
    }
  }
}

// The time to completion at nearest rank ceil(p * n) of the n completed
// requests of a type received in the period. Two plans, one answer:
// - when the period covers a good part of the history, walk the index of
//   times to completion in order from the nearer end, skipping requests
//   received outside the period (no sort, constant memory; the walk's
//   length follows the type's whole history);
// - when the period is a small slice of a long history, sort the period's
//   own times (found by seeks in requests_for_report), which then costs
//   less than walking years of entries.
std::optional<std::int64_t> percentile(SQLite::Database& db, const SlaTypeFigures& f, double p, std::int64_t from,
                                       std::int64_t to, double share_of_history) {
  std::int64_t n = f.completed + f.partially_completed;
  if (n == 0) return std::nullopt;
  std::int64_t rank = nearest_rank(p, n);
  bool from_top = rank > n / 2;
  std::int64_t offset = from_top ? n - rank : rank - 1;
  // In the walk "+received_at" makes the period a filter, never a seek key
  // (with statistics the planner would skip-scan the index and sort, 15
  // times slower).
  constexpr const char* kWalk =
      "SELECT closed_at - received_at FROM requests INDEXED BY requests_by_completion_time "
      "WHERE policy = ?1 AND type = ?2 AND state IN {} AND +received_at >= ?3 AND +received_at < ?4 "
      "ORDER BY closed_at - received_at {} LIMIT 1 OFFSET ?5";
  constexpr const char* kSort =
      "SELECT closed_at - received_at AS d FROM requests INDEXED BY requests_for_report "
      "WHERE policy = ?1 AND type = ?2 AND state IN {} AND received_at >= ?3 AND received_at < ?4 "
      "ORDER BY d {} LIMIT 1 OFFSET ?5";
  std::string sql = fmt::format(fmt::runtime(share_of_history >= 0.25 ? kWalk : kSort), kCompleted,
                                from_top ? "DESC" : "ASC");
  SQLite::Statement q(db, sql);
  q.bind(1, f.policy);
  q.bind(2, f.type);
  q.bind(3, from);
  q.bind(4, to);
  q.bind(5, offset);
  if (!q.executeStep()) return std::nullopt;
  return q.getColumn(0).getInt64();
}

// How much of the stored history (oldest request to now) the period spans.
double share_of_history(SQLite::Database& db, std::int64_t from, std::int64_t to, std::int64_t now) {
  SQLite::Statement oldest(db, "SELECT MIN(received_at) FROM requests INDEXED BY requests_by_received");
  if (!oldest.executeStep() || oldest.getColumn(0).isNull()) return 1.0;
  double history = static_cast<double>(std::max(now, to) - oldest.getColumn(0).getInt64());
  return history <= 0 ? 1.0 : static_cast<double>(to - from) / history;
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

  SQLite::Statement workload(db, "SELECT COALESCE(assignee, ''), COUNT(*), COALESCE(SUM(due_at < ?), 0) "
                                 "FROM requests INDEXED BY requests_open_by_due WHERE closed_at IS NULL "
                                 "GROUP BY 1 ORDER BY 1");
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
  SQLite::Statement q(db, "SELECT COUNT(*) FROM requests INDEXED BY requests_by_received "
                          "WHERE received_at >= ? AND received_at < ? AND policy = ?");
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

}  // namespace

bool is_answered_state(const std::string& state) {
  // Withdrawn and expired requests are closed without an answer.
  return state == "completed" || state == "partially_completed" || state == "rejected";
}

std::int64_t nearest_rank(double p, std::int64_t n) {
  return std::max<std::int64_t>(static_cast<std::int64_t>(std::ceil(p * static_cast<double>(n))), 1);
}

void add_state(SlaTypeFigures& f, const std::string& state, const StateSums& sums) {
  if (sums.count == 0) return;
  f.received += sums.count;
  f.open += sums.open;
  f.extended += sums.extended;
  f.awaiting_subject_seconds += sums.awaiting_subject_seconds;
  f.never_verified += sums.never_verified;
  if (is_answered_state(state)) {
    f.answered_on_time += sums.on_time;  // closed by the due date in force
    f.answered_late += sums.count - sums.on_time;
  }
  if (state == "completed") f.completed += sums.count;
  if (state == "partially_completed") f.partially_completed += sums.count;
  if (state == "rejected") f.rejected += sums.count;
  if (state == "withdrawn") f.withdrawn += sums.count;
  if (state == "expired") f.expired += sums.count;
}

namespace {

// Every type of every policy in use (any request ever filed under it),
// with zeros where the period had none, so that a quiet period still shows
// each target.
void add_missing_types(SlaReport& report, const SlaCatalog& policies, const std::vector<std::string>& in_use) {
  std::map<std::pair<std::string, std::string>, SlaTypeFigures> all;
  for (auto& f : report.types) all.emplace(std::pair{f.policy, f.type}, std::move(f));
  for (const auto& id : in_use)
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

void complete_report(SlaReport& report, const SlaCatalog& policies, const std::vector<std::string>& policies_in_use) {
  add_missing_types(report, policies, policies_in_use);
  add_totals(report);
}

Result<SlaReport> query_sla_report(Database& db, const SlaCatalog& policies, TimePoint from, TimePoint to,
                                   TimePoint now) {
  if (auto period = check_report_period(from, to); !period) return fail(period.error());
  return db.read("building the SLA report", [&](SQLite::Database& c) -> Result<SlaReport> {
    // One read transaction: every figure from the same snapshot.
    SQLite::Transaction snapshot(c, SQLite::TransactionBehavior::DEFERRED);
    SlaReport report;
    report.from = from;
    report.to = to;
    report.generated_at = now;
    std::int64_t begins = unix_seconds(from), ends = unix_seconds(to), at = unix_seconds(now);
    std::vector<std::string> policies_in_use;
    read_type_figures(c, report, policies_in_use, begins, ends, at);
    double share = share_of_history(c, begins, ends, at);
    for (auto& f : report.types) {
      f.median_seconds_to_completion = percentile(c, f, 0.5, begins, ends, share);
      f.p90_seconds_to_completion = percentile(c, f, 0.9, begins, ends, share);
    }
    complete_report(report, policies, policies_in_use);
    read_now(c, report, unix_seconds(now));
    read_weeks(c, report, policies);
    return report;
  });
}

}  // namespace dsr::storage
