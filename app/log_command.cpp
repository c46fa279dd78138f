// dsr log key: the audit log's verifier key, "<origin>+<key id>+<base64>",
// the one thing anyone needs to check a checkpoint or an access package's
// proofs (docs/audit-log.md). Read from what the database recorded when
// the server first signed; else made from the key file and the origin.
#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "app/audit_log_key.hpp"
#include "app/cli.hpp"
#include "app/command_database.hpp"
#include "app/commands.hpp"
#include "app/options.hpp"
#include "storage/log_checkpoints.hpp"

namespace dsr::app {

int log_key_command(const std::vector<std::string>& args) {
  namespace po = boost::program_options;
  po::options_description options(
      "Usage: dsr log key\n\n"
      "Prints the audit log's verifier key (C2SP signed-note format), as GET /v1/log/key does.\n\nOptions");
  options.add_options()("help,h", "show this help");
  add_database_options(options);
  add_audit_log_options(options);
  auto parsed = parse_options("log key", args, options);
  if (!parsed) return kExitUsage;
  const auto& vm = *parsed;
  if (vm.count("help")) {
    print_help(options);
    return kExitOk;
  }
  auto files = data_files("log key", vm);
  if (auto* exit_code = std::get_if<int>(&files)) return *exit_code;
  auto opened = open_command_storage("log key", vm);
  if (auto* exit_code = std::get_if<int>(&opened)) return *exit_code;
  auto remembered = std::get<0>(opened)->remembered_verifier_key();
  if (remembered && *remembered && !vm.count("log-origin")) {
    fmt::print("{}\n", **remembered);
    return kExitOk;
  }
  if (!vm.count("log-origin")) {
    fmt::print(stderr, "dsr log key: no server has signed for this log yet, so its origin is not known; give "
                       "--log-origin, or start dsr serve once\n");
    return kExitUsage;
  }
  auto key = open_audit_log_key(vm, std::get<DataFiles>(files), *std::get<0>(opened), "", false);
  if (!key) {
    fmt::print(stderr, "dsr log key: {}\n", key.error().message);
    return kExitUsage;
  }
  fmt::print("{}\n", (*key)->held()->verifier_key());
  return kExitOk;
}

}  // namespace dsr::app
