#include "storage/postgres/pg_reports.hpp"

#include <fmt/format.h>

#include "engine/report_calendar.hpp"
#include "engine/time.hpp"
#include "storage/sla_report_query.hpp"
#include "storage/sqlite_values.hpp"

namespace dsr::storage::pg {
namespace {

// Each (policy, type, state) of the period, summed in one pass.
Status read_type_figures(Connection& c, SlaReport& report, std::int64_t from, std::int64_t to, std::int64_t now) {
  auto rows = c.exec(
      // SUM of bigint is numeric: each is cast back to bigint.
      "SELECT policy, type, state, COUNT(*), SUM((closed_at IS NULL)::int)::bigint, "
      "SUM((closed_at <= due_at)::int)::bigint, SUM(extended::int)::bigint, "
      "SUM(awaiting_subject_seconds + COALESCE(GREATEST($3::bigint - awaiting_since, 0), 0))::bigint, "
      "SUM((closed_at IS NOT NULL AND verified_at IS NULL)::int)::bigint FROM requests "
      "WHERE received_at >= $1 AND received_at < $2 GROUP BY policy, type, state ORDER BY policy, type, state",
      {from, to, now});
  if (!rows) return fail(rows.error());
  for (int i = 0; i < rows->size(); ++i) {
    std::string policy = rows->text(i, 0), type = rows->text(i, 1);
    if (report.types.empty() || report.types.back().policy != policy || report.types.back().type != type) {
      SlaTypeFigures f;
      f.policy = policy;
      f.type = type;
      report.types.push_back(std::move(f));
    }
    auto number = [&](int column) { return rows->null(i, column) ? 0 : rows->integer(i, column); };
    add_state(report.types.back(), rows->text(i, 2),
              {number(3), number(4), number(5), number(6), number(7), number(8)});
  }
  return ok_status();
}

// The time to completion at nearest rank ceil(p * n) of the n completed
// requests of a type received in the period: a walk of the index of times
// to completion from the nearer end, reading the index alone (the planner
// sorts the period's own rows instead when the period is a small slice).
Result<std::optional<std::int64_t>> percentile(Connection& c, const SlaTypeFigures& f, double p, std::int64_t from,
                                               std::int64_t to) {
  std::int64_t n = f.completed + f.partially_completed;
  if (n == 0) return std::optional<std::int64_t>{};
  std::int64_t rank = nearest_rank(p, n);
  bool from_top = rank > n / 2;
  auto row = c.exec(fmt::format("SELECT closed_at - received_at FROM requests WHERE policy = $1 AND type = $2 "
                                "AND state IN ('completed', 'partially_completed') AND received_at >= $3 "
                                "AND received_at < $4 ORDER BY closed_at - received_at {} LIMIT 1 OFFSET $5",
                                from_top ? "DESC" : "ASC"),
                    {f.policy, f.type, from, to, from_top ? n - rank : rank - 1});
  if (!row) return fail(row.error());
  if (row->empty()) return std::optional<std::int64_t>{};
  return std::optional<std::int64_t>(row->integer(0, 0));
}

Status read_now(Connection& c, SlaReport& report, std::int64_t now) {
  auto counts = c.exec("SELECT COUNT(*), COALESCE(SUM((due_at < $1)::int), 0)::bigint, "
                       "COALESCE(SUM((due_at >= $1 AND due_at < $1 + 86400)::int), 0)::bigint FROM requests "
                       "WHERE closed_at IS NULL",
                       {now});
  if (!counts) return fail(counts.error());
  report.open_now = counts->integer(0, 0);
  report.overdue_now = counts->integer(0, 1);
  report.due_within_24_hours = counts->integer(0, 2);
  auto overdue = c.exec("SELECT id, policy, type, state, assignee, received_at, due_at FROM requests "
                        "WHERE closed_at IS NULL AND due_at < $1 ORDER BY due_at, id LIMIT 20",
                        {now});
  if (!overdue) return fail(overdue.error());
  for (int i = 0; i < overdue->size(); ++i) {
    OverdueRequest r{overdue->text(i, 0), overdue->text(i, 1), overdue->text(i, 2), overdue->text(i, 3), std::nullopt,
                     from_unix(overdue->integer(i, 5)), from_unix(overdue->integer(i, 6))};
    if (!overdue->null(i, 4)) r.assignee = overdue->text(i, 4);
    report.oldest_overdue.push_back(std::move(r));
  }
  auto workload = c.exec("SELECT COALESCE(assignee, ''), COUNT(*), COALESCE(SUM((due_at < $1)::int), 0)::bigint "
                         "FROM requests WHERE closed_at IS NULL GROUP BY 1 ORDER BY 1",
                         {now});
  if (!workload) return fail(workload.error());
  for (int i = 0; i < workload->size(); ++i)
    report.workload.push_back({workload->text(i, 0), workload->integer(i, 1), workload->integer(i, 2)});
  auto notices = c.exec("SELECT status, COUNT(*) FROM outbox WHERE kind = 'recipient_notification' "
                        "AND status IN ('pending', 'delivered', 'failed') GROUP BY status");
  if (!notices) return fail(notices.error());
  for (int i = 0; i < notices->size(); ++i) {
    if (notices->text(i, 0) == "failed") report.recipient_notices_failed = notices->integer(i, 1);
    else report.recipient_notices_outstanding += notices->integer(i, 1);
  }
  return ok_status();
}

Status read_weeks(Connection& c, SlaReport& report, const SlaCatalog& policies) {
  std::vector<std::string> used;
  for (const auto& f : report.types)
    if (used.empty() || used.back() != f.policy) used.push_back(f.policy);
  for (const auto& id : used) {
    for (const auto& week : weeks_between(policies.time_zone_of(id), report.from, report.to)) {
      // The first and last weeks count only what falls inside the period.
      auto n = c.exec("SELECT COUNT(*) FROM requests WHERE received_at >= $1 AND received_at < $2 AND policy = $3",
                      {unix_seconds(std::max(week.begins, report.from)), unix_seconds(std::min(week.ends, report.to)), id});
      if (!n) return fail(n.error());
      report.weeks.push_back({id, week.start_date, n->integer(0, 0)});
    }
  }
  return ok_status();
}

}  // namespace

Result<SlaReport> PgSlaReports::report(TimePoint from, TimePoint to, TimePoint now) const {
  if (auto period = check_report_period(from, to); !period) return fail(period.error());
  return pool_.with([&](Connection& c) {
    // Every figure from one snapshot.
    return in_transaction(c, [&](Connection&) -> Result<SlaReport> {
      SlaReport report;
      report.from = from;
      report.to = to;
      report.generated_at = now;
      std::int64_t begins = unix_seconds(from), ends = unix_seconds(to), at = unix_seconds(now);
      if (Status read = read_type_figures(c, report, begins, ends, at); !read) return fail(read.error());
      for (auto& f : report.types) {
        auto median = percentile(c, f, 0.5, begins, ends);
        if (!median) return fail(median.error());
        auto p90 = percentile(c, f, 0.9, begins, ends);
        if (!p90) return fail(p90.error());
        f.median_seconds_to_completion = *median;
        f.p90_seconds_to_completion = *p90;
      }
      // The policies in use, by seeks in requests_for_report from one to the
      // next (PostgreSQL does not skip-scan an index by itself).
      auto in_use = c.exec(
          "WITH RECURSIVE p(policy) AS (SELECT MIN(policy) FROM requests UNION ALL "
          "SELECT (SELECT MIN(policy) FROM requests WHERE policy > p.policy) FROM p WHERE p.policy IS NOT NULL) "
          "SELECT policy FROM p WHERE policy IS NOT NULL");
      if (!in_use) return fail(in_use.error());
      std::vector<std::string> policies_in_use;
      for (int i = 0; i < in_use->size(); ++i) policies_in_use.push_back(in_use->text(i, 0));
      complete_report(report, policies_, policies_in_use);
      if (Status read = read_now(c, report, at); !read) return fail(read.error());
      if (Status read = read_weeks(c, report, policies_); !read) return fail(read.error());
      return report;
    }, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  });
}

}  // namespace dsr::storage::pg
