#include "app/cli.hpp"

#include <fmt/format.h>

#include <array>
#include <functional>
#include <string_view>

#include "app/commands.hpp"

namespace dsr::app {

extern const char* const kGitRevision;  // git_revision.cpp, generated at build time

namespace {

struct CommandEntry {
  std::string_view name;  // one or two words
  std::string_view summary;
  std::function<int(const std::vector<std::string>&)> run;
};

const std::array<CommandEntry, 21> kCommands{{
    {"serve", "run the HTTP API (see dsr serve --help)", serve_command},
    {"init", "make a new installation: data directory, master key, database, first admin token", init_command},
    {"config show", "the settings in force and where each came from (flag, environment, file, default)",
     config_show_command},
    {"token create", "make a bearer token for staff or a system (printed once)", token_create_command},
    {"token list", "the tokens in force: id, name, role, last use, expiry (never a secret)", token_list_command},
    {"token revoke", "revoke a token by its id, or every token of a name", token_revoke_command},
    {"staff add", "map a client certificate to a member of staff and a role (dsr serve --client-ca)", staff_add_command},
    {"staff list", "the certificates that sign staff in: id, name, role, serial, issuer", staff_list_command},
    {"staff remove", "remove a certificate mapping by its id, or every one of a name", staff_remove_command},
    {"package verify", "check the signature of an access package", package_verify_command},
    {"backup", "copy the database while it serves, checked before it counts (dsr backup --to FILE)", backup_command},
    {"restore", "put a backup in place of a lost database, into an empty place", restore_command},
    {"log key", "the audit log's verifier key, to check checkpoints and the proofs in access packages", log_key_command},
    {"key rotate-master", "a new master key: every subject's data key wrapped again under it, while dsr serve runs",
     key_rotate_master_command},
    {"key rotate-signing", "a new key to sign access packages; the old one stays listed as retired",
     key_rotate_signing_command},
    {"key rotate-log", "a new key to sign the audit log's checkpoints; the old one stays listed as retired",
     key_rotate_log_command},
    {"audit verify", "check the journal, the audit log's tree and every signed checkpoint; name the first broken one", audit_verify_command},
    {"report sla", "the SLA report for a period: answered on time or late, overdue now", report_sla_command},
    {"retention run", "remove what the retention rules say has served its purpose (codes, payloads, records)",
     retention_run_command},
    {"sla due", "the deadline a policy gives a request received at an instant", sla_due_command},
    {"workflows check", "validate a directory of workflows, SLA policies and calendars", workflows_check_command},
}};

void print_help() {
  fmt::print("dsr {} - a workflow engine for data-subject rights requests\n\n", DSR_VERSION);
  fmt::print("Usage: dsr <command> [options]\n\nCommands:\n");
  for (const auto& c : kCommands) fmt::print("  {:<18} {}\n", c.name, c.summary);
  fmt::print("\n'dsr <command> --help' shows the options of one command.\n");
}

}  // namespace

int run_cli(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_help();
    return args.empty() ? kExitUsage : kExitOk;
  }
  if (args[0] == "--version" || args[0] == "version") {
    fmt::print("dsr {} (git {})\n", DSR_VERSION, kGitRevision);
    return kExitOk;
  }
  for (const auto& c : kCommands) {
    // A command is matched on its words; the rest are its arguments.
    std::size_t words = c.name.find(' ') == std::string_view::npos ? 1 : 2;
    if (args.size() < words) continue;
    std::string given = words == 1 ? args[0] : args[0] + " " + args[1];
    if (given != c.name) continue;
    return c.run(std::vector<std::string>(args.begin() + static_cast<std::ptrdiff_t>(words), args.end()));
  }
  std::string attempted = args.size() > 1 && !args[1].starts_with("-") ? args[0] + " " + args[1] : args[0];
  fmt::print(stderr, "dsr: unknown command \"{}\"; run 'dsr --help' for the list\n", attempted);
  return kExitUsage;
}

}  // namespace dsr::app
