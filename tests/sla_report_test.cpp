// The SLA report on both backends: a known set of requests worked under a fake
// clock (on time, late, paused, withdrawn, expired, rejected, extended,
// overdue now, due soon, outside the period), and every figure checked.
#include <catch2/catch.hpp>

#include <algorithm>
#include <future>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <map>

#include "api/sla_report_csv.hpp"
#include "api/sla_report_html.hpp"
#include "api/sla_report_json.hpp"
#include "engine/report_calendar.hpp"
#include "engine/request_service.hpp"
#include "storage/sla_report_query.hpp"
#include "storage_backends.hpp"
#include "storage_support.hpp"
#include "test_support.hpp"

using namespace dsr;
using namespace std::chrono_literals;
using test::actor;
using test::at;

namespace {

const Actor kBudi = actor(Role::subject, "budi");
const Actor kRita = actor(Role::reviewer, "rita");
const Actor kSari = actor(Role::supervisor, "sari");
const Actor kVera = actor(Role::verifier, "vera");
const Actor kTimer = actor(Role::scheduler, "dsr");

// Monday 2 November 2026, 08:00 WIB (1 November 2026 00:00 UTC is 1,793,491,200).
const TimePoint kStart = TimePoint{std::chrono::seconds{1793491200 + 24 * 3600 + 3600}};

// A back office on one backend, working requests under a fake clock.
template <class Backend>
struct Desk {

  std::string file(const std::string& type, TimePoint when) {
    clock.set(when);
    std::promise<Result<Request>> filed;
    service.submit({type, "id-pdp", "s-" + std::to_string(next + 1), kBudi, std::nullopt, {}},
                   [&](Result<Request> r) { filed.set_value(std::move(r)); });
    auto r = filed.get_future().get();
    REQUIRE(r.ok());
    return r->id;
  }

  void fire(const std::string& id, const std::string& event, const Actor& who, TimePoint when) {
    clock.set(when);
    auto current = service.get(id);
    REQUIRE(current.ok());
    std::promise<Result<Request>> fired;
    service.fire(id, Command{event, who, "because", current->version, {}, {}},
                 [&](Result<Request> r) { fired.set_value(std::move(r)); });
    auto r = fired.get_future().get();
    INFO(event << " on " << id);
    REQUIRE(r.ok());
  }

  Result<SlaReport> report(TimePoint from, TimePoint to, TimePoint now) { return backend.reports.report(from, to, now); }

  Backend backend;
  FakeClock clock{kStart};
  int next = 0;
  RequestService service{test::shipped_workflows(), test::shipped_policies(), backend.store, clock,
                         [this] { return "r" + std::to_string(++next); }};
};

// Sections of the CSV report: title -> rows (the header row first).
using Sections = std::map<std::string, std::vector<std::vector<std::string>>>;

Sections parse_csv(const std::string& text) {
  Sections out;
  std::vector<std::vector<std::string>>* section = nullptr;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, any = false;
  auto end_row = [&] {
    if (any) row.push_back(field);
    if (!row.empty() && row[0].starts_with("# ")) {
      section = &out[row[0].substr(2)];
    } else if (!row.empty()) {
      REQUIRE(section != nullptr);
      section->push_back(row);
    }
    row.clear();
    field.clear();
    any = false;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') field += text[++i];
      else if (c == '"') quoted = false;
      else field += c;
    } else if (c == '"') {
      quoted = any = true;
    } else if (c == ',') {
      row.push_back(field);
      field.clear();
      any = true;
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      end_row();
      ++i;
    } else {
      field += c;
      any = true;
    }
  }
  end_row();
  return out;
}

// The value of `column` in data row `n` of a section.
std::string cell(const Sections& csv, const std::string& section, std::size_t n, const std::string& column) {
  const auto& rows = csv.at(section);
  const auto& header = rows.at(0);
  auto at = std::find(header.begin(), header.end(), column);
  REQUIRE(at != header.end());
  return rows.at(n + 1).at(static_cast<std::size_t>(at - header.begin()));
}

