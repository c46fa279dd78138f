// The database a command names with --db and --key-file, opened as every
// command that reads and writes one does: a missing file or an unusable key
// is a usage error (exit 2), a database that does not open a failure
// (exit 1); either way one line on stderr says why, naming the command.
#pragma once

#include <boost/program_options.hpp>

#include <memory>
#include <string_view>
#include <variant>

#include "storage/database.hpp"

namespace dsr::app {

// --db and --key-file, with the defaults every command shares (var/).
void add_database_options(boost::program_options::options_description& options);

// The open database, or the exit code to return.
std::variant<std::unique_ptr<storage::Database>, int> open_command_database(
    std::string_view command, const boost::program_options::variables_map& vm);

}  // namespace dsr::app
