#include "app/command_database.hpp"

#include <fmt/format.h>

#include "app/cli.hpp"
#include "app/settings.hpp"
#include "storage/master_key_file.hpp"

namespace dsr::app {
namespace fs = std::filesystem;

namespace {

// What to do about a file this user may not look at.
std::string permission_hint(const std::error_code& ec) {
  if (ec == std::errc::permission_denied)
    return "; run the command as the user that owns it (on an installed server: sudo -u dsr dsr ...)";
  return "";
}

}  // namespace

void add_database_options(boost::program_options::options_description& options) {
  add_settings(options, {"db", "key-file"});
}

std::variant<DataFiles, int> data_files(std::string_view command, const boost::program_options::variables_map& vm,
                                        const std::optional<fs::path>& data_dir) {
  const std::string& db = vm["db"].as<std::string>();
  if (db.find("://") != std::string::npos || db.find('=') != std::string::npos) {
    fmt::print(stderr, "dsr {}: --db {} is a PostgreSQL connection string, and this dsr stores in SQLite only; give "
                       "the path of a SQLite file\n", command, masked_setting(db));
    return kExitUsage;
  }
  DataFiles files;
  files.key_named = vm.count("key-file") && !vm["key-file"].as<std::string>().empty();
  files.db = data_dir ? *data_dir / "dsr.db" : fs::path(database_file(db));
  files.key = files.key_named ? fs::path(vm["key-file"].as<std::string>()) : files.db.parent_path() / "master.key";
  return files;
}

std::optional<int> require_database(std::string_view command, const DataFiles& files) {
  std::error_code ec;
  if (fs::is_regular_file(files.db, ec)) return std::nullopt;
  if (ec && ec != std::errc::no_such_file_or_directory) {
    fmt::print(stderr, "dsr {}: cannot look at {}: {}{}\n", command, files.db.string(), ec.message(), permission_hint(ec));
  } else {
    fmt::print(stderr, "dsr {}: no database at {}; give its path with --db, or set db in the configuration or DSR_DB "
                       "('dsr init' makes a new one)\n", command, files.db.string());
  }
  return kExitUsage;
}

std::variant<storage::Key, int> load_command_key(std::string_view command, const DataFiles& files) {
  std::error_code ec;
  bool present = fs::exists(files.key, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    fmt::print(stderr, "dsr {}: cannot look at the master key {}: {}{}\n", command, files.key.string(), ec.message(),
               permission_hint(ec));
    return kExitUsage;
  }
  if (!present) {
    fmt::print(stderr, "dsr {}: no master key at {} ({}); give --key-file, or set key-file in the configuration or "
                       "DSR_KEY_FILE\n", command, files.key.string(),
               files.key_named ? "the key-file setting" : "beside the database, where dsr keeps it");
    return kExitUsage;
  }
  auto key = storage::load_master_key(files.key);
  if (!key) {
    fmt::print(stderr, "dsr {}: {}\n", command, key.error().message);
    return kExitUsage;
  }
  return *key;
}

std::variant<std::unique_ptr<storage::Database>, int> open_command_database(
    std::string_view command, const boost::program_options::variables_map& vm) {
  auto files = data_files(command, vm);
  if (auto* exit_code = std::get_if<int>(&files)) return *exit_code;
  const DataFiles& found = std::get<DataFiles>(files);
  if (auto missing = require_database(command, found)) return *missing;
  auto key = load_command_key(command, found);
  if (auto* exit_code = std::get_if<int>(&key)) return *exit_code;
  auto db = storage::Database::open(found.db.string(), std::get<storage::Key>(key), {1});
  if (!db) {
    fmt::print(stderr, "dsr {}: {}\n", command, db.error().message);
    return kExitFailed;
  }
  return std::move(db).value();
}

Status make_private_directory(const fs::path& dir) {
  std::error_code ec;
  if (dir.empty() || fs::is_directory(dir, ec)) return ok_status();
  if (fs::create_directories(dir, ec)) fs::permissions(dir, fs::perms::owner_all, ec);
  if (ec) return fail(Error::unavailable(fmt::format("cannot make the directory {}: {}", dir.string(), ec.message())));
  return ok_status();
}

}  // namespace dsr::app
