#include "app/options.hpp"

#include "app/settings.hpp"

#include <charconv>

#include <fmt/format.h>

#include <iostream>

namespace dsr::app {

std::optional<boost::program_options::variables_map> parse_options(
    const std::string& command, const std::vector<std::string>& args,
    const boost::program_options::options_description& options,
    const boost::program_options::positional_options_description* positional) {
  auto settings = read_settings(command, args, options, positional);
  if (!settings) return std::nullopt;
  return std::move(settings->values);
}

void print_help(const boost::program_options::options_description& options) {
  std::cout << options << "\n"
            << "Settings also come from the configuration file (--config FILE; default " << kDefaultConfigFile
            << " when it exists)\nand DSR_* environment variables (DSR_DB, DSR_KEY_FILE, ...); a flag wins over the "
               "environment,\nwhich wins over the file. 'dsr config show' prints what is in force.\n";
}

std::optional<std::chrono::seconds> parse_duration(const std::string& text) {
  if (text.size() < 2) return std::nullopt;
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size() - 1, n);
  if (ec != std::errc{} || end != text.data() + text.size() - 1 || n < 0) return std::nullopt;
  std::int64_t unit = 0;
  switch (text.back()) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    default: return std::nullopt;
  }
  // A century at most: nothing dsr waits for is longer, and no sum with a
  // time can overflow.
  constexpr std::int64_t kLongest = 100LL * 366 * 86400;
  if (n > kLongest / unit) return std::nullopt;
  return std::chrono::seconds(n * unit);
}

}  // namespace dsr::app
