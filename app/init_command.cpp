// dsr init: a new installation's data directory (0700), its master key, its
// migrated database and a first admin token, printed once. Never touches an
// existing installation: a database or a key already there is refused.
#include <boost/program_options.hpp>
#include <fmt/format.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "app/cli.hpp"
#include "app/command_database.hpp"
#include "app/commands.hpp"
#include "app/options.hpp"
#include "app/settings.hpp"
#include "storage/master_key_file.hpp"
#include "storage/token_registry.hpp"

namespace dsr::app {
namespace {

namespace fs = std::filesystem;

// Run as root on a directory that belongs to the service's user (as the
// package lays out /var/lib/dsr), the new files go to that user too, so
// that `dsr serve` running as it can open them.
void give_to_directory_owner(const fs::path& dir, std::initializer_list<fs::path> files) {
  struct stat owner{};
  if (::geteuid() != 0 || ::stat(dir.c_str(), &owner) != 0 || owner.st_uid == 0) return;
  // lchown: a link planted under a name init did not make is never followed.
  for (const auto& file : files)
    if (::lchown(file.c_str(), owner.st_uid, owner.st_gid) != 0 && errno != ENOENT)
      fmt::print(stderr, "dsr init: could not give {} to uid {}: {}\n", file.string(), owner.st_uid,
                 std::strerror(errno));
}

}  // namespace

int init_command(const std::vector<std::string>& args) {
  namespace po = boost::program_options;
  po::options_description options(
      "Usage: dsr init [--data-dir DIR] [--admin-name NAME]\n\n"
      "Makes a new installation: DIR (mode 0700) with master.key, a migrated dsr.db, and a first admin\n"
      "token, printed once on stdout. Without --data-dir: the configured db and key-file. Refuses a place\n"
      "that already holds a database or a key.\n\nOptions");
  options.add_options()
      ("help,h", "show this help")
      ("data-dir", po::value<std::string>(), "the directory to make (its dsr.db and master.key)")
      ("admin-name", po::value<std::string>()->default_value("admin"), "the principal name of the first admin token");
  add_database_options(options);
  auto parsed = parse_options("init", args, options);
  if (!parsed) return kExitUsage;
  const auto& vm = *parsed;
  if (vm.count("help")) {
    print_help(options);
    return kExitOk;
  }
  const std::string& admin_name = vm["admin-name"].as<std::string>();
  if (admin_name.empty()) {  // before anything is made: a refusal leaves nothing behind
    fmt::print(stderr, "dsr init: --admin-name must not be empty\n");
    return kExitUsage;
  }
  std::optional<fs::path> data_dir;
  if (vm.count("data-dir")) data_dir = vm["data-dir"].as<std::string>();
  auto files = data_files("init", vm, data_dir);
  if (auto* exit_code = std::get_if<int>(&files)) return *exit_code;
  if (auto refused = refuse_postgres("init", std::get<DataFiles>(files),
                                     "on PostgreSQL, dsr serve makes the schema when it first starts, and "
                                     "dsr token create --role admin makes the first admin token"))
    return *refused;
  const fs::path db_path = std::get<DataFiles>(files).db;
  // A new directory holds its own key, whatever key-file the configuration names.
  const fs::path key_path = data_dir ? *data_dir / "master.key" : std::get<DataFiles>(files).key;
  for (const auto& existing : {db_path, key_path}) {
    std::error_code ec;
    if (fs::exists(fs::symlink_status(existing, ec))) {
      fmt::print(stderr, "dsr init: {} already exists; init never touches an installation (to start afresh, move "
                         "its data directory away, after a 'dsr backup')\n", existing.string());
      return kExitUsage;
    }
  }
  fs::path dir = db_path.has_parent_path() ? db_path.parent_path() : fs::path(".");
  if (Status made = make_private_directory(dir); !made) {
    fmt::print(stderr, "dsr init: {}\n", made.error().message);
    return kExitFailed;
  }
  auto key = storage::load_or_create_master_key(key_path);
  if (!key) {
    fmt::print(stderr, "dsr init: {}\n", key.error().message);
    return kExitFailed;
  }
  auto opened = storage::Database::open(db_path.string(), *key, {1});
  if (!opened) {
    fmt::print(stderr, "dsr init: {}\n", opened.error().message);
    return kExitFailed;
  }
  std::unique_ptr<storage::Database> db = std::move(opened).value();
  auto admin = storage::TokenRegistry(*db).create_sync({admin_name, Role::admin, ""});
  if (!admin) {
    fmt::print(stderr, "dsr init: {}\n", admin.error().message);
    return kExitUsage;
  }
  db.reset();  // closed before the files change owner
  give_to_directory_owner(dir, {db_path, fs::path(db_path.string() + "-wal"), fs::path(db_path.string() + "-shm"),
                                key_path});
  fmt::print("{}\n", admin->token);
  fmt::print(stderr, "dsr init: made {} and {}, and the admin token {} ({}) above, shown only this once.\n"
                     "dsr init: keep a copy of the master key apart from the backups: without it nothing in the "
                     "database can be read (docs/operations.md)\n",
             db_path.string(), key_path.string(), admin->record.id, admin->record.principal.name);
  if (data_dir && db_path != fs::path(database_file(vm["db"].as<std::string>())))
    fmt::print(stderr, "dsr init: serve it with --db {} (or db = {} in the configuration)\n", db_path.string(),
               db_path.string());
  return kExitOk;
}

}  // namespace dsr::app
