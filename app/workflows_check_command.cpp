// dsr workflows check DIR: every error in a directory of workflows,
// policies and calendars, one per line, so an operator can fix them all in
// one pass before deploying.
#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "app/cli.hpp"
#include "app/commands.hpp"
#include "app/definition_files.hpp"
#include "app/options.hpp"

namespace dsr::app {

int workflows_check_command(const std::vector<std::string>& args) {
  namespace po = boost::program_options;
  po::options_description visible("Usage: dsr workflows check DIR\n\nOptions");
  visible.add_options()("help,h", "show this help");
  po::options_description all;
  all.add(visible).add_options()("dir", po::value<std::string>());
  po::positional_options_description positional;
  positional.add("dir", 1);

  auto parsed = parse_options("workflows check", args, all, &positional);
  if (!parsed) return kExitUsage;
  const auto& vm = *parsed;
  if (vm.count("help")) {
    print_help(visible);
    return kExitOk;
  }
  if (!vm.count("dir")) {
    fmt::print(stderr, "dsr workflows check: give the directory to check, e.g. 'dsr workflows check workflows/'\n");
    return kExitUsage;
  }
  auto files = read_definition_files(vm["dir"].as<std::string>());
  if (!files) {
    fmt::print(stderr, "dsr workflows check: {}\n", files.error().message);
    return kExitUsage;
  }
  auto loaded = load_definitions(*files);
  if (!loaded) {
    for (const auto& e : loaded.error()) fmt::print("{}\n", e.to_string());
    fmt::print(stderr, "dsr workflows check: {} error(s)\n", loaded.error().size());
    return kExitFailed;
  }
  auto list = [](const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
  };
  fmt::print("ok: {} workflows ({}); {} policies ({}); {} calendars ({})\n", loaded->workflows.types().size(),
             list(loaded->workflows.types()), loaded->policies.policy_ids().size(),
             list(loaded->policies.policy_ids()), loaded->policies.calendar_ids().size(),
             list(loaded->policies.calendar_ids()));
  return kExitOk;
}

}  // namespace dsr::app
