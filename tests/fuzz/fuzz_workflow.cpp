// Fuzz target: any bytes as a workflow definition file (workflows/*.json)
// through the loader and validator. It must answer a workflow or a list of
// errors, never crash, hang or leak.
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/workflow_set.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  dsr::SourceFile file{"access.json", std::string(reinterpret_cast<const char*>(data), size)};
  auto loaded = dsr::parse_workflow(file);
  if (!loaded) {
    for (const auto& e : loaded.error()) (void)e.to_string();
  }
  return 0;
}
