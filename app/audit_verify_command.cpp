// dsr audit verify: checks the journal against the audit log's Merkle tree
// rebuilt from its leaves, and every signed checkpoint against the tree;
// names the first broken event or checkpoint. Opens the database read-only
// (on PostgreSQL, in read-only transactions): an audit never changes what
// it audits.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <boost/program_options.hpp>
#include <fmt/format.h>

#include <algorithm>
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
#include "storage/postgres/pg_audit.hpp"
#include "storage/postgres/pg_audit_log.hpp"
#include "storage/postgres/pg_backend.hpp"

namespace dsr::app {
namespace {

// What the audit reads, from either backend.
class AuditedLog {
 public:
  virtual ~AuditedLog() = default;
  // The journal against its tree, after the master key was checked.
  virtual Result<storage::JournalVerdict> journal() = 0;
  // The log's keys: in force first, then retired (empty: none recorded).
  virtual Result<std::vector<LogKeyListing>> keys() = 0;
  virtual Result<std::int64_t> checkpoint_count() = 0;
  virtual Result<storage::CheckpointVerdict> checkpoints(const std::vector<std::string>& keys) = 0;
  virtual Result<storage::CheckpointVerdict> consistent_with(std::string_view note,
                                                             const std::vector<std::string>& keys) = 0;
  // Entries committed, not yet placed in the log (PostgreSQL's sequencer).
  std::int64_t unsequenced = 0;
};

class SqliteAuditedLog final : public AuditedLog {
 public:
  SqliteAuditedLog(std::string path, const storage::MasterKeySet& key) : path_(std::move(path)), keys_(key) {}
  Result<storage::JournalVerdict> journal() override {
    return read([&](SQLite::Database& db) -> Result<storage::JournalVerdict> {
      if (Status matches = storage::verify_master_key(db, keys_); !matches) return fail(matches.error());
      return storage::verify_journal(db);
    });
  }
  Result<std::vector<LogKeyListing>> keys() override {
    return read([](SQLite::Database& db) { return storage::log_keys(db); });
  }
  Result<std::int64_t> checkpoint_count() override {
    return read([](SQLite::Database& db) -> Result<std::int64_t> {
      return db.execAndGet("SELECT COUNT(*) FROM log_checkpoints").getInt64();
    });
  }
  Result<storage::CheckpointVerdict> checkpoints(const std::vector<std::string>& keys) override {
    return read([&](SQLite::Database& db) { return storage::verify_checkpoints(db, keys); });
  }
  Result<storage::CheckpointVerdict> consistent_with(std::string_view note, const std::vector<std::string>& keys) override {
    return read([&](SQLite::Database& db) { return storage::verify_consistent_with(db, note, keys); });
  }

 private:
  template <class F>
  auto read(F f) -> decltype(f(std::declval<SQLite::Database&>())) {
    return storage::guarded("reading the database", [&] {
      SQLite::Database db(path_, SQLite::OPEN_READONLY);
      return f(db);
    });
  }
  std::string path_;
  storage::MasterKey keys_;
};

class PostgresAuditedLog final : public AuditedLog {
 public:
  PostgresAuditedLog(std::unique_ptr<storage::pg::Connection> c, const storage::MasterKeySet& key)
      : c_(std::move(c)), keys_(key) {}
  Result<storage::JournalVerdict> journal() override {
    if (Status matches = storage::pg::verify_master_key(*c_, keys_); !matches) return fail(matches.error());
    auto verdict = storage::pg::verify_journal(*c_);
    if (!verdict) return fail(verdict.error());
    unsequenced = verdict->unsequenced;
    return verdict->journal;
  }
  Result<std::vector<LogKeyListing>> keys() override { return storage::pg::log_keys(*c_); }
  Result<std::int64_t> checkpoint_count() override {
    auto n = c_->exec("SELECT COUNT(*) FROM log_checkpoints");
    if (!n) return fail(n.error());
    return n->integer(0, 0);
  }
  Result<storage::CheckpointVerdict> checkpoints(const std::vector<std::string>& keys) override {
    return storage::pg::verify_checkpoints(*c_, keys);
  }
  Result<storage::CheckpointVerdict> consistent_with(std::string_view note, const std::vector<std::string>& keys) override {
    return storage::pg::verify_consistent_with(*c_, note, keys);
  }

