#include "engine/time.hpp"

#include <date/date.h>
#include <fmt/format.h>

#include <sstream>

namespace dsr {

std::string format_rfc3339(TimePoint t) {
  // fmt, not date::format: this runs for every timestamp of every answer.
  auto day = std::chrono::floor<std::chrono::days>(t);
  std::chrono::year_month_day ymd{day};
  std::chrono::hh_mm_ss<std::chrono::seconds> time{t - day};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), time.hours().count(),
                     time.minutes().count(), time.seconds().count());
}

namespace {

// "YYYY-MM-DDTHH:MM:SS", the part of RFC 3339 before any fraction and the
// offset, checked before date::parse sees it: given "T:0000:00" it reads
// no hour, makes the seconds NaN and converts that to an integer, which is
// undefined behaviour (found by tests/fuzz/fuzz_http_request).
bool has_date_time_shape(std::string_view s) {
  constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd";
  if (s.size() < kShape.size()) return false;
  for (std::size_t i = 0; i < kShape.size(); ++i) {
    bool digit = s[i] >= '0' && s[i] <= '9';
    if (kShape[i] == 'd' ? !digit : s[i] != kShape[i]) return false;
  }
  return true;
}

}  // namespace

std::optional<TimePoint> parse_rfc3339(std::string_view text) {
  std::string s(text);
  // RFC 3339 allows a lower-case 't' and 'z'; date::parse wants an offset.
  if (s.size() > 10 && (s[10] == 't' || s[10] == ' ')) s[10] = 'T';
  if (!has_date_time_shape(s)) return std::nullopt;
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
