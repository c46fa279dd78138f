// WorkflowSet: the loaded, validated workflows, one per request type. Built
// once at start-up from the embedded defaults or a --workflows directory;
// immutable afterwards and safe to share between threads.
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/definition_error.hpp"
#include "engine/result.hpp"
#include "engine/workflow.hpp"

namespace dsr {

// The request types of API v1; a workflow set must define each.
std::span<const std::string_view> required_request_types();

class WorkflowSet {
 public:
  const Workflow* find(std::string_view type) const;
  std::vector<std::string> types() const;
  void add(Workflow workflow);

 private:
  std::map<std::string, Workflow, std::less<>> by_type_;
};

// Parses and validates one workflow file. Every problem is reported, each
// with the file and the JSON path.
Result<Workflow, DefinitionErrors> parse_workflow(const SourceFile& file);

// Loads every top-level "*.json" among `files` (sub-folders such as
// policies/ and calendars/ belong to other loaders) and checks the set as a
// whole: one workflow per type, each required type present.
Result<WorkflowSet, DefinitionErrors> load_workflow_set(std::span<const SourceFile> files);

}  // namespace dsr
