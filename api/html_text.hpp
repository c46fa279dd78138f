// Text made safe to put in HTML (an element's content or a quoted
// attribute), for the documents dsr serves as HTML: the SLA report and a
// breach notice's letter.
#pragma once

#include <string>
#include <string_view>

namespace dsr::api {

inline std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace dsr::api
