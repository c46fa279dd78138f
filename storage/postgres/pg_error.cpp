#include "storage/postgres/pg_error.hpp"

namespace dsr::storage::pg {

ErrorCode code_for_sqlstate(std::string_view s) {
  if (s == "DS001") return ErrorCode::conflict;
  if (s == "DS002") return ErrorCode::not_found;
  if (s == "DS003") return ErrorCode::unavailable;  // the master key rotated under the write: try again
  // Every integrity constraint, as SQLite reports them: the row clashes
  // with what is stored.
  if (s.starts_with("23")) return ErrorCode::conflict;
  if (retryable_sqlstate(s) || s == "55P03" || s == "25006" || s.starts_with("08") || s.starts_with("53") ||
      s == "57P01" || s == "57P02" || s == "57P03")
    return ErrorCode::unavailable;
  if (s.starts_with("22")) return ErrorCode::invalid_argument;
  return ErrorCode::internal;
}

std::string kind_for_sqlstate(std::string_view s) {
  if (s == "DS001") return "stale_version";
  if (s == "DS003") return "master_key_rotated";
  return "sqlstate_" + std::string(s);
}

bool retryable_sqlstate(std::string_view s) { return s == "40001" || s == "40P01"; }

}  // namespace dsr::storage::pg
