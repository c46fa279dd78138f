#include "app/options.hpp"

#include <charconv>

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

std::optional<std::chrono::seconds> parse_duration(const std::string& text) {
  if (text.size() < 2) return std::nullopt;
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size() - 1, n);
  if (ec != std::errc{} || end != text.data() + text.size() - 1 || n < 0) return std::nullopt;
  switch (text.back()) {
    case 's': return std::chrono::seconds(n);
    case 'm': return std::chrono::minutes(n);
    case 'h': return std::chrono::hours(n);
    case 'd': return std::chrono::hours(24 * n);
    default: return std::nullopt;
  }
}

}  // namespace dsr::app
