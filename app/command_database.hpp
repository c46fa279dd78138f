// The database and master key a command works on, found as every command
// finds them: the db setting ("PATH" or "sqlite:PATH"), and the key-file
// setting or else master.key beside the database. A missing database or key
// is a usage error (exit 2) that says where dsr looked, a database that does
// not open a failure (exit 1); either way one line on stderr says why,
// naming the command, with any password masked. Only `dsr serve` and
// `dsr init` create a key or a database; the functions here never do.
#pragma once

#include <boost/program_options.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>
#include <variant>

#include "engine/result.hpp"
#include "storage/crypto.hpp"
#include "storage/database.hpp"

namespace dsr::app {

// The db and key-file settings (app/settings.cpp).
void add_database_options(boost::program_options::options_description& options);

struct DataFiles {
  std::filesystem::path db;
  std::filesystem::path key;
  bool key_named = false;  // by the key-file setting, not beside the database
};

// The files the settings name; with `data_dir`, DIR/dsr.db and (unless
// key-file names one) DIR/master.key. A PostgreSQL connection string is
// refused: this build stores in SQLite only.
std::variant<DataFiles, int> data_files(std::string_view command, const boost::program_options::variables_map& vm,
                                        const std::optional<std::filesystem::path>& data_dir = std::nullopt);

// Exit 2 (said on stderr) unless the database file is there.
std::optional<int> require_database(std::string_view command, const DataFiles& files);

// The master key in files.key, or the exit code to return.
std::variant<storage::Key, int> load_command_key(std::string_view command, const DataFiles& files);

// The open database, or the exit code to return.
std::variant<std::unique_ptr<storage::Database>, int> open_command_database(
    std::string_view command, const boost::program_options::variables_map& vm);

// Makes `dir` (and its parents) if missing, private to its owner (0700).
Status make_private_directory(const std::filesystem::path& dir);

}  // namespace dsr::app
