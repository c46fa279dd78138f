// Shared option parsing for `dsr` commands: flags, the environment and the
// configuration file (app/settings.hpp); Boost.Program_options errors become
// one line on stderr naming the command.
#pragma once

#include <boost/program_options.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace dsr::app {

std::optional<boost::program_options::variables_map> parse_options(
    const std::string& command, const std::vector<std::string>& args,
    const boost::program_options::options_description& options,
    const boost::program_options::positional_options_description* positional = nullptr);

// "90s", "15m", "72h", "7d" (a whole number and a unit); nullopt otherwise.
std::optional<std::chrono::seconds> parse_duration(const std::string& text);

// Prints a command's usage and options to stdout.
void print_help(const boost::program_options::options_description& options);

}  // namespace dsr::app
