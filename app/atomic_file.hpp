// Writing a whole file or nothing: reports and exports are written to a
// temporary file beside the target, flushed, then renamed over it, so a
// reader never sees half a file and no temporary file outlives an error.
#pragma once

#include <filesystem>
#include <string_view>

#include "engine/result.hpp"

namespace dsr::app {

// Creates `path` (mode 0640) or replaces it, atomically and durably.
Status write_file_atomically(const std::filesystem::path& path, std::string_view content);

}  // namespace dsr::app
