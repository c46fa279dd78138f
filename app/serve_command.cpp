// dsr serve: start-up checks (definitions, calendars, key file, database)
// today; the HTTP server arrives with the API.
// The options are the full contract of ../API.md so that scripts and unit
// files written now keep working.
#include <boost/program_options.hpp>
#include <fmt/format.h>

#include <array>
#include <chrono>

#include "app/cli.hpp"
#include "app/commands.hpp"
#include "app/definition_files.hpp"
#include "app/options.hpp"
#include "storage/database.hpp"
#include "storage/master_key_file.hpp"
#include "storage/migrations.hpp"

namespace dsr::app {

int serve_command(const std::vector<std::string>& args) {
  namespace po = boost::program_options;
  po::options_description options("Usage: dsr serve [options]\n\nOptions");
  options.add_options()
      ("help,h", "show this help")
      ("db", po::value<std::string>()->default_value("var/dsr.db"), "SQLite database file")
      ("listen", po::value<std::string>()->default_value("127.0.0.1:8080"), "HOST:PORT to listen on")
      ("key-file", po::value<std::string>()->default_value("var/master.key"), "master key (32 bytes, 0600)")
      ("tls-cert", po::value<std::string>(), "TLS certificate chain (PEM)")
      ("tls-key", po::value<std::string>(), "TLS private key (PEM)")
      ("workflows", po::value<std::string>(), "directory overriding the embedded workflows")
      ("policy", po::value<std::string>()->default_value("id-pdp"), "default SLA policy")
      ("message-sink", po::value<std::string>()->default_value("dir:var/outbox"), "dir:PATH or webhook:URL")
      ("public-rate", po::value<unsigned>()->default_value(30), "filings per minute per client; 0 turns it off")
      ("trusted-proxy", po::value<std::string>(), "proxy whose X-Forwarded-For names the client");
  auto parsed = parse_options("serve", args, options);
  if (!parsed) return kExitUsage;
  const auto& vm = *parsed;
  if (vm.count("help")) {
    print_help(options);
    return kExitOk;
  }
  if (vm.count("tls-cert") != vm.count("tls-key")) {
    fmt::print(stderr, "dsr serve: --tls-cert and --tls-key go together; give both or neither\n");
    return kExitUsage;
  }

  auto definitions = load_definitions_from(vm.count("workflows") ? vm["workflows"].as<std::string>() : "");
  if (!definitions) {
    for (const auto& e : definitions.error()) fmt::print(stderr, "{}\n", e.to_string());
    fmt::print(stderr, "dsr serve: refusing to start with invalid definitions ({} error(s))\n",
               definitions.error().size());
    return kExitFailed;
  }
  const std::string& policy = vm["policy"].as<std::string>();
  if (definitions->policies.policy(policy) == nullptr) {
    fmt::print(stderr, "dsr serve: unknown --policy \"{}\"; see 'dsr workflows check' for the list\n", policy);
    return kExitUsage;
  }
  // Deadlines this year and next must never meet a calendar without holidays.
  int this_year = static_cast<int>(
      std::chrono::year_month_day(std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())).year());
  std::array<int, 2> years{this_year, this_year + 1};
  if (auto gaps = check_calendar_coverage(definitions->policies, years); !gaps.empty()) {
    for (const auto& e : gaps) fmt::print(stderr, "{}\n", e.to_string());
    fmt::print(stderr, "dsr serve: refusing to start: calendars must cover {} and {}\n", years[0], years[1]);
    return kExitFailed;
  }
  fmt::print(stderr, "dsr serve: {} workflows and {} SLA policies loaded; default policy {}\n",
             definitions->workflows.types().size(), definitions->policies.policy_ids().size(), policy);
  auto key = storage::load_or_create_master_key(vm["key-file"].as<std::string>());
  if (!key) {
    fmt::print(stderr, "dsr serve: {}\n", key.error().message);
    return kExitFailed;
  }
  auto database = storage::Database::open(vm["db"].as<std::string>(), *key);
  if (!database) {
    fmt::print(stderr, "dsr serve: {}\n", database.error().message);
    return kExitFailed;
  }
  fmt::print(stderr, "dsr serve: database {} open (schema {}), master key {}\n", vm["db"].as<std::string>(),
             storage::latest_schema_version(), vm["key-file"].as<std::string>());
  fmt::print(stderr, "dsr serve: the HTTP server is not built yet (it arrives with the HTTP API); "
                     "nothing is listening on {}\n", vm["listen"].as<std::string>());
  return kExitOk;
}

}  // namespace dsr::app
