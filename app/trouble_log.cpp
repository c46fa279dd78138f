#include "app/trouble_log.hpp"

#include <fmt/format.h>

namespace dsr::app {

void TroubleLog::failed(const std::string& message) {
  if (failures_++ == 0)
    fmt::print(stderr, "dsr: {}: {} (logged once; retried until it works)\n", worker_, message);
}

void TroubleLog::succeeded() {
  if (failures_ == 0) return;
  fmt::print(stderr, "dsr: {}: working again, after {} failed attempt{}\n", worker_, failures_,
             failures_ == 1 ? "" : "s");
  failures_ = 0;
}

}  // namespace dsr::app
