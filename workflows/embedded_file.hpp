// A file compiled into the binary (the default workflows, policies and
// calendars). Generated sources define functions returning spans of these;
// see cmake/EmbedFiles.cmake. Immutable, safe to share between threads.
#pragma once

#include <span>
#include <string_view>

namespace dsr {

struct EmbeddedFile {
  std::string_view path;     // relative to the embedded folder, '/'-separated
  std::string_view content;
};

}  // namespace dsr
