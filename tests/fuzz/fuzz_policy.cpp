// Fuzz target: any bytes as an SLA policy file (policies/*.json), loaded
// with the shipped calendars and cross-checked. Then, for a policy that
// loads, a deadline for each of its rules from a fixed instant: what an
// operator's edit can reach.
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "engine/sla_clock.hpp"
#include "engine/sla_policy.hpp"

namespace {

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string calendar = read(std::string(DSR_WORKFLOWS_DIR) + "/calendars/id.json");
  std::vector<dsr::SourceFile> files{{"calendars/id.json", calendar},
                                     {"policies/xx.json", std::string(reinterpret_cast<const char*>(data), size)}};
  auto catalog = dsr::load_sla_catalog(files);
  if (!catalog) {
    for (const auto& e : catalog.error()) (void)e.to_string();
    return 0;
  }
  const dsr::SlaPolicy* policy = catalog->policy("xx");
  if (policy == nullptr) return 0;
  dsr::SlaClock clock(*catalog);
  const dsr::TimePoint received{std::chrono::seconds{1772323200}};  // 1 March 2026 00:00 UTC
  for (const auto& [type, rule] : policy->rules)
    for (bool extended : {false, true}) (void)clock.deadline("xx", type, received, {}, extended, received);
  return 0;
}
