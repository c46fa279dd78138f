// dsr backup --to FILE and dsr restore --from FILE: an online copy of the
// database, checked before it counts, and its return into an empty place.
// Neither copies the master key (docs/operations.md says how to keep it).
#include <boost/program_options.hpp>
#include <fmt/format.h>

#include <filesystem>

#include "app/cli.hpp"
#include "app/command_database.hpp"
#include "app/commands.hpp"
#include "app/options.hpp"
#include "app/settings.hpp"
#include "storage/backup.hpp"

namespace dsr::app {
namespace {

void print_check(std::string_view done, const std::filesystem::path& where, const storage::DatabaseFileCheck& c) {
  fmt::print("{} {}: {} requests, {} journal events verified, schema version {}, {} bytes; integrity_check ok\n", done,
             where.string(), c.requests, c.events, c.schema_version, c.bytes);
}

int exit_code_for(const Error& e) {
  return e.code == ErrorCode::invalid_argument || e.code == ErrorCode::forbidden ? kExitUsage : kExitFailed;
}

}  // namespace

int backup_command(const std::vector<std::string>& args) {
  namespace po = boost::program_options;
  po::options_description options(
      "Usage: dsr backup --to FILE\n\n"
      "Copies the database while dsr serve goes on working (SQLite's online backup: one consistent\n"
      "snapshot), checks the copy (integrity_check, the master key, the journal end to end), and only\n"
      "then gives it its name. The master key is not in the backup: keep it apart (docs/operations.md).\n"
      "Exit 0: a checked backup is at FILE. Exit 1: no backup was written. Exit 2: bad arguments.\n\nOptions");
  options.add_options()
      ("help,h", "show this help")
      ("to", po::value<std::string>(), "the backup file to write (must not exist)");
  add_database_options(options);
  auto parsed = parse_options("backup", args, options);
  if (!parsed) return kExitUsage;
  const auto& vm = *parsed;
  if (vm.count("help")) {
    print_help(options);
    return kExitOk;
  }
  if (!vm.count("to")) {
    fmt::print(stderr, "dsr backup: give the file to write with --to, e.g. --to /srv/backup/dsr-$(date +%F).db\n");
    return kExitUsage;
  }
  auto files = data_files("backup", vm);
  if (auto* exit_code = std::get_if<int>(&files)) return *exit_code;
  const DataFiles& found = std::get<DataFiles>(files);
  if (auto refused = refuse_postgres("backup", found, "back PostgreSQL up with its own tools (pg_basebackup and "
                                                       "WAL archiving, or pg_dump), as docs/postgresql.md says"))
    return *refused;
  if (auto missing = require_database("backup", found)) return *missing;
  auto key = load_command_key("backup", found);
  if (auto* exit_code = std::get_if<int>(&key)) return *exit_code;
  std::filesystem::path to = vm["to"].as<std::string>();
  auto copied = storage::backup_database(found.db, to, storage::MasterKey(std::get<storage::MasterKeySet>(key)));
  if (!copied) {
    fmt::print(stderr, "dsr backup: {}\n", copied.error().message);
    return exit_code_for(copied.error());
  }
  print_check("backed up to", to, *copied);
  return kExitOk;
}

int restore_command(const std::vector<std::string>& args) {
  namespace po = boost::program_options;
  po::options_description options(
      "Usage: dsr restore --from FILE [--data-dir DIR]\n\n"
      "Puts a backup in place as the database (DIR/dsr.db, or the configured db), into an empty place\n"
      "only. The master key it was written with must already be in place (DIR/master.key, or the\n"
      "configured key-file): the backup is checked with it before and after the copy.\n\nOptions");
  options.add_options()
      ("help,h", "show this help")
      ("from", po::value<std::string>(), "the backup file")
      ("data-dir", po::value<std::string>(), "restore into this directory (its dsr.db, with its master.key)");
  add_database_options(options);
  auto parsed = parse_options("restore", args, options);
  if (!parsed) return kExitUsage;
  const auto& vm = *parsed;
  if (vm.count("help")) {
    print_help(options);
    return kExitOk;
  }
  if (!vm.count("from")) {
    fmt::print(stderr, "dsr restore: give the backup file with --from\n");
    return kExitUsage;
  }
  std::optional<std::filesystem::path> data_dir;
  if (vm.count("data-dir")) data_dir = vm["data-dir"].as<std::string>();
  auto files = data_files("restore", vm, data_dir);
  if (auto* exit_code = std::get_if<int>(&files)) return *exit_code;
  const DataFiles& found = std::get<DataFiles>(files);
  if (auto refused = refuse_postgres("restore", found, "restore PostgreSQL with its own tools (pg_restore, or a "
                                                       "base backup and its WAL), as docs/postgresql.md says"))
    return *refused;
  const std::filesystem::path& db_path = found.db;
  if (Status made = make_private_directory(db_path.parent_path()); !made) {
    fmt::print(stderr, "dsr restore: {}\n", made.error().message);
    return kExitFailed;
  }
  auto key = load_command_key("restore", found);
  if (auto* exit_code = std::get_if<int>(&key)) return *exit_code;
  auto restored = storage::restore_database(vm["from"].as<std::string>(), db_path,
                                            storage::MasterKey(std::get<storage::MasterKeySet>(key)));
  if (!restored) {
    fmt::print(stderr, "dsr restore: {}\n", restored.error().message);
    return exit_code_for(restored.error());
  }
  print_check("restored", db_path, *restored);
  fmt::print(stderr, "dsr restore: start dsr serve on it{}; it brings the schema up to date at start\n",
             vm.count("data-dir") ? " with --db " + db_path.string() : std::string());
  return kExitOk;
}

}  // namespace dsr::app
