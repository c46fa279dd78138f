// dsr audit verify: checks the journal against the audit log's Merkle tree
// rebuilt from its leaves, and every signed checkpoint against the tree;
// names the first broken event or checkpoint. Opens the database read-only:
// an audit never changes what it audits.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <boost/program_options.hpp>
#include <fmt/format.h>

#include <fstream>
#include <sstream>


#include "app/cli.hpp"
#include "app/command_database.hpp"
#include "storage/sqlite_values.hpp"
#include "app/commands.hpp"
#include "app/options.hpp"
#include "storage/journal.hpp"
#include "storage/log_checkpoints.hpp"
#include "storage/sqlite_error.hpp"

namespace dsr::app {

int audit_verify_command(const std::vector<std::string>& args) {
  namespace po = boost::program_options;
  po::options_description options(
      "Usage: dsr audit verify [--log-key VKEY] [--checkpoint FILE]\n\n"
      "Checks the journal, rebuilds the audit log's Merkle tree from its leaves, and checks every signed\n"
      "checkpoint (signature and root). With --checkpoint, also that the log extends a checkpoint kept from\n"
      "earlier (e.g. from an access package): a rewritten history is caught by it.\n"
      "Exit 0: intact. Exit 1: broken (the first bad event or checkpoint is named). Exit 2: not checked.\n\nOptions");
  options.add_options()
      ("help,h", "show this help")
      ("log-key", po::value<std::string>(), "the log's verifier key to trust (default: the one the database recorded)")
      ("checkpoint", po::value<std::string>(), "a signed checkpoint kept from earlier, to prove the log consistent with");
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
    return storage::verify_journal(db);
  });
  if (!verdict) {
    fmt::print(stderr, "dsr audit verify: {}\n", verdict.error().message);
    return kExitUsage;
  }
  if (!verdict->ok) {
    std::string where = verdict->first_bad_request.empty() ? "" : fmt::format(" (request {})", verdict->first_bad_request);
    fmt::print("broken: event {}{}: {}\n", verdict->first_bad_event.value_or(0), where, verdict->problem);
    return kExitFailed;
  }
  std::string kept_note;
  if (vm.count("checkpoint")) {
    std::ifstream in(vm["checkpoint"].as<std::string>());
    std::stringstream text;
    text << in.rdbuf();
    if (!in) {
      fmt::print(stderr, "dsr audit verify: cannot read the checkpoint file {}\n", vm["checkpoint"].as<std::string>());
      return kExitUsage;
    }
    kept_note = text.str();
  }
  auto checkpoints = storage::guarded("reading the database", [&]() -> Result<storage::CheckpointVerdict> {
    SQLite::Database db(db_path, SQLite::OPEN_READONLY);
    std::string trusted;
    if (vm.count("log-key")) {
      trusted = vm["log-key"].as<std::string>();
    } else if (auto remembered = storage::remembered_verifier_key(db); remembered && *remembered) {
      trusted = **remembered;
    } else {
      SQLite::Statement any(db, "SELECT COUNT(*) FROM log_checkpoints");
      any.executeStep();
      if (any.getColumn(0).getInt64() > 0 || !kept_note.empty())
        return fail(Error::invalid_argument("the database records no log key: give --log-key (dsr log key, or GET "
                                            "/v1/log/key on the server)"));
      return storage::CheckpointVerdict{};
    }
    auto all = storage::verify_checkpoints(db, trusted);
    if (!all || !all->ok || kept_note.empty()) return all;
    auto kept = storage::verify_consistent_with(db, kept_note, trusted);
    if (kept) kept->checkpoints += all->checkpoints;
    return kept;
  });
  if (!checkpoints) {
    fmt::print(stderr, "dsr audit verify: {}\n", checkpoints.error().message);
    return checkpoints.error().code == ErrorCode::forbidden ? kExitFailed : kExitUsage;
  }
  if (!checkpoints->ok) {
    fmt::print("broken: checkpoint {}: {}\n", checkpoints->first_bad_checkpoint.value_or(0), checkpoints->problem);
    return kExitFailed;
  }
  fmt::print("ok: the journal is intact ({} events), and so is the audit log ({} signed checkpoints{})\n",
             verdict->events, checkpoints->checkpoints,
             kept_note.empty() ? "" : ", consistent with the kept one");
  return kExitOk;
}

}  // namespace dsr::app
