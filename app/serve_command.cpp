// dsr serve: start-up checks today; the HTTP server arrives with the API.
// The options are the full contract of ../API.md so that scripts and unit
// files written now keep working.
#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "app/cli.hpp"
#include "app/commands.hpp"
#include "app/definition_files.hpp"
#include "app/options.hpp"
#include "engine/workflow_set.hpp"

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

  std::vector<SourceFile> files;
  if (vm.count("workflows")) {
    auto read = read_definition_files(vm["workflows"].as<std::string>());
    if (!read) {
      fmt::print(stderr, "dsr serve: {}\n", read.error().message);
      return kExitUsage;
    }
    files = std::move(read).value();
  } else {
    files = embedded_definition_files();
  }
  auto workflows = load_workflow_set(files);
  if (!workflows) {
    for (const auto& e : workflows.error()) fmt::print(stderr, "{}\n", e.to_string());
    fmt::print(stderr, "dsr serve: refusing to start with invalid workflows ({} error(s))\n",
               workflows.error().size());
    return kExitFailed;
  }
  fmt::print(stderr, "dsr serve: {} workflows loaded and valid\n", workflows->types().size());
  fmt::print(stderr, "dsr serve: the HTTP server is not built yet (it arrives with the HTTP API); "
                     "nothing is listening on {}\n", vm["listen"].as<std::string>());
  return kExitOk;
}

}  // namespace dsr::app
