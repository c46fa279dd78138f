// dsr config show: every setting in force for this invocation, where each
// came from (flag, environment variable, configuration file, default), in
// the configuration file's own syntax, passwords masked.
#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "app/cli.hpp"
#include "app/commands.hpp"
#include "app/options.hpp"
#include "app/settings.hpp"

namespace dsr::app {
namespace {

// A setting's value as the configuration file would spell it; nullopt if unset.
std::optional<std::string> spelled(const boost::program_options::variable_value& v) {
  if (v.empty()) return std::nullopt;
  if (const auto* s = boost::any_cast<std::string>(&v.value())) return *s;
  if (const auto* n = boost::any_cast<unsigned>(&v.value())) return std::to_string(*n);
  if (const auto* b = boost::any_cast<bool>(&v.value())) return *b ? "true" : "false";
  return "?";
}

}  // namespace

int config_show_command(const std::vector<std::string>& args) {
  namespace po = boost::program_options;
  po::options_description options(
      "Usage: dsr config show [--config FILE] [any setting, to see it win]\n\n"
      "Prints every setting in force, in the configuration file's syntax, each with where it came from:\n"
      "a flag, a DSR_* environment variable, the configuration file, or the default. Flags win over the\n"
      "environment, which wins over the file. Passwords are masked.\n\nOptions");
  options.add_options()("help,h", "show this help");
  for (const auto& setting : all_settings().options()) options.add(setting);
  auto settings = read_settings("config show", args, options);
  if (!settings) return kExitUsage;
  if (settings->values.count("help")) {
    print_help(options);
    return kExitOk;
  }
  if (settings->config_file)
    fmt::print("# configuration file: {}\n", settings->config_file->string());
  else
    fmt::print("# configuration file: none ({} does not exist; --config or DSR_CONFIG name another)\n",
               kDefaultConfigFile);
  for (const auto& setting : all_settings().options()) {
    const std::string& name = setting->long_name();
    auto value = spelled(settings->values[name]);
    std::string source = settings->sources[name];
    if (name == "key-file" && !value) {
      value = master_key_path(settings->values).string();
      source = "default: beside the database";
    }
    if (!value) {
      fmt::print("# {} is not set\n", name);
      continue;
    }
    fmt::print("{} = {}  # {}\n", name, masked_setting(*value), source);
  }
  return kExitOk;
}

}  // namespace dsr::app
