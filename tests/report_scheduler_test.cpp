// Scheduled SLA reports: written at the scheduled local time, once, both
// formats whole; a run missed while the server was down is made at once.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "app/report_scheduler.hpp"
#include "storage/sla_report_query.hpp"
#include "storage_support.hpp"
#include "test_support.hpp"

using namespace dsr;
using namespace std::chrono_literals;
using test::at;

namespace {

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> files_in(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("a daily report is written once at its time, and a missed one at start", "[reports][schedule]") {
  test::TempDir dir;
  auto db = test::open_database(":memory:");
  storage::SqliteSlaReports reports(*db, test::shipped_policies());
  FakeClock clock(at("2026-11-24T23:30:00Z"));  // 06:30 WIB on the 25th; the server was down at 07:00 on the 24th
  app::ReportScheduler scheduler(reports, test::shipped_policies(), "Asia/Jakarta", {7, 0}, dir.path() / "reports", clock);

  auto first = scheduler.run_once();
  REQUIRE(first.ok());
  CHECK(first->filename() == "sla-2026-11-24.json");
  CHECK(files_in(dir.path() / "reports") ==
        std::vector<std::string>{"sla-2026-11-24.csv", "sla-2026-11-24.html", "sla-2026-11-24.json"});
  std::string json = read(*first);
  // The 30 days up to 07:00 WIB on the 24th; "now" when it was actually made.
  CHECK(json.find(R"("period":{"from":"2026-10-25T00:00:00Z","to":"2026-11-24T00:00:00Z"})") != std::string::npos);
  CHECK(json.find(R"("generated_at":"2026-11-24T23:30:00Z")") != std::string::npos);
  CHECK(read(dir.path() / "reports" / "sla-2026-11-24.csv").starts_with("# period\r\n"));
  CHECK(read(dir.path() / "reports" / "sla-2026-11-24.html").find("2026-10-25 07:00 WIB") != std::string::npos);

  clock.advance(20min);  // 06:50 WIB: nothing new is owed
  auto again = scheduler.run_once();
  REQUIRE(again.ok());
  CHECK(again->empty());

  clock.advance(10min);  // 07:00 WIB on the 25th
  auto next = scheduler.run_once();
  REQUIRE(next.ok());
  CHECK(next->filename() == "sla-2026-11-25.json");
  CHECK(files_in(dir.path() / "reports").size() == 6);
}

TEST_CASE("a report directory that cannot be made is a clear error", "[reports][schedule]") {
  test::TempDir dir;
  std::ofstream(dir.file("taken")) << "a file, not a directory";
  auto db = test::open_database(":memory:");
  storage::SqliteSlaReports reports(*db, test::shipped_policies());
  FakeClock clock(at("2026-11-25T00:00:00Z"));
  app::ReportScheduler scheduler(reports, test::shipped_policies(), "Asia/Jakarta", {7, 0}, dir.path() / "taken", clock);
  auto written = scheduler.run_once();
  REQUIRE_FALSE(written.ok());
  CHECK(written.error().message.find("cannot create") != std::string::npos);
}
