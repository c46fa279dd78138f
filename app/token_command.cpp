// dsr token create|list|revoke: the bearer tokens of staff and systems.
// A token is printed once, by create; only its keyed hash is kept, so list
// shows ids, never secrets. Revocation reaches a running server within
// TokenAdministration::kRefusedWithin.
#include <boost/json/serialize.hpp>
#include <boost/program_options.hpp>
#include <fmt/format.h>

#include <unistd.h>

#include "api/token_view.hpp"
#include "app/cli.hpp"
#include "app/command_database.hpp"
#include "app/commands.hpp"
#include "app/options.hpp"
#include "storage/token_registry.hpp"

namespace dsr::app {
namespace {

std::string when(const std::optional<TimePoint>& t, std::string_view none) {
  return t ? format_rfc3339(*t) : std::string(none);
}

// The operator who ran the command, for revoked_by.
std::string operator_name() {
  if (const char* user = ::getlogin(); user != nullptr) return fmt::format("cli:{}", user);
  if (const char* user = std::getenv("USER"); user != nullptr) return fmt::format("cli:{}", user);
  return fmt::format("cli:uid-{}", ::getuid());
}

}  // namespace

int token_create_command(const std::vector<std::string>& args) {
  namespace po = boost::program_options;
  po::options_description options(
      "Usage: dsr token create --role ROLE --name NAME [--institution ORG] [--expires-in 90d]\n\n"
      "Prints the new token on stdout, once; its id (for 'dsr token revoke') goes to stderr.\n"
      "Roles: admin, system, verifier, reviewer, supervisor, auditor, institution.\n\nOptions");
  options.add_options()
      ("help,h", "show this help")
      ("role", po::value<std::string>(), "the token's role")
      ("name", po::value<std::string>(), "the principal: a person's or a system's name")
      ("institution", po::value<std::string>(), "for role institution: the organisation whose employees it may see")
      ("expires-in", po::value<std::string>(), "refused after this long: 90d, 12h, 30m (default: until revoked)");
  add_database_options(options);
  auto parsed = parse_options("token create", args, options);
  if (!parsed) return kExitUsage;
  const auto& vm = *parsed;
  if (vm.count("help")) {
    print_help(options);
    return kExitOk;
  }
  for (const char* required : {"role", "name"}) {
    if (!vm.count(required)) {
      fmt::print(stderr, "dsr token create: --{} is required; see 'dsr token create --help'\n", required);
      return kExitUsage;
    }
  }
  auto role = parse_role(vm["role"].as<std::string>());
  if (!role || *role == Role::subject || *role == Role::scheduler) {
    fmt::print(stderr, "dsr token create: unknown role \"{}\" (admin, system, verifier, reviewer, supervisor, "
                       "auditor, institution)\n", vm["role"].as<std::string>());
    return kExitUsage;
  }
  std::string organization = vm.count("institution") ? vm["institution"].as<std::string>() : "";
  if (!organization.empty() && *role != Role::institution) {
    fmt::print(stderr, "dsr token create: --institution goes with --role institution only\n");
    return kExitUsage;
  }
  std::optional<TimePoint> expires_at;
  if (vm.count("expires-in")) {
    auto lifetime = parse_duration(vm["expires-in"].as<std::string>());
    if (!lifetime || lifetime->count() == 0) {
      fmt::print(stderr, "dsr token create: --expires-in \"{}\" is not a duration such as 90d, 12h or 30m\n",
                 vm["expires-in"].as<std::string>());
      return kExitUsage;
    }
    expires_at = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) + *lifetime;
  }
  auto opened = open_command_storage("token create", vm);
  if (auto* exit_code = std::get_if<int>(&opened)) return *exit_code;
  storage::TokenRegistry& tokens = std::get<0>(opened)->ports().tokens;
  auto created = tokens.create_sync({vm["name"].as<std::string>(), *role, organization}, expires_at);
  if (!created) {
    fmt::print(stderr, "dsr token create: {}\n", created.error().message);
    return created.error().code == ErrorCode::invalid_argument ? kExitUsage : kExitFailed;
  }
  fmt::print("{}\n", created->token);
  fmt::print(stderr, "dsr token create: {} for {} ({}), {}\n", created->record.id, created->record.principal.name,
             to_string(*role), expires_at ? "expires " + format_rfc3339(*expires_at) : std::string("until revoked"));
  return kExitOk;
}