const SlaTypeFigures& figures(const SlaReport& report, const std::string& type) {
  for (const auto& f : report.types)
    if (f.policy == "id-pdp" && f.type == type) return f;
  FAIL("no figures for " << type);
  throw std::logic_error("unreachable");
}

}  // namespace

TEMPLATE_TEST_CASE("report contract: every figure of the SLA report, for a known set of requests",
                   "[storage][contract][reports]", test::SqliteBackend, test::PostgresBackend) {
  Desk<TestType> desk;
  const auto day = 24h;

  // A: answered in 3 hours.
  auto a = desk.file("access", kStart);
  desk.fire(a, "verify", kBudi, kStart + 1h);
  desk.fire(a, "approve", kRita, kStart + 2h);
  desk.fire(a, "fulfil", kRita, kStart + 3h);
  // B: answered after 80 hours, late (3 x 24 hours).
  auto b = desk.file("access", kStart + day);
  desk.fire(b, "verify", kBudi, kStart + day + 1h);
  desk.fire(b, "approve", kRita, kStart + day + 2h);
  desk.fire(b, "fulfil", kRita, kStart + day + 80h);
  // C: waited 24 hours on the subject (the clock stops), answered at 90 hours: on time.
  auto c = desk.file("access", kStart + 2 * day);
  desk.fire(c, "verify", kBudi, kStart + 2 * day + 1h);
  desk.fire(c, "request_info", kRita, kStart + 2 * day + 2h);
  desk.fire(c, "reply", kBudi, kStart + 2 * day + 26h);
  desk.fire(c, "approve", kRita, kStart + 2 * day + 27h);
  desk.fire(c, "fulfil", kRita, kStart + 2 * day + 90h);
  // D: withdrawn before verifying; E: expired unverified; H: rejected at verification.
  auto d = desk.file("access", kStart + 3 * day);
  desk.fire(d, "withdraw", kBudi, kStart + 3 * day + 1h);
  auto e = desk.file("access", kStart + 4 * day);
  desk.fire(e, "expire", kTimer, kStart + 11 * day);
  // F: an erasure (an internal target), extended, still open.
  auto f = desk.file("erasure", kStart + 5 * day);
  desk.fire(f, "verify", kBudi, kStart + 5 * day + 1h);
  desk.fire(f, "extend", kSari, kStart + 5 * day + 2h);
  // G: verified, then left in review: overdue since 5 November + 72 h.
  auto g = desk.file("access", kStart + 6 * day);
  desk.fire(g, "verify", kBudi, kStart + 6 * day + 1h);
  auto h = desk.file("access", kStart + 10 * day);
  desk.fire(h, "reject", kVera, kStart + 10 * day + 1h);
  // I: after the period, due within 24 hours of "now".
  auto i = desk.file("access", kStart + 15 * day);

  TimePoint from = at("2026-11-02T00:00:00Z"), to = at("2026-11-16T00:00:00Z"), now = kStart + 18 * day - 2h;
  auto report = desk.report(from, to, now);
  REQUIRE(report.ok());
  CHECK(report->from == from);
  CHECK(report->to == to);
  CHECK(report->generated_at == now);

  const auto& access = figures(*report, "access");
  CHECK(access.statutory);
  CHECK(access.target == "72 hours");
  CHECK(access.source.starts_with("UU 27/2022 Pasal 32"));
  CHECK(access.received == 7);
  CHECK(access.completed == 3);
  CHECK(access.partially_completed == 0);
  CHECK(access.rejected == 1);
  CHECK(access.withdrawn == 1);
  CHECK(access.expired == 1);
  CHECK(access.open == 1);
  CHECK(access.answered_on_time == 3);  // A, C, H
  CHECK(access.answered_late == 1);     // B
  CHECK(access.extended == 0);
  CHECK(access.awaiting_subject_seconds == 24 * 3600);
  CHECK(access.never_verified == 3);  // D, E, H
  CHECK(access.median_seconds_to_completion == 80 * 3600);  // of 3 h, 80 h, 90 h
  CHECK(access.p90_seconds_to_completion == 90 * 3600);

  const auto& erasure = figures(*report, "erasure");
  CHECK_FALSE(erasure.statutory);
  CHECK(erasure.target == "14 calendar days");
  CHECK(erasure.received == 1);
  CHECK(erasure.open == 1);
  CHECK(erasure.extended == 1);
  CHECK(erasure.answered_on_time + erasure.answered_late == 0);
  CHECK_FALSE(erasure.median_seconds_to_completion);

  const auto& rectification = figures(*report, "rectification");  // no request: listed with zeros
  CHECK(rectification.received == 0);
  CHECK(report->types.size() == 10);  // every type of id-pdp

  CHECK(report->statutory.received == 7);
  CHECK(report->statutory.answered_on_time == 3);
  CHECK(report->statutory.answered_late == 1);
  CHECK(report->statutory.open == 1);
  CHECK(report->internal.received == 1);
  CHECK(report->internal.open == 1);

  CHECK(report->open_now == 3);  // F, G, I
  CHECK(report->overdue_now == 1);
  CHECK(report->due_within_24_hours == 1);
  REQUIRE(report->oldest_overdue.size() == 1);
  CHECK(report->oldest_overdue[0].id == g);
  CHECK(report->oldest_overdue[0].state == "in_review");
  CHECK(report->oldest_overdue[0].due_at == kStart + 6 * day + 72h);
  REQUIRE(report->workload.size() == 1);
  CHECK(report->workload[0].assignee.empty());
  CHECK(report->workload[0].open == 3);
  CHECK(report->workload[0].overdue == 1);
  CHECK(report->recipient_notices_outstanding == 0);
  CHECK(report->recipient_notices_failed == 0);

  // Weeks from Monday 00:00 WIB: 2 November (A to G), 9 November (H), and
  // the 16th, which begins at 17:00 UTC on the 15th, inside the period.
  REQUIRE(report->weeks.size() == 3);
  CHECK(report->weeks[0].week_start == "2026-11-02");
  CHECK(report->weeks[0].received == 7);
  CHECK(report->weeks[1].week_start == "2026-11-09");
  CHECK(report->weeks[1].received == 1);
  CHECK(report->weeks[2].week_start == "2026-11-16");
  CHECK(report->weeks[2].received == 0);
  (void)i;

  // The JSON and the CSV carry the same figures.
  auto json = boost::json::parse(boost::json::serialize(api::sla_report_json(*report, test::shipped_policies())));
  auto csv = parse_csv(api::sla_report_csv(*report, test::shipped_policies()));
  const auto& json_types = json.at("types").as_array();
  REQUIRE(json_types.size() == report->types.size());
  REQUIRE(csv.at("types").size() == report->types.size() + 1);
  for (std::size_t n = 0; n < report->types.size(); ++n) {
    const auto& t = report->types[n];
    INFO(t.type);
    CHECK(cell(csv, "types", n, "type") == t.type);
    CHECK(json_types[n].at("type").as_string() == t.type);
    for (auto [column, value] : {std::pair{"received", t.received}, {"completed", t.completed},
                                 {"partially_completed", t.partially_completed}, {"rejected", t.rejected},
                                 {"withdrawn", t.withdrawn}, {"expired", t.expired}, {"open", t.open},
                                 {"answered_on_time", t.answered_on_time}, {"answered_late", t.answered_late},
                                 {"extensions_used", t.extended}, {"awaiting_subject_seconds", t.awaiting_subject_seconds},
                                 {"never_verified", t.never_verified}}) {
      INFO(column);
      CHECK(cell(csv, "types", n, column) == std::to_string(value));
      CHECK(json_types[n].at(column).as_int64() == value);
    }
    CHECK(cell(csv, "types", n, "median_seconds_to_completion") ==
          (t.median_seconds_to_completion ? std::to_string(*t.median_seconds_to_completion) : ""));
    CHECK(cell(csv, "types", n, "source") == t.source);  // quoted: the sources hold commas and parentheses
  }
  CHECK(json.at("types").as_array()[0].at("on_time_rate").as_double() == 0.75);  // access: 3 of 4
  CHECK(cell(csv, "types", 0, "on_time_rate") == "0.7500");
  CHECK(cell(csv, "now", 0, "overdue") == "1");
  CHECK(json.at("now").at("overdue").as_int64() == 1);
  CHECK(cell(csv, "oldest_overdue", 0, "id") == g);
  CHECK(cell(csv, "oldest_overdue", 0, "due_date_local") == "2026-11-11");
  CHECK(json.at("now").at("oldest_overdue").as_array()[0].at("due_date_local").as_string() == "2026-11-11");
  CHECK(cell(csv, "totals", 0, "received") == "7");
  CHECK(cell(csv, "totals", 1, "target") == "internal");
  CHECK(cell(csv, "weeks", 0, "week_start") == "2026-11-02");
  CHECK(json.at("weeks").as_array()[0].at("received").as_int64() == 7);

  // The HTML page carries the same figures, marked, and loads nothing.
  std::string html = api::sla_report_html(*report, test::shipped_policies(), "Asia/Jakarta", api::Locale::en);
  auto marked = [&html](const std::string& row, const std::string& field) -> std::string {
    std::string key = "data-row=\"" + row + "\" data-field=\"" + field + "\">";
    auto at_key = html.find(key);
    if (at_key == std::string::npos) return "<missing>";
    auto start = at_key + key.size();
    return html.substr(start, html.find('<', start) - start);
  };
  for (const auto& t : report->types) {
    std::string row = t.policy + "/" + t.type;
    INFO(row);
    for (auto [field, value] : {std::pair{"received", t.received}, {"answered_on_time", t.answered_on_time},
                                {"answered_late", t.answered_late}, {"open", t.open}, {"completed", t.completed},
                                {"rejected", t.rejected}, {"withdrawn", t.withdrawn}, {"expired", t.expired},
                                {"never_verified", t.never_verified}, {"extensions_used", t.extended}}) {
      INFO(field);
      CHECK(marked(row, field) == std::to_string(value));
    }
  }
  CHECK(marked("nobody", "open") == "3");
  CHECK(marked("nobody", "overdue") == "1");
  CHECK(html.find("data-field=\"statutory_on_time_rate\">75.0%<") != std::string::npos);
  CHECK(html.find("data-field=\"overdue_now\">1<") != std::string::npos);
  CHECK(html.find("data-overdue=\"" + g + "\"") != std::string::npos);
  CHECK(html.find("2026-11-11 08:00 WIB") != std::string::npos);  // G's due date, in Jakarta
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("http://") == std::string::npos);
  CHECK(html.find("https://") == std::string::npos);
  CHECK(html.find("<svg") != std::string::npos);

  // In Indonesian (the default of the command, the API and the schedule):
  // the same marked figures, the words and the decimal comma of the language.
  std::string id = api::sla_report_html(*report, test::shipped_policies(), "Asia/Jakarta", api::Locale::id);
  CHECK(id.find("<html lang=\"id\">") != std::string::npos);
  CHECK(id.find("Laporan SLA") != std::string::npos);
  CHECK(id.find("data-field=\"statutory_on_time_rate\">75,0%<") != std::string::npos);
  CHECK(id.find("data-row=\"nobody\" data-field=\"open\">3<") != std::string::npos);
  CHECK(id.find("belum ditugaskan") != std::string::npos);
  CHECK(id.find("Overdue now") == std::string::npos);
}

