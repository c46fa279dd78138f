// Binding and reading byte strings (hashes, ciphertexts) with SQLiteCpp,
// which speaks in void pointers and int sizes.
#pragma once

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Statement.h>

#include "storage/crypto.hpp"

namespace dsr::storage {

inline void bind_blob(SQLite::Statement& statement, int index, const Bytes& bytes) {
  statement.bind(index, bytes.data(), static_cast<int>(bytes.size()));
}

inline Bytes column_blob(const SQLite::Column& column) {
  const auto* p = static_cast<const unsigned char*>(column.getBlob());
  return Bytes(p, p + column.getBytes());
}

}  // namespace dsr::storage