int token_list_command(const std::vector<std::string>& args) {
  namespace po = boost::program_options;
  po::options_description options(
      "Usage: dsr token list [--all] [--format text|json]\n\n"
      "The tokens in force (with --all: revoked and expired ones too). Never prints a secret.\n\nOptions");
  options.add_options()
      ("help,h", "show this help")
      ("all", po::bool_switch(), "include revoked and expired tokens")
      ("format", po::value<std::string>()->default_value("text"), "text (a table) or json");
  add_database_options(options);
  auto parsed = parse_options("token list", args, options);
  if (!parsed) return kExitUsage;
  const auto& vm = *parsed;
  if (vm.count("help")) {
    print_help(options);
    return kExitOk;
  }
  const auto& format = vm["format"].as<std::string>();
  if (format != "text" && format != "json") {
    fmt::print(stderr, "dsr token list: --format {} is not text or json\n", format);
    return kExitUsage;
  }
  auto opened = open_command_storage("token list", vm);
  if (auto* exit_code = std::get_if<int>(&opened)) return *exit_code;
  storage::TokenRegistry& registry = std::get<0>(opened)->ports().tokens;
  auto tokens = registry.tokens();
  if (!tokens) {
    fmt::print(stderr, "dsr token list: {}\n", tokens.error().message);
    return kExitFailed;
  }
  TimePoint now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  std::erase_if(*tokens, [&](const TokenRecord& t) { return !vm["all"].as<bool>() && t.status(now) != "active"; });
  if (format == "json") {
    boost::json::array items;
    for (const auto& t : *tokens) items.emplace_back(api::token_view(t, now));
    fmt::print("{}\n", boost::json::serialize(boost::json::object{{"items", std::move(items)}}));
    return kExitOk;
  }
  constexpr auto kRow = "{:<34} {:<20} {:<11} {:<20} {:<8} {:<20} {:<20} {}\n";
  fmt::print(kRow, "ID", "NAME", "ROLE", "INSTITUTION", "STATUS", "CREATED", "LAST USED", "EXPIRES");
  for (const auto& t : *tokens)
    fmt::print(kRow, t.id, t.principal.name, to_string(t.principal.role),
               t.principal.organization.empty() ? "-" : t.principal.organization, t.status(now),
               format_rfc3339(t.created_at), when(t.last_used_at, "never"), when(t.expires_at, "never"));
  return kExitOk;
}

int token_revoke_command(const std::vector<std::string>& args) {
  auto parsed = parse_id_or_name(
      "token revoke", args,
      "Usage: dsr token revoke ID|NAME\n\n"
      "Revokes the token with that id, or every active token of the principal with that name (a member\n"
      "of staff who left). A running server refuses it within 5 seconds.\n\nOptions",
      "give the token's id or its principal's name (see 'dsr token list')");
  if (auto* exit_code = std::get_if<int>(&parsed)) return *exit_code;
  const auto& [vm, which] = std::get<IdOrName>(parsed);
  auto opened = open_command_storage("token revoke", vm);
  if (auto* exit_code = std::get_if<int>(&opened)) return *exit_code;
  storage::TokenRegistry& registry = std::get<0>(opened)->ports().tokens;
  if (auto listed = registry.tokens(); listed) {
    for (const auto& t : *listed)
      if (t.id == which && t.revoked_at) {
        fmt::print("already revoked: {} ({}, {}), at {} by {}\n", t.id, t.principal.name, to_string(t.principal.role),
                   format_rfc3339(*t.revoked_at), t.revoked_by);
        return kExitOk;
      }
  }
  auto revoked = registry.revoke_sync(which, operator_name());
  if (!revoked) {
    fmt::print(stderr, "dsr token revoke: {}\n", revoked.error().message);
    return revoked.error().code == ErrorCode::not_found ? kExitUsage : kExitFailed;
  }
  for (const auto& t : *revoked)
    fmt::print("revoked {} ({}, {})\n", t.id, t.principal.name, to_string(t.principal.role));
  return kExitOk;
}

}  // namespace dsr::app
