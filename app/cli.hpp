// The `dsr` command line: a table of commands ("workflows check", "serve",
// ...), each parsing its own options with Boost.Program_options. Every bad
// invocation is one line on stderr and a non-zero exit.
#pragma once

#include <string>
#include <vector>

namespace dsr::app {

// Exit codes shared by every command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;  // the command ran and found a problem
inline constexpr int kExitUsage = 2;   // bad arguments or input

int run_cli(const std::vector<std::string>& args);

}  // namespace dsr::app
