#include "app/command_database.hpp"

#include <fmt/format.h>

#include "app/cli.hpp"
#include "app/options.hpp"
#include "app/settings.hpp"
#include "storage/master_key_file.hpp"
#include "storage/postgres/pg_backend.hpp"

#include <unistd.h>

namespace dsr::app {
namespace fs = std::filesystem;

namespace {

// What to do about a file this user may not look at.
std::string permission_hint(const std::error_code& ec) {
  if (ec == std::errc::permission_denied)
    return "; run the command as the user that owns it (on an installed server: sudo -u dsr dsr ...)";
  return "";
}

// This process, as it signs the claims it takes on shared work: the host
// and `which` (a server's listening address, the same after a restart; a
// command's process id), so that an operator can tell which node holds what.
std::string node_name(std::string_view which) {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "dsr");
  return fmt::format("{}/{}", host, which);
}

std::variant<std::unique_ptr<StorageBackend>, int> on_sqlite(std::string_view command,
                                                             Result<std::unique_ptr<storage::Database>> db) {
  if (!db) {
    fmt::print(stderr, "dsr {}: {}\n", command, db.error().message);
    return kExitFailed;
  }
  auto storage = sqlite_storage(std::move(db).value());
  if (!storage) {
    fmt::print(stderr, "dsr {}: {}\n", command, storage.error().message);
    return kExitFailed;
  }
  return std::move(storage).value();
}

std::variant<std::unique_ptr<StorageBackend>, int> on_postgres(std::string_view command, const DataFiles& files,
                                                               Result<std::unique_ptr<storage::pg::Backend>> backend,
                                                               const std::string& node) {
  if (!backend) {
    fmt::print(stderr, "dsr {}: {}: {}\n", command, files.where(), backend.error().message);
    return backend.error().code == ErrorCode::forbidden ? kExitUsage : kExitFailed;
  }
  auto storage = postgres_storage(std::move(backend).value(), node, files.where());
  if (!storage) {
    fmt::print(stderr, "dsr {}: {}\n", command, storage.error().message);
    return kExitFailed;
  }
  return std::move(storage).value();
}

}  // namespace

std::string DataFiles::where() const {
  return on_postgres() ? fmt::format("the PostgreSQL database {}", masked_setting(conninfo))
                       : fmt::format("the SQLite database {}", db.string());
}

bool is_postgres_setting(std::string_view db) {
  return db.starts_with("postgresql://") || db.starts_with("postgres://") || db.find('=') != std::string_view::npos;
}

void add_database_options(boost::program_options::options_description& options) {
  add_settings(options, {"db", "key-file"});
}

std::variant<IdOrName, int> parse_id_or_name(const std::string& command, const std::vector<std::string>& args,
                                             const std::string& usage, std::string_view missing) {
  namespace po = boost::program_options;
  po::options_description visible(usage);
  visible.add_options()("help,h", "show this help");
  add_database_options(visible);
  po::options_description all;
  all.add(visible).add_options()("which", po::value<std::string>());
  po::positional_options_description positional;
  positional.add("which", 1);
  auto parsed = parse_options(command, args, all, &positional);
  if (!parsed) return kExitUsage;
  if (parsed->count("help")) {
    print_help(visible);
    return kExitOk;
  }
  if (!parsed->count("which")) {
    fmt::print(stderr, "dsr {}: {}\n", command, missing);
    return kExitUsage;
  }
  std::string which = (*parsed)["which"].as<std::string>();
  return IdOrName{std::move(*parsed), std::move(which)};
}

std::variant<DataFiles, int> data_files(std::string_view command, const boost::program_options::variables_map& vm,
                                        const std::optional<fs::path>& data_dir) {
  const std::string& db = vm["db"].as<std::string>();
  DataFiles files;
  files.key_named = vm.count("key-file") && !vm["key-file"].as<std::string>().empty();
  if (!data_dir && is_postgres_setting(db)) {
    files.conninfo = db;
    if (!files.key_named) {
      fmt::print(stderr, "dsr {}: with a PostgreSQL database, give the master key's file with --key-file (or set "
                         "key-file in the configuration or DSR_KEY_FILE): every node on the database shares one key\n",
                 command);
      return kExitUsage;
    }
    files.key = vm["key-file"].as<std::string>();
    return files;
  }
  if (db.find("://") != std::string::npos) {
    fmt::print(stderr, "dsr {}: --db {} is neither a file nor a postgresql:// URI\n", command, masked_setting(db));
    return kExitUsage;
  }
  files.db = data_dir ? *data_dir / "dsr.db" : fs::path(database_file(db));
  files.key = files.key_named ? fs::path(vm["key-file"].as<std::string>()) : files.db.parent_path() / "master.key";
  return files;
}

