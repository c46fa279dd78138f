// One CSV field as RFC 4180 writes it: quoted when it holds a comma, a
// quote or a line break, its quotes doubled. Shared by every CSV dsr
// writes (the SLA report, the portability export).
#pragma once

#include <string>
#include <string_view>

namespace dsr {

inline std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

}  // namespace dsr
