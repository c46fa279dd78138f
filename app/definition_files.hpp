// Where definition files come from: the copy compiled into the binary, or a
// directory given with --workflows (read recursively, paths kept relative
// so that "policies/id-pdp.json" means the same in both).
#pragma once

#include <filesystem>
#include <vector>

#include "engine/definition_error.hpp"
#include "engine/result.hpp"

namespace dsr::app {

std::vector<SourceFile> embedded_definition_files();

// Every "*.json" under `dir`. A missing or unreadable directory or file is
// an error naming it.
Result<std::vector<SourceFile>> read_definition_files(const std::filesystem::path& dir);

}  // namespace dsr::app
