// dsr retention run: one retention sweep (docs/retention.md), for cron or by
// hand; `dsr serve` runs the same sweep every hour. Prints what it removed
// as JSON (counts and subject references, never personal data).
#include <boost/json/serialize.hpp>
#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "app/cli.hpp"
#include "app/command_database.hpp"
#include "app/commands.hpp"
#include "app/definition_files.hpp"
#include "app/options.hpp"
#include "engine/clock.hpp"
#include "storage/database.hpp"
#include "storage/retention_sweep.hpp"

namespace dsr::app {

boost::json::object retention_sweep_json(const storage::RetentionSweep& sweep) {
  boost::json::array refs;
  for (const auto& ref : sweep.subjects_shredded) refs.emplace_back(ref);
  return {{"verification_codes", sweep.verification_codes},
          {"message_payloads", sweep.message_payloads},
          {"idempotency_answers", sweep.idempotency_answers},
          {"subjects_shredded", std::move(refs)},
          {"subjects_on_hold", sweep.subjects_on_hold}};
}

int retention_run_command(const std::vector<std::string>& args) {
  namespace po = boost::program_options;
  po::options_description options(
      "Usage: dsr retention run [--db PATH] [--key-file PATH] [--policy ID] [--workflows DIR]\n\n"
      "Removes what each policy's retention rules say has served its purpose: verification codes, the\n"
      "payloads of delivered messages, stored idempotent answers, and the vault records of subjects whose\n"
      "requests all closed long enough ago (unless under legal hold). Safe to run again. docs/retention.md\n\n"
      "Options");
  options.add_options()
      ("help,h", "show this help");
  add_database_options(options);
  options.add_options()
      ("workflows", po::value<std::string>(), "directory of workflows and policies (default: the embedded ones)")
      ("policy", po::value<std::string>()->default_value("id-pdp"), "whose rules apply to what no request ties to a policy");
  auto parsed = parse_options("retention run", args, options);
  if (!parsed) return kExitUsage;
  const auto& vm = *parsed;
  if (vm.count("help")) {
    print_help(options);
    return kExitOk;
  }
  auto definitions = load_definitions_from(vm.count("workflows") ? vm["workflows"].as<std::string>() : "");
  if (!definitions) {
    fmt::print(stderr, "dsr retention run: the definitions do not load ({} error(s)); run 'dsr workflows check'\n",
               definitions.error().size());
    return kExitFailed;
  }
  const SlaPolicy* policy = definitions->policies.policy(vm["policy"].as<std::string>());
  if (policy == nullptr) {
    fmt::print(stderr, "dsr retention run: no policy \"{}\"\n", vm["policy"].as<std::string>());
    return kExitUsage;
  }
  auto opened = open_command_storage("retention run", vm);
  if (auto* exit_code = std::get_if<int>(&opened)) return *exit_code;
  SystemClock clock;
  auto sweep = std::get<0>(opened)->sweep_retention(definitions->policies, policy->retention, clock.now());
  if (!sweep) {
    fmt::print(stderr, "dsr retention run: {}\n", sweep.error().message);
    return kExitFailed;
  }
  fmt::print("{}\n", boost::json::serialize(retention_sweep_json(*sweep)));
  return kExitOk;
}

}  // namespace dsr::app
