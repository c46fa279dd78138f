// The master key file (--key-file): 32 random bytes, created with mode 0600
// on first start. `dsr key rotate-master` replaces it with a short text
// file naming the key in force and, until every row is re-wrapped, the key
// before it (format_master_keys); both forms are read. dsr refuses a key file that others can read, or of the
// wrong size, rather than run with a key that may have leaked or is not one.
#pragma once

#include <filesystem>
#include <string_view>

#include "engine/result.hpp"
#include "storage/crypto.hpp"

namespace dsr::storage {

// Reads the key at `path`, or creates it (and its directory) if absent.
Result<Key> load_or_create_master_key(const std::filesystem::path& path);

// Reads the key at `path`; a missing file is an error (for commands that
// must not invent a key, such as `dsr audit verify`).
Result<Key> load_master_key(const std::filesystem::path& path);

// The key set in the master key file at `path`: one key (the 32-byte
// form) or the text form (a key in force and perhaps the one before).
Result<MasterKeySet> load_master_keys(const std::filesystem::path& path);
// The text form of `keys`:
//   dsr master keys v1
//   current <64 hex digits>
//   previous <64 hex digits>      (during a rotation only)
std::string format_master_keys(const MasterKeySet& keys);

// The same for any 32-byte secret kept in a file of its own (the audit
// log's signing seed); `what` names it in errors ("audit log key").
Result<Key> load_or_create_key_file(const std::filesystem::path& path, std::string_view what);
Result<Key> load_key_file(const std::filesystem::path& path, std::string_view what);

}  // namespace dsr::storage
