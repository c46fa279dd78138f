// Binding and reading byte strings (hashes, ciphertexts) with SQLiteCpp,
// which speaks in void pointers and int sizes, and instants, which the
// schema keeps as unix seconds (UTC).
#pragma once

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Statement.h>

#include "engine/time.hpp"
#include "storage/crypto.hpp"

namespace dsr::storage {

inline void bind_blob(SQLite::Statement& statement, int index, const Bytes& bytes) {
  statement.bind(index, bytes.data(), static_cast<int>(bytes.size()));
}

inline Bytes column_blob(const SQLite::Column& column) {
  const auto* p = static_cast<const unsigned char*>(column.getBlob());
  return Bytes(p, p + column.getBytes());
}

inline std::int64_t unix_seconds(TimePoint t) { return t.time_since_epoch().count(); }
inline TimePoint from_unix(std::int64_t seconds) { return TimePoint{std::chrono::seconds{seconds}}; }

}  // namespace dsr::storage
