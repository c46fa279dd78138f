// The database a command names with --db and --key-file (or the
// configuration), opened as every command that reads and writes one does: a
// missing database or key is a usage error (exit 2) that says where dsr
// looked, a database that does not open a failure (exit 1); either way one
// line on stderr says why, naming the command. Only `dsr serve` and
// `dsr init` create a key or a database; these never do.
#pragma once

#include <boost/program_options.hpp>

#include <memory>
#include <string_view>
#include <variant>

#include "engine/result.hpp"
#include "storage/crypto.hpp"
#include "storage/database.hpp"

namespace dsr::app {

// The db and key-file settings (app/settings.cpp).
void add_database_options(boost::program_options::options_description& options);

// The master key of the configured database, or the exit code to return.
std::variant<storage::Key, int> load_command_key(std::string_view command,
                                                 const boost::program_options::variables_map& vm);

// The open database, or the exit code to return.
std::variant<std::unique_ptr<storage::Database>, int> open_command_database(
    std::string_view command, const boost::program_options::variables_map& vm);

}  // namespace dsr::app
