// The audit log's key and origin, as serve and `dsr log key` find them: the
// key file (log-key-file, else log.key beside the database) and the origin
// (log-origin, else the one the database remembers, else `fallback_origin`).
// On PostgreSQL the key file's default place is beside the master key.
#pragma once

#include <boost/program_options.hpp>

#include <string>

#include "app/command_database.hpp"
#include "app/storage_backend.hpp"
#include "storage/log_key.hpp"
#include "storage/log_key_files.hpp"

namespace dsr::app {

// The settings: log-origin, log-key-file, checkpoint-interval.
void add_audit_log_options(boost::program_options::options_description& options);

// Where the log key file is: log-key-file, else log.key beside the
// database (on PostgreSQL, beside the master key).
std::filesystem::path audit_log_key_path(const boost::program_options::variables_map& vm, const DataFiles& files);

// The origin: log-origin, else the one the database remembers, else
// `fallback_origin`.
Result<std::string> audit_log_origin(const boost::program_options::variables_map& vm, StorageBackend& backend,
                                     const std::string& fallback_origin);

// The log key files: the key in force (after a rotation, possibly still
// in log.key.next); made if `create` and missing. A configured origin
// other than the one the database remembers is refused (remember_log_key).
Result<std::unique_ptr<storage::LogKeyFiles>> open_audit_log_key(const boost::program_options::variables_map& vm,
                                                                 const DataFiles& files, StorageBackend& backend,
                                                                 const std::string& fallback_origin, bool create);

// "host:port/dsr-log" from a public URL such as "https://bsre.example:8443/".
std::string origin_from_url(std::string_view url);

}  // namespace dsr::app
