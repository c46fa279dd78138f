// dsr report sla: the SLA report for a period, on stdout or into a file
// (written atomically). Changes nothing in the database but, like every
// command that opens it, brings its schema up to date.
#include <boost/program_options.hpp>
#include <fmt/format.h>


#include "api/sla_report_formats.hpp"
#include "app/atomic_file.hpp"
#include "app/cli.hpp"
#include "app/command_database.hpp"
#include "app/commands.hpp"
#include "app/definition_files.hpp"
#include "app/options.hpp"
#include "engine/clock.hpp"
#include "engine/report_calendar.hpp"
#include "storage/database.hpp"
#include "storage/sla_report_query.hpp"

namespace dsr::app {

int report_sla_command(const std::vector<std::string>& args) {
  namespace po = boost::program_options;
  po::options_description options(
      "Usage: dsr report sla [--db PATH] [--from DATE] [--to DATE] [--format json|csv|html] [--lang id|en] [--out FILE]\n\n"
      "Requests received from --from (inclusive) to --to (exclusive), and the open ones now. A DATE is\n"
      "YYYY-MM-DD (midnight in the policy's time zone, WIB for id-pdp) or an RFC 3339 timestamp.\n"
      "Default: the last 30 days, today included. What each figure means: docs/reports.md.\n\nOptions");
  options.add_options()
      ("help,h", "show this help");
  add_database_options(options);
  options.add_options()
      ("workflows", po::value<std::string>(), "directory of workflows and policies (default: the embedded ones)")
      ("policy", po::value<std::string>()->default_value("id-pdp"), "whose time zone dates are read in")
      ("from", po::value<std::string>(), "start of the period")
      ("to", po::value<std::string>(), "end of the period")
      ("format", po::value<std::string>()->default_value("json"), "json, csv (sections) or html (a page to read or print)")
      ("lang", po::value<std::string>()->default_value("id"), "language of the html page: id (Indonesian) or en (English)")
      ("out", po::value<std::string>(), "write to this file (atomically) instead of stdout");
  auto parsed = parse_options("report sla", args, options);
  if (!parsed) return kExitUsage;
  const auto& vm = *parsed;
  if (vm.count("help")) {
    print_help(options);
    return kExitOk;
  }
  const auto& format = vm["format"].as<std::string>();
  if (!api::is_sla_report_format(format)) {
    fmt::print(stderr, "dsr report sla: --format {} is not one of {}\n", format, api::kSlaReportFormats);
    return kExitUsage;
  }
  auto locale = api::parse_locale(vm["lang"].as<std::string>());
  if (!locale) {
    fmt::print(stderr, "dsr report sla: --lang {} is not id (Indonesian) or en (English)\n", vm["lang"].as<std::string>());
    return kExitUsage;
  }
  auto definitions = load_definitions_from(vm.count("workflows") ? vm["workflows"].as<std::string>() : "");
  if (!definitions) {
    fmt::print(stderr, "dsr report sla: the definitions do not load ({} error(s)); run 'dsr workflows check'\n",
               definitions.error().size());
    return kExitFailed;
  }
  const SlaPolicy* policy = definitions->policies.policy(vm["policy"].as<std::string>());
  if (policy == nullptr) {
    fmt::print(stderr, "dsr report sla: no policy \"{}\"\n", vm["policy"].as<std::string>());
    return kExitUsage;
  }
  SystemClock clock;
  TimePoint now = clock.now();
  std::optional<TimePoint> bounds[2];
  const char* names[2] = {"from", "to"};
  for (int i = 0; i < 2; ++i) {
    if (!vm.count(names[i])) continue;
    bounds[i] = parse_report_bound(vm[names[i]].as<std::string>(), policy->time_zone);
    if (!bounds[i]) {
      fmt::print(stderr, "dsr report sla: --{} \"{}\" is not a date (YYYY-MM-DD) or an RFC 3339 timestamp\n", names[i],
                 vm[names[i]].as<std::string>());
      return kExitUsage;
    }
  }
  ReportPeriod fallback = default_report_period(policy->time_zone, now);
  TimePoint to = bounds[1].value_or(fallback.to);
  TimePoint from = bounds[0].value_or(bounds[1] ? to - std::chrono::days(30) : fallback.from);

  auto opened = open_command_storage("report sla", vm);
  if (auto* exit_code = std::get_if<int>(&opened)) return *exit_code;
  auto report = std::get<0>(opened)->sla_reports(definitions->policies)->report(from, to, now);
  if (!report) {
    fmt::print(stderr, "dsr report sla: {}\n", report.error().message);
    return report.error().code == ErrorCode::invalid_argument ? kExitUsage : kExitFailed;
  }
  std::string text = *api::render_sla_report(*report, definitions->policies, policy->time_zone, format, *locale);
  if (!vm.count("out")) {
    fmt::print("{}", text);
    return kExitOk;
  }
  if (Status written = write_file_atomically(vm["out"].as<std::string>(), text); !written) {
    fmt::print(stderr, "dsr report sla: {}\n", written.error().message);
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace dsr::app
