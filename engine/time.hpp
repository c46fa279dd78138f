// Instants in dsr: seconds since the epoch in UTC. Sub-second precision has
// no legal meaning for a deadline, so it is dropped at the boundary.
// RFC 3339 in and out; the text form always ends in 'Z'.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace dsr {

using TimePoint = std::chrono::sys_seconds;

// "2025-03-03T02:15:00Z"
std::string format_rfc3339(TimePoint t);

// Accepts "2025-03-03T09:15:00+07:00", "...Z", with optional fractional
// seconds (truncated). A timestamp without an offset is ambiguous and is
// refused (nullopt): a deadline must never depend on the server's zone.
std::optional<TimePoint> parse_rfc3339(std::string_view text);

}  // namespace dsr
