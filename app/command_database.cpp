#include "app/command_database.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "app/cli.hpp"
#include "storage/master_key_file.hpp"

namespace dsr::app {

void add_database_options(boost::program_options::options_description& options) {
  namespace po = boost::program_options;
  options.add_options()
      ("db", po::value<std::string>()->default_value("var/dsr.db"), "SQLite database file")
      ("key-file", po::value<std::string>()->default_value("var/master.key"), "the master key the database was written with");
}

std::variant<std::unique_ptr<storage::Database>, int> open_command_database(
    std::string_view command, const boost::program_options::variables_map& vm) {
  const auto& db_path = vm["db"].as<std::string>();
  if (!std::filesystem::exists(db_path)) {
    fmt::print(stderr, "dsr {}: no database at {}; give its path with --db\n", command, db_path);
    return kExitUsage;
  }
  auto key = storage::load_master_key(vm["key-file"].as<std::string>());
  if (!key) {
    fmt::print(stderr, "dsr {}: {}\n", command, key.error().message);
    return kExitUsage;
  }
  auto db = storage::Database::open(db_path, *key, {1});
  if (!db) {
    fmt::print(stderr, "dsr {}: {}\n", command, db.error().message);
    return kExitFailed;
  }
  return std::move(db).value();
}

}  // namespace dsr::app
