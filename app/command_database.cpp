#include "app/command_database.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "app/cli.hpp"
#include "app/settings.hpp"
#include "storage/master_key_file.hpp"

namespace dsr::app {

void add_database_options(boost::program_options::options_description& options) {
  add_settings(options, {"db", "key-file"});
}

std::variant<storage::Key, int> load_command_key(std::string_view command,
                                                 const boost::program_options::variables_map& vm) {
  std::filesystem::path key_file = master_key_path(vm);
  std::error_code ec;
  if (!std::filesystem::exists(key_file, ec)) {
    fmt::print(stderr, "dsr {}: no master key at {} ({}); give --key-file, or set key-file in the configuration or "
                       "DSR_KEY_FILE\n", command, key_file.string(),
               vm.count("key-file") ? "the key-file setting" : "beside the database, where dsr keeps it");
    return kExitUsage;
  }
  auto key = storage::load_master_key(key_file);
  if (!key) {
    fmt::print(stderr, "dsr {}: {}\n", command, key.error().message);
    return kExitUsage;
  }
  return *key;
}

std::variant<std::unique_ptr<storage::Database>, int> open_command_database(
    std::string_view command, const boost::program_options::variables_map& vm) {
  const auto& db_path = vm["db"].as<std::string>();
  if (!std::filesystem::exists(db_path)) {
    fmt::print(stderr, "dsr {}: no database at {}; give its path with --db, or set db in the configuration or "
                       "DSR_DB ('dsr init' makes a new one)\n", command, masked_setting(db_path));
    return kExitUsage;
  }
  auto key = load_command_key(command, vm);
  if (auto* exit_code = std::get_if<int>(&key)) return *exit_code;
  auto db = storage::Database::open(db_path, std::get<storage::Key>(key), {1});
  if (!db) {
    fmt::print(stderr, "dsr {}: {}\n", command, db.error().message);
    return kExitFailed;
  }
  return std::move(db).value();
}

}  // namespace dsr::app
