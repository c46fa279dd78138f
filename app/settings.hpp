// The settings of a dsr installation, read the same way by every command:
// the configuration file (--config FILE, else DSR_CONFIG, else
// /etc/dsr/dsr.conf when it exists), then DSR_* environment variables (the
// setting's name upper-cased, dashes to underscores: DSR_KEY_FILE), then
// flags. A flag wins over the environment, which wins over the file.
//
// Each setting is declared once, in settings.cpp, with its default and its
// help; a command adds the ones it takes. The file and the environment are
// checked against every setting (a misspelt key in the file is an error),
// and each command keeps only those it takes, so that one file serves
// `dsr serve` and `dsr token create` alike.
#pragma once

#include <boost/program_options.hpp>

#include <filesystem>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dsr::app {

// Where the configuration file is looked for when neither --config nor
// DSR_CONFIG names one.
inline constexpr std::string_view kDefaultConfigFile = "/etc/dsr/dsr.conf";

// Every setting, as the configuration file and `dsr config show` know them.
const boost::program_options::options_description& all_settings();

// Adds the named settings (declared in settings.cpp) to a command's options.
void add_settings(boost::program_options::options_description& options, std::initializer_list<std::string_view> names);

// What a command was given, and where each value came from.
struct Settings {
  boost::program_options::variables_map values;
  std::map<std::string, std::string> sources;  // setting -> "flag", "environment DSR_DB", "file PATH", "default"
  std::optional<std::filesystem::path> config_file;  // the file read, if any
};

// Reads flags, the environment and the configuration file for `command`
// (whose options are `options`). On bad input prints one line on stderr
// naming the command and returns nullopt.
std::optional<Settings> read_settings(const std::string& command, const std::vector<std::string>& args,
                                      const boost::program_options::options_description& options,
                                      const boost::program_options::positional_options_description* positional = nullptr);

// The file a db setting names: "sqlite:PATH" or a plain PATH.
std::string database_file(std::string_view db_setting);

// The master key file: --key-file if set anywhere, else master.key beside
// the database (never the current directory).
std::filesystem::path master_key_path(const boost::program_options::variables_map& values);

// A value fit to print: the password of a connection string masked.
std::string masked_setting(std::string_view value);

}  // namespace dsr::app