TEMPLATE_TEST_CASE("report contract: median and 90th percentile by nearest rank, whichever plan the report takes",
                   "[storage][contract][reports]", test::SqliteBackend, test::PostgresBackend) {
  Desk<TestType> desk;
  // Eight requests received on 2 November, completed after these hours (one
  // partially): sorted 1, 2, 3, 4, 5, 6, 7, 9, so the median (rank 4, found
  // from the bottom) is 4 h and the 90th percentile (rank ceil(7.2) = 8,
  // from the top) is 9 h.
  int hours[] = {5, 1, 9, 3, 7, 2, 6, 4};
  for (int n = 0; n < 8; ++n) {
    TimePoint received = kStart + std::chrono::minutes(10 * n);
    auto id = desk.file("access", received);
    desk.fire(id, "verify", kBudi, received + 10min);
    desk.fire(id, "approve", kRita, received + 20min);
    desk.fire(id, n == 6 ? "complete_partially" : "fulfil", kRita, received + std::chrono::hours(hours[n]));
  }
  // Received the next day, outside the period: the quickest and the slowest.
  for (auto taken : {30min, std::chrono::minutes(50 * 60)}) {
    TimePoint received = kStart + 24h;
    auto id = desk.file("access", received);
    desk.fire(id, "verify", kBudi, received + 1min);
    desk.fire(id, "approve", kRita, received + 2min);
    desk.fire(id, "fulfil", kRita, received + taken);
  }

  TimePoint from = at("2026-11-01T17:00:00Z"), to = at("2026-11-02T17:00:00Z");  // 2 November in WIB
  // Soon after, the period is a third of the stored history: the report
  // walks the index of times to completion. Two months on, it is a small
  // slice of it: the report sorts the period's own times. Same answers.
  for (TimePoint now : {kStart + 72h, kStart + 24h * 60}) {
    INFO("now " << format_rfc3339(now));
    auto report = desk.report(from, to, now);
    REQUIRE(report.ok());
    const auto& access = figures(*report, "access");
    CHECK(access.completed == 7);
    CHECK(access.partially_completed == 1);
    CHECK(access.median_seconds_to_completion == 4 * 3600);
    CHECK(access.p90_seconds_to_completion == 9 * 3600);
  }
  // Over both days: 0.5 1 2 3 4 5 6 7 9 50, so rank 5 is 4 h and rank 9 is
  // 9 h; with one more quick answer, 11 values: rank 6 (now from the top)
  // is still 4 h and rank 10 is 9 h.
  for (TimePoint now : {kStart + 72h, kStart + 24h * 60}) {
    auto report = desk.report(from, to + 24h, now);
    REQUIRE(report.ok());
    const auto& access = figures(*report, "access");
    CHECK(access.median_seconds_to_completion == 4 * 3600);
    CHECK(access.p90_seconds_to_completion == 9 * 3600);
  }
  TimePoint received = kStart + 25h;
  auto quick = desk.file("access", received);
  desk.fire(quick, "verify", kBudi, received + 1min);
  desk.fire(quick, "approve", kRita, received + 2min);
  desk.fire(quick, "fulfil", kRita, received + 20min);
  for (TimePoint now : {kStart + 72h, kStart + 24h * 60}) {
    auto report = desk.report(from, to + 24h, now);
    REQUIRE(report.ok());
    const auto& access = figures(*report, "access");
    CHECK(access.median_seconds_to_completion == 4 * 3600);      // rank 6 of 11
    CHECK(access.p90_seconds_to_completion == 9 * 3600);         // rank ceil(9.9) = 10 of 11
  }
}

