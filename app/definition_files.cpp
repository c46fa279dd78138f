#include "app/definition_files.hpp"

#include <fmt/format.h>
#include <fmt/std.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "workflows/embedded_workflows.hpp"

namespace dsr::app {

std::vector<SourceFile> embedded_definition_files() {
  std::vector<SourceFile> files;
  for (const auto& f : embedded_workflows()) files.push_back({std::string(f.path), std::string(f.content)});
  return files;
}

Result<std::vector<SourceFile>> read_definition_files(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return fail(Error::invalid_argument(fmt::format("{} is not a directory of workflow files", dir)));
  std::vector<SourceFile> files;
  fs::recursive_directory_iterator it(dir, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file(ec) || it->path().extension() != ".json") continue;
    std::ifstream in(it->path(), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in) return fail(Error::invalid_argument(fmt::format("cannot read {}", it->path())));
    files.push_back({it->path().lexically_relative(dir).generic_string(), std::move(text).str()});
  }
  if (ec) return fail(Error::invalid_argument(fmt::format("cannot list {}: {}", dir, ec.message())));
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  return files;
}

Result<Definitions, DefinitionErrors> load_definitions(std::span<const SourceFile> files) {
  auto workflows = load_workflow_set(files);
  auto policies = load_sla_catalog(files);
  // Templates are checked against the workflows that name them; with broken
  // workflows, against none, so that the catalogue's own errors still show.
  auto messages = load_message_catalog(files, workflows ? *workflows : WorkflowSet{});
  if (workflows && policies && messages)
    return Definitions{std::move(workflows).value(), std::move(policies).value(), std::move(messages).value()};
  DefinitionErrors errors;
  for (const DefinitionErrors* found : {workflows ? nullptr : &workflows.error(), policies ? nullptr : &policies.error(),
                                        messages ? nullptr : &messages.error()})
    if (found) errors.insert(errors.end(), found->begin(), found->end());
  return fail(std::move(errors));
}

Result<Definitions, DefinitionErrors> load_definitions_from(const std::string& dir) {
  if (dir.empty()) return load_definitions(embedded_definition_files());
  auto files = read_definition_files(dir);
  if (!files) return fail(DefinitionErrors{{dir, "", files.error().message}});
  return load_definitions(*files);
}

}  // namespace dsr::app
