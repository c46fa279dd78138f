// dsr token create: a bearer token for a member of staff or a system,
// printed once on stdout; only its keyed hash is kept.
#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "app/cli.hpp"
#include "app/commands.hpp"
#include "app/options.hpp"
#include "storage/database.hpp"
#include "storage/master_key_file.hpp"
#include "storage/registries.hpp"

namespace dsr::app {

int token_create_command(const std::vector<std::string>& args) {
  namespace po = boost::program_options;
  po::options_description options(
      "Usage: dsr token create --role ROLE --name NAME [--institution ORG] [--db PATH] [--key-file PATH]\n\n"
      "Roles: admin, system, verifier, reviewer, supervisor, auditor, institution.\n\nOptions");
  options.add_options()
      ("help,h", "show this help")
      ("role", po::value<std::string>(), "the token's role")
      ("name", po::value<std::string>(), "the principal: a person's or a system's name")
      ("institution", po::value<std::string>(), "for role institution: the organisation whose employees it may see")
      ("db", po::value<std::string>()->default_value("var/dsr.db"), "SQLite database file")
      ("key-file", po::value<std::string>()->default_value("var/master.key"), "master key");
  auto parsed = parse_options("token create", args, options);
  if (!parsed) return kExitUsage;
  const auto& vm = *parsed;
  if (vm.count("help")) {
    print_help(options);
    return kExitOk;
  }
  for (const char* required : {"role", "name"}) {
    if (!vm.count(required)) {
      fmt::print(stderr, "dsr token create: --{} is required; see 'dsr token create --help'\n", required);
      return kExitUsage;
    }
  }
  auto role = parse_role(vm["role"].as<std::string>());
  if (!role || *role == Role::subject || *role == Role::scheduler) {
    fmt::print(stderr, "dsr token create: unknown role \"{}\" (admin, system, verifier, reviewer, supervisor, "
                       "auditor, institution)\n", vm["role"].as<std::string>());
    return kExitUsage;
  }
  std::string organization = vm.count("institution") ? vm["institution"].as<std::string>() : "";
  if (!organization.empty() && *role != Role::institution) {
    fmt::print(stderr, "dsr token create: --institution goes with --role institution only\n");
    return kExitUsage;
  }
  auto key = storage::load_or_create_master_key(vm["key-file"].as<std::string>());
  if (!key) {
    fmt::print(stderr, "dsr token create: {}\n", key.error().message);
    return kExitFailed;
  }
  auto db = storage::Database::open(vm["db"].as<std::string>(), *key, {1});
  if (!db) {
    fmt::print(stderr, "dsr token create: {}\n", db.error().message);
    return kExitFailed;
  }
  storage::TokenRegistry tokens(**db);
  auto token = tokens.create_sync({vm["name"].as<std::string>(), *role, organization});
  if (!token) {
    fmt::print(stderr, "dsr token create: {}\n", token.error().message);
    return kExitUsage;
  }
  fmt::print("{}\n", *token);
  return kExitOk;
}

}  // namespace dsr::app