TEMPLATE_TEST_CASE("report contract: a report for an empty or reversed period is refused", "[storage][contract][reports]",
                   test::SqliteBackend, test::PostgresBackend) {
  Desk<TestType> desk;
  auto same = desk.report(kStart, kStart, kStart);
  REQUIRE_FALSE(same.ok());
  CHECK(same.error().message.find("the period is empty") != std::string::npos);
}

TEMPLATE_TEST_CASE("report contract: a period longer than ten years is refused, ten years is built",
                   "[storage][contract][reports]", test::SqliteBackend, test::PostgresBackend) {
  // Each week is a query and a row: the HTTP fuzzer's period of 2025 to
  // 6119 held the server for seconds and hundreds of MB.
  Desk<TestType> desk;
  desk.file("access", kStart);  // a policy in use, so that the report has weeks
  auto centuries = desk.report(kStart, kStart + std::chrono::days(365 * 4000), kStart);
  REQUIRE_FALSE(centuries.ok());
  CHECK(centuries.error().code == ErrorCode::invalid_argument);
  CHECK(centuries.error().message.find("longer than 3653 days") != std::string::npos);
  CHECK_FALSE(desk.report(kStart, kStart + kMaxReportPeriod + std::chrono::seconds(1), kStart).ok());
  auto decade = desk.report(kStart, kStart + kMaxReportPeriod, kStart);
  REQUIRE(decade.ok());
  CHECK(decade->weeks.size() >= 522);
  CHECK(decade->weeks.size() <= 524);
}
