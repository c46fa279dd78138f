// The files of workflows/ as compiled into the binary: workflow definitions
// at the top level, SLA policies under policies/, calendars under calendars/.
#pragma once

#include "workflows/embedded_file.hpp"

namespace dsr {

std::span<const EmbeddedFile> embedded_workflows();

}  // namespace dsr
