#include "engine/time.hpp"

#include <date/date.h>

#include <sstream>

namespace dsr {

std::string format_rfc3339(TimePoint t) { return date::format("%FT%TZ", t); }

std::optional<TimePoint> parse_rfc3339(std::string_view text) {
  std::string s(text);
  // RFC 3339 allows a lower-case 't' and 'z'; date::parse wants an offset.
  if (s.size() > 10 && (s[10] == 't' || s[10] == ' ')) s[10] = 'T';
  if (!s.empty() && (s.back() == 'Z' || s.back() == 'z')) {
    s.pop_back();
    s += "+00:00";
  }
  std::istringstream in(s);
  date::sys_time<std::chrono::microseconds> parsed;
  in >> date::parse("%FT%T%Ez", parsed);
  if (in.fail()) return std::nullopt;
  // Nothing may follow the offset.
  if (in.peek() != std::char_traits<char>::eof()) return std::nullopt;
  return std::chrono::floor<std::chrono::seconds>(parsed);
}

}  // namespace dsr
