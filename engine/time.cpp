#include "engine/time.hpp"

#include <date/date.h>

#include <cstdio>
#include <sstream>

namespace dsr {

std::string format_rfc3339(TimePoint t) {
  // Hand-rolled: this runs for every timestamp of every answer.
  auto day = std::chrono::floor<std::chrono::days>(t);
  std::chrono::year_month_day ymd{day};
  std::chrono::hh_mm_ss<std::chrono::seconds> time{t - day};
  char out[21];
  std::snprintf(out, sizeof out, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                static_cast<int>(time.seconds().count()));
  return out;
}

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
