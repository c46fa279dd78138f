// dsr sla due: the deadline a policy gives a request received at a given
// instant, without a database, for operators checking a date and for
// anyone comparing dsr with the law.
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "app/cli.hpp"
#include "app/commands.hpp"
#include "app/definition_files.hpp"
#include "app/options.hpp"
#include "engine/sla_clock.hpp"

namespace dsr::app {
namespace {

boost::json::value instant_or_null(const std::optional<TimePoint>& t) {
  if (!t) return nullptr;
  return boost::json::value(format_rfc3339(*t));
}

}  // namespace

int sla_due_command(const std::vector<std::string>& args) {
  namespace po = boost::program_options;
  po::options_description options(
      "Usage: dsr sla due --policy ID --type TYPE --received RFC3339 [--extended]\n\n"
      "Prints {\"due_at\", \"extended_due_at\", \"acknowledge_by\", ...} as JSON, times in UTC.\n\nOptions");
  options.add_options()
      ("help,h", "show this help")
      ("policy", po::value<std::string>(), "SLA policy id, e.g. id-pdp, uk-gdpr, eu-gdpr-fr")
      ("type", po::value<std::string>(), "request type, e.g. access, erasure")
      ("received", po::value<std::string>(), "when the request was received, RFC 3339 with an offset")
      ("extended", "the extension has been granted: due_at is the extended date")
      ("workflows", po::value<std::string>(), "directory overriding the embedded policies and calendars");
  auto parsed = parse_options("sla due", args, options);
  if (!parsed) return kExitUsage;
  const auto& vm = *parsed;
  if (vm.count("help")) {
    print_help(options);
    return kExitOk;
  }
  for (const char* required : {"policy", "type", "received"}) {
    if (!vm.count(required)) {
      fmt::print(stderr, "dsr sla due: --{} is required; see 'dsr sla due --help'\n", required);
      return kExitUsage;
    }
  }
  const auto& received_text = vm["received"].as<std::string>();
  auto received = parse_rfc3339(received_text);
  if (!received) {
    fmt::print(stderr,
               "dsr sla due: --received \"{}\" is not an RFC 3339 timestamp with an offset, e.g. "
               "2025-03-03T09:15:00+07:00 or 2025-03-03T02:15:00Z\n",
               received_text);
    return kExitUsage;
  }
  auto definitions = load_definitions_from(vm.count("workflows") ? vm["workflows"].as<std::string>() : "");
  if (!definitions) {
    fmt::print(stderr, "dsr sla due: {} (and {} more errors; run 'dsr workflows check')\n",
               definitions.error().front().to_string(), definitions.error().size() - 1);
    return kExitUsage;
  }
  SlaClock clock(definitions->policies);
  const auto& policy = vm["policy"].as<std::string>();
  const auto& type = vm["type"].as<std::string>();
  auto due = clock.deadline(policy, type, *received, {}, vm.count("extended") > 0, *received);
  if (!due) {
    fmt::print(stderr, "dsr sla due: {}\n", due.error().message);
    return kExitUsage;
  }
  boost::json::object out;
  out["policy"] = policy;
  out["type"] = type;
  out["received_at"] = format_rfc3339(*received);
  out["due_at"] = format_rfc3339(due->due_at);
  out["extended_due_at"] = instant_or_null(due->extended_due_at);
  out["acknowledge_by"] = instant_or_null(due->acknowledge_by);
  out["statutory"] = due->statutory;
  out["source"] = due->source;
  out["explanation"] = due->explanation;
  fmt::print("{}\n", boost::json::serialize(out));
  return kExitOk;
}

}  // namespace dsr::app
