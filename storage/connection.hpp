// Opening SQLite connections the way dsr needs them. The writer connection
// gets WAL, synchronous=FULL (an acknowledged command survives power loss),
// foreign keys, secure_delete (deleted rows are overwritten, policy E.3-E.7)
// and a busy timeout. Readers are read-only. A connection is used by one
// thread at a time.
//
// The path ":memory:" names a private in-memory database shared by the
// writer and readers of one Database object (tests); WAL does not apply.
#pragma once

#include <SQLiteCpp/Database.h>

#include <memory>
#include <string>

namespace dsr::storage {

// The name SQLite should open for `path`: a shared-cache URI for ":memory:"
// (unique per call of this function), the path otherwise.
std::string connection_target(const std::string& path);

std::unique_ptr<SQLite::Database> open_writer(const std::string& target);
std::unique_ptr<SQLite::Database> open_reader(const std::string& target);

}  // namespace dsr::storage
