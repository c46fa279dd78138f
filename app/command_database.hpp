// The database and master key a command works on, found as every command
// finds them: the db setting ("PATH" or "sqlite:PATH" for SQLite; a libpq
// URI "postgresql://..." or "key=value ..." string for PostgreSQL), and the
// key-file setting or else master.key beside a SQLite database (on
// PostgreSQL the key-file setting is required: every node shares the key). A missing database or key
// is a usage error (exit 2) that says where dsr looked, a database that does
// not open a failure (exit 1); either way one line on stderr says why,
// naming the command, with any password masked. Only `dsr serve` and
// `dsr init` create a key or a database; the functions here never do.
#pragma once

#include <boost/program_options.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <variant>

#include "app/storage_backend.hpp"
#include "engine/result.hpp"
#include "storage/crypto.hpp"

namespace dsr::app {

// The db and key-file settings (app/settings.cpp).
void add_database_options(boost::program_options::options_description& options);

// `dsr NOUN VERB ID|NAME` (token revoke, staff remove): the settings and the
// one id or name, or the exit code when there is nothing more to do (the
// help was shown, or `missing` said what to give).
struct IdOrName {
  boost::program_options::variables_map settings;
  std::string which;
};
std::variant<IdOrName, int> parse_id_or_name(const std::string& command, const std::vector<std::string>& args,
                                             const std::string& usage, std::string_view missing);

struct DataFiles {
  std::filesystem::path db;  // the SQLite file; empty on PostgreSQL
  std::string conninfo;      // the PostgreSQL connection string; empty on SQLite
  std::filesystem::path key;
  bool key_named = false;  // by the key-file setting, not beside the database
  bool on_postgres() const { return !conninfo.empty(); }
  // For messages, with any password masked.
  std::string where() const;
};

// True if the db setting names a PostgreSQL database.
bool is_postgres_setting(std::string_view db);

// The files the settings name; with `data_dir`, DIR/dsr.db and (unless
// key-file names one) DIR/master.key.
std::variant<DataFiles, int> data_files(std::string_view command, const boost::program_options::variables_map& vm,
                                        const std::optional<std::filesystem::path>& data_dir = std::nullopt);

// Exit 2 (said on stderr) if `files` name a PostgreSQL database: for the
// commands that work on a SQLite file only (`what` says what to do instead).
std::optional<int> refuse_postgres(std::string_view command, const DataFiles& files, std::string_view what);

// Exit 2 (said on stderr) unless the database file is there.
std::optional<int> require_database(std::string_view command, const DataFiles& files);

// The master key (or, during a rotation, the two keys) in files.key, or the
// exit code to return.
std::variant<storage::MasterKeySet, int> load_command_key(std::string_view command, const DataFiles& files);
// Reads files.key again, for a MasterKey that must see a rotation.
std::function<Result<storage::MasterKeySet>()> key_file_reader(const DataFiles& files);

// The storage the settings name, on either backend, opened for a command
// (a database and key that must exist), or the exit code to return.
std::variant<std::unique_ptr<StorageBackend>, int> open_command_storage(std::string_view command,
                                                                        const boost::program_options::variables_map& vm);

// The same for `dsr serve`, which makes the key and the database when both
// are new, and opens `connections` connections to PostgreSQL. `listen` (the
// listen setting) names this node in the claims it takes on shared work.
std::variant<std::unique_ptr<StorageBackend>, int> open_serve_storage(const DataFiles& files, std::size_t connections,
                                                                      std::string_view listen);

// Makes `dir` (and its parents) if missing, private to its owner (0700).
Status make_private_directory(const std::filesystem::path& dir);

}  // namespace dsr::app
