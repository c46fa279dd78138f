#include "app/options.hpp"

#include <fmt/format.h>

#include <iostream>

namespace dsr::app {

std::optional<boost::program_options::variables_map> parse_options(
    const std::string& command, const std::vector<std::string>& args,
    const boost::program_options::options_description& options,
    const boost::program_options::positional_options_description* positional) {
  namespace po = boost::program_options;
  try {
    po::command_line_parser parser(args);
    parser.options(options);
    if (positional != nullptr) {
      parser.positional(*positional);
    } else {
      parser.positional(po::positional_options_description{});
    }
    po::variables_map vm;
    po::store(parser.run(), vm);
    po::notify(vm);
    return vm;
  } catch (const po::error& e) {
    fmt::print(stderr, "dsr {}: {}; see 'dsr {} --help'\n", command, e.what(), command);
    return std::nullopt;
  }
}

void print_help(const boost::program_options::options_description& options) { std::cout << options << "\n"; }

}  // namespace dsr::app
