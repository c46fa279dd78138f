// Where definition files come from: the copy compiled into the binary, or a
// directory given with --workflows (read recursively, paths kept relative
// so that "policies/id-pdp.json" means the same in both).
#pragma once

#include <filesystem>
#include <vector>

#include "engine/definition_error.hpp"
#include "engine/message_catalog.hpp"
#include "engine/result.hpp"
#include "engine/sla_policy.hpp"
#include "engine/workflow_set.hpp"

namespace dsr::app {

std::vector<SourceFile> embedded_definition_files();

// Every "*.json" under `dir`. A missing or unreadable directory or file is
// an error naming it.
Result<std::vector<SourceFile>> read_definition_files(const std::filesystem::path& dir);

// Everything the definition files describe, validated together.
struct Definitions {
  WorkflowSet workflows;
  SlaCatalog policies;
  MessageCatalog messages;
};

// Workflows, policies, calendars and message catalogues from `files`; every
// error of every file.
Result<Definitions, DefinitionErrors> load_definitions(std::span<const SourceFile> files);

// The embedded files, or those under `dir` when it is not empty; a
// directory that cannot be read becomes one error.
Result<Definitions, DefinitionErrors> load_definitions_from(const std::string& dir);

}  // namespace dsr::app
