// PostgreSQL's errors as the engine's: SQLSTATE decides what the caller
// can do about it.
//   23xxx integrity (unique, foreign key, not null, check: the row
//         clashes with what is stored, as SQLite's constraints say) -> conflict
//   40001 serialization, 40P01 deadlock, 55P03 lock  -> unavailable (retry)
//   08xxx connection, 57P01-03 shutdown, 25006 read-only transaction (a
//   standby), 53xxx resources                         -> unavailable
//   22xxx data (a value of the wrong form)           -> invalid_argument
//   DS001 a stale version (raised by dsr's own SQL)  -> conflict, "stale_version"
//   DS002 no such request                            -> not_found
//   anything else                                    -> internal
#pragma once

#include <string>
#include <string_view>

#include "engine/result.hpp"

namespace dsr::storage::pg {

ErrorCode code_for_sqlstate(std::string_view sqlstate);
// The finer kind an Error carries for `sqlstate` ("stale_version" for DS001).
std::string kind_for_sqlstate(std::string_view sqlstate);

// Whether a failed transaction may simply be run again (a serialization
// failure or a deadlock: nothing was written).
bool retryable_sqlstate(std::string_view sqlstate);

}  // namespace dsr::storage::pg
