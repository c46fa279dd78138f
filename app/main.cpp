// The `dsr` executable. All wiring lives in app/; this only adapts argv and
// turns an escaped exception into a one-line error.
#include <fmt/format.h>

#include <exception>

#include "app/cli.hpp"

int main(int argc, char** argv) {
  try {
    return dsr::app::run_cli(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::exception& e) {
    fmt::print(stderr, "dsr: {}\n", e.what());
    return dsr::app::kExitFailed;
  }
}