 private:
  std::unique_ptr<storage::pg::Connection> c_;
  storage::MasterKey keys_;
};

// The log the settings name, or the exit code to return.
std::variant<std::unique_ptr<AuditedLog>, int> open_audited_log(const DataFiles& found, const storage::MasterKeySet& key) {
  if (!found.on_postgres()) return std::make_unique<SqliteAuditedLog>(found.db.string(), key);
  auto c = storage::pg::Connection::open(found.conninfo);
  if (c) {
    if (Status read_only = (*c)->run_script("SET default_transaction_read_only = on"); !read_only)
      c = fail(read_only.error());
  }
  if (!c) {
    fmt::print(stderr, "dsr audit verify: {}: {}\n", found.where(), c.error().message);
    return kExitUsage;
  }
  return std::make_unique<PostgresAuditedLog>(std::move(c).value(), key);
}

}  // namespace

int audit_verify_command(const std::vector<std::string>& args) {
  namespace po = boost::program_options;
  po::options_description options(
      "Usage: dsr audit verify [--log-key VKEY]... [--checkpoint FILE]\n\n"
      "Checks the journal, rebuilds the audit log's Merkle tree from its leaves, and checks every signed\n"
      "checkpoint (signature and root), each with the log key its signature names, in force or retired\n"
      "(dsr key rotate-log), and each retired key's handover to its successor. With --checkpoint, also that\n"
      "the log extends a checkpoint kept from earlier (e.g. from an access package): a rewritten history is\n"
      "caught by it.\n"
      "Exit 0: intact. Exit 1: broken (the first bad event or checkpoint is named). Exit 2: not checked.\n\nOptions");
  options.add_options()
      ("help,h", "show this help")
      ("log-key", po::value<std::vector<std::string>>()->composing(),
       "a verifier key of the log to trust; repeat for each key the log has had (default: the keys the database "
       "recorded, in force and retired)")
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
  auto opened = open_audited_log(found, std::get<storage::MasterKeySet>(key));
  if (auto* exit_code = std::get_if<int>(&opened)) return *exit_code;
  AuditedLog& log = *std::get<0>(opened);
  auto verdict = log.journal();
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
  auto checkpoints = [&]() -> Result<storage::CheckpointVerdict> {
    std::vector<std::string> trusted;
    if (vm.count("log-key")) {
      trusted = vm["log-key"].as<std::vector<std::string>>();
      // A trusted key's handover, signed by it, vouches for its successor
      // (docs/audit-log.md): an auditor holding only an old key follows
      // the rotations since.
      auto listed = log.keys();
      if (!listed) return fail(listed.error());
      for (bool followed = true; followed;) {
        followed = false;
        for (std::size_t i = 1; i < listed->size(); ++i) {
          const auto& retired = (*listed)[i];
          const std::string& successor = (*listed)[i - 1].verifier_key;
          if (std::find(trusted.begin(), trusted.end(), retired.verifier_key) == trusted.end() ||
              std::find(trusted.begin(), trusted.end(), successor) != trusted.end())
            continue;
          if (auto problem = storage::handover_problem(retired, successor)) {
            storage::CheckpointVerdict broken;
            broken.ok = false;
            broken.problem = *problem;
            return broken;
          }
          fmt::print("note: log key {} handed over to {} at {} (its handover is signed by both)\n", retired.key_id,
                     (*listed)[i - 1].key_id, format_rfc3339(*retired.retired_at));
          trusted.push_back(successor);
          followed = true;
        }
      }
    } else if (auto listed = log.keys(); !listed) {
      return fail(listed.error());
    } else if (!listed->empty()) {
      trusted = storage::verifier_keys(*listed);
      // Each retired key handed over to the key after it.
      if (auto problem = storage::handover_chain_problem(*listed)) {
        storage::CheckpointVerdict broken;
        broken.ok = false;
        broken.problem = *problem;
        return broken;
      }
    } else {
      auto any = log.checkpoint_count();
      if (!any) return fail(any.error());
      if (*any > 0 || !kept_note.empty())
        return fail(Error::invalid_argument("the database records no log key: give --log-key (dsr log key, or GET "
                                            "/v1/log/key on the server)"));
      return storage::CheckpointVerdict{};
    }
    auto all = log.checkpoints(trusted);
    if (!all || !all->ok || kept_note.empty()) return all;
    auto kept = log.consistent_with(kept_note, trusted);
    if (kept) kept->checkpoints += all->checkpoints;
    return kept;
  }();
  if (!checkpoints) {
    fmt::print(stderr, "dsr audit verify: {}\n", checkpoints.error().message);
    return checkpoints.error().code == ErrorCode::forbidden ? kExitFailed : kExitUsage;
  }
  if (!checkpoints->ok) {
    if (checkpoints->first_bad_checkpoint)
      fmt::print("broken: checkpoint {}: {}\n", *checkpoints->first_bad_checkpoint, checkpoints->problem);
    else
      fmt::print("broken: {}\n", checkpoints->problem);
    return kExitFailed;
  }
  fmt::print("ok: the journal is intact ({} events), and so is the audit log ({} signed checkpoints{})\n",
             verdict->events, checkpoints->checkpoints,
             kept_note.empty() ? "" : ", consistent with the kept one");
  if (log.unsequenced > 0)
    fmt::print("{} newer events are not in the audit log yet: a running dsr serve places them within seconds\n",
               log.unsequenced);
  return kExitOk;
}

}  // namespace dsr::app
