// dsr audit verify: recomputes the journal's hash chain, checks its sealed
// head and the request rows, and names the first broken event. Opens the
// database read-only: an audit never changes what it audits.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <boost/program_options.hpp>
#include <fmt/format.h>


#include "app/cli.hpp"
#include "app/command_database.hpp"
#include "storage/sqlite_values.hpp"
#include "app/commands.hpp"
#include "app/options.hpp"
#include "storage/journal.hpp"
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
  auto files = data_files("audit verify", vm);
  if (auto* exit_code = std::get_if<int>(&files)) return *exit_code;
  const DataFiles& found = std::get<DataFiles>(files);
  if (auto missing = require_database("audit verify", found)) return *missing;
  auto key = load_command_key("audit verify", found);
  if (auto* exit_code = std::get_if<int>(&key)) return *exit_code;
  storage::MasterKey keys(std::get<storage::Key>(key));
  const std::string db_path = found.db.string();
  auto verdict = storage::guarded("reading the database", [&]() -> Result<storage::JournalVerdict> {
    SQLite::Database db(db_path, SQLite::OPEN_READONLY);
    if (Status matches = storage::verify_master_key(db, keys); !matches) return fail(matches.error());
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
