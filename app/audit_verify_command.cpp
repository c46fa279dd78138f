// dsr audit verify: recomputes the journal's hash chain, checks its sealed
// head and the request rows, and names the first broken event. Opens the
// database read-only: an audit never changes what it audits.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <boost/program_options.hpp>
#include <fmt/format.h>

#include <filesystem>

#include "app/cli.hpp"
#include "app/command_database.hpp"
#include "storage/sqlite_values.hpp"
#include "app/commands.hpp"
#include "app/options.hpp"
#include "storage/journal.hpp"
#include "storage/master_key_file.hpp"
#include "storage/sqlite_error.hpp"

namespace dsr::app {

int audit_verify_command(const std::vector<std::string>& args) {
  namespace po = boost::program_options;
  po::options_description options("Usage: dsr audit verify [--db PATH] [--key-file PATH]\n\n"
                                  "Exit 0: the journal is intact. Exit 1: it is broken (the first broken event "
                                  "is named). Exit 2: it could not be checked.\n\nOptions");
  options.add_options()
      ("help,h", "show this help");
  add_database_options(options);
  auto parsed = parse_options("audit verify", args, options);
  if (!parsed) return kExitUsage;
  const auto& vm = *parsed;
  if (vm.count("help")) {
    print_help(options);
    return kExitOk;
  }
  const auto& db_path = vm["db"].as<std::string>();
  if (!std::filesystem::exists(db_path)) {
    fmt::print(stderr, "dsr audit verify: no database at {}; give its path with --db\n", db_path);
    return kExitUsage;
  }
  auto key = storage::load_master_key(vm["key-file"].as<std::string>());
  if (!key) {
    fmt::print(stderr, "dsr audit verify: {}\n", key.error().message);
    return kExitUsage;
  }
  storage::MasterKey keys(*key);
  auto verdict = storage::guarded("reading the database", [&]() -> Result<storage::JournalVerdict> {
    SQLite::Database db(db_path, SQLite::OPEN_READONLY);
    SQLite::Statement check(db, "SELECT value FROM meta WHERE key = 'master_key_check'");
    if (check.executeStep()) {
      storage::Bytes stored = storage::column_blob(check.getColumn(0));
      if (!storage::equal_constant_time(stored, keys.check_value()))
        return fail(Error::forbidden("the master key does not match this database; give the --key-file it was "
                                     "written with"));
    }
    return storage::verify_journal(db, keys.journal_mac());
  });
  if (!verdict) {
    fmt::print(stderr, "dsr audit verify: {}\n", verdict.error().message);
    return kExitUsage;
  }
  if (verdict->ok) {
    fmt::print("ok: the journal is intact ({} events)\n", verdict->events);
    return kExitOk;
  }
  std::string where = verdict->first_bad_request.empty() ? "" : fmt::format(" (request {})", verdict->first_bad_request);
  fmt::print("broken: event {}{}: {}\n", verdict->first_bad_event.value_or(0), where, verdict->problem);
  return kExitFailed;
}

}  // namespace dsr::app
