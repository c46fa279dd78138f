// Errors found while loading definition files (workflows, policies,
// calendars). Each names the file and the JSON path, so an operator can go
// straight to the line; loaders collect every error rather than stopping at
// the first.
#pragma once

#include <string>
#include <vector>

namespace dsr {

// A definition file's path (relative to its folder) and text, from the
// embedded defaults or from a --workflows directory.
struct SourceFile {
  std::string path;
  std::string content;
};

struct DefinitionError {
  std::string file;
  std::string path;  // JSON path, e.g. "$.transitions[3].to"; empty if file-level
  std::string message;

  std::string to_string() const;  // "access.json: $.transitions[3].to: unknown state \"x\""
};

using DefinitionErrors = std::vector<DefinitionError>;

}  // namespace dsr