std::optional<int> refuse_postgres(std::string_view command, const DataFiles& files, std::string_view what) {
  if (!files.on_postgres()) return std::nullopt;
  fmt::print(stderr, "dsr {}: works on a SQLite file, and --db names {}; {}\n", command, files.where(), what);
  return kExitUsage;
}

std::optional<int> require_database(std::string_view command, const DataFiles& files) {
  if (files.on_postgres()) return std::nullopt;  // the server says whether it is there
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

std::function<Result<storage::MasterKeySet>()> key_file_reader(const DataFiles& files) {
  return [path = files.key] { return storage::load_master_keys(path); };
}

std::variant<storage::MasterKeySet, int> load_command_key(std::string_view command, const DataFiles& files) {
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
  auto key = storage::load_master_keys(files.key);
  if (!key) {
    fmt::print(stderr, "dsr {}: {}\n", command, key.error().message);
    return kExitUsage;
  }
  return *key;
}

std::variant<std::unique_ptr<StorageBackend>, int> open_command_storage(std::string_view command,
                                                                        const boost::program_options::variables_map& vm) {
  auto files = data_files(command, vm);
  if (auto* exit_code = std::get_if<int>(&files)) return *exit_code;
  const DataFiles& found = std::get<DataFiles>(files);
  if (auto missing = require_database(command, found)) return *missing;
  auto key = load_command_key(command, found);
  if (auto* exit_code = std::get_if<int>(&key)) return *exit_code;
  const auto& keys = std::get<storage::MasterKeySet>(key);
  if (found.on_postgres())
    return on_postgres(command, found, storage::pg::Backend::open(found.conninfo, keys, key_file_reader(found), 2),
                       node_name(fmt::format("{} pid {}", command, static_cast<long>(getpid()))));
  return on_sqlite(command, storage::Database::open(found.db.string(), keys, key_file_reader(found), {1}));
}

std::variant<std::unique_ptr<StorageBackend>, int> open_serve_storage(const DataFiles& files, std::size_t connections,
                                                                      std::string_view listen) {
  // A key is made only with a new database: beside an existing one, a
  // missing key is a mistake (a wrong --key-file), and a fresh key would
  // only be one more file to mistake for the real one.
  std::error_code ec;
  bool key_there = fs::exists(files.key, ec);
  std::variant<storage::MasterKeySet, int> key = kExitUsage;
  if (key_there || (!files.on_postgres() && fs::exists(files.db, ec))) {
    key = load_command_key("serve", files);
  } else if (auto made = storage::load_or_create_master_key(files.key); made) {
    key = storage::MasterKeySet{*made, std::nullopt};
  } else {
    fmt::print(stderr, "dsr serve: {}\n", made.error().message);
    return kExitFailed;
  }
  if (auto* exit_code = std::get_if<int>(&key)) return *exit_code;
  if (!files.on_postgres()) {
    auto db = storage::Database::open(files.db.string(), std::get<storage::MasterKeySet>(key), key_file_reader(files), {});
    if (db && !(*db)->writable())
      fmt::print(stderr, "dsr serve: {} can only be read (is its disk mounted read-only?): requests that change "
                         "anything get 503 and /readyz is 503 until it can be written; dsr then writes again by "
                         "itself\n", files.db.string());
    return on_sqlite("serve", std::move(db));
  }
  // On PostgreSQL the database may be older than the key file just made:
  // then that key is not its key, and the file goes again.
  auto backend =
      storage::pg::Backend::open(files.conninfo, std::get<storage::MasterKeySet>(key), key_file_reader(files), connections);
  if (!backend && !key_there && backend.error().code == ErrorCode::forbidden) {
    fs::remove(files.key, ec);
    fmt::print(stderr, "dsr serve: no master key at {}, and {} was made with one: copy the key file from a node "
                       "that runs on it, or give its --key-file\n", files.key.string(), files.where());
    return kExitUsage;
  }
  return on_postgres("serve", files, std::move(backend), node_name(listen));
}

Status make_private_directory(const fs::path& dir) {
  std::error_code ec;
  if (dir.empty() || fs::is_directory(dir, ec)) return ok_status();
  if (fs::create_directories(dir, ec)) fs::permissions(dir, fs::perms::owner_all, ec);
  if (ec) return fail(Error::unavailable(fmt::format("cannot make the directory {}: {}", dir.string(), ec.message())));
  return ok_status();
}

}  // namespace dsr::app
