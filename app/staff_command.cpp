// dsr staff add|list|remove: client certificates that sign members of
// staff in (dsr serve --client-ca; docs/deployment.md). A certificate is
// mapped from its file (issuer, serial and SHA-256 fingerprint: that
// certificate and no other) or by its issuer and serial (whatever the
// issuer gave that serial, e.g. before the holder has it). The principal's
// name defaults to the certificate's subject CN. A removal reaches a
// running server within TokenAdministration::kRefusedWithin.
#include <boost/program_options.hpp>
#include <fmt/format.h>

#include <unistd.h>

#include <cstdlib>

#include "api/client_certificates.hpp"
#include "app/cli.hpp"
#include "app/command_database.hpp"
#include "app/commands.hpp"
#include "app/options.hpp"
#include "storage/staff_certificates.hpp"

namespace dsr::app {
namespace {

// The operator who ran the command, for added_by and removed_by.
std::string operator_name() {
  if (const char* user = ::getlogin(); user != nullptr) return fmt::format("cli:{}", user);
  if (const char* user = std::getenv("USER"); user != nullptr) return fmt::format("cli:{}", user);
  return fmt::format("cli:uid-{}", ::getuid());
}

std::string shown(const std::string& s) { return s.empty() ? "-" : s; }

}  // namespace

int staff_add_command(const std::vector<std::string>& args) {
  namespace po = boost::program_options;
  po::options_description options(
      "Usage: dsr staff add --cert FILE --role ROLE [--name NAME] [--institution ORG]\n"
      "       dsr staff add --issuer DN --serial HEX --role ROLE --name NAME [--institution ORG]\n\n"
      "Maps a client certificate to a member of staff: on a server with --client-ca, a connection\n"
      "presenting it is that principal, with no token. From its file (--cert, PEM) it matches that\n"
      "certificate only; by issuer and serial, whatever certificate the issuer gave that serial.\n"
      "The name defaults to the certificate's subject CN. Print a certificate's issuer and serial with:\n"
      "  openssl x509 -in CERT.pem -noout -issuer -serial -nameopt RFC2253\n"
      "Roles: admin, system, verifier, reviewer, supervisor, auditor, institution.\n\nOptions");
  options.add_options()
      ("help,h", "show this help")
      ("cert", po::value<std::string>(), "the certificate (PEM)")
      ("issuer", po::value<std::string>(), "the issuer's DN (RFC 2253, e.g. \"CN=Staff CA,O=BSrE,C=ID\"), with --serial")
      ("serial", po::value<std::string>(), "the certificate's serial number in hex, with --issuer")
      ("role", po::value<std::string>(), "the role it signs in as")
      ("name", po::value<std::string>(), "the principal (default with --cert: the subject's CN)")
      ("institution", po::value<std::string>(), "for role institution: the organisation whose employees it may see");
  add_database_options(options);
  auto parsed = parse_options("staff add", args, options);
  if (!parsed) return kExitUsage;
  const auto& vm = *parsed;
  if (vm.count("help")) {
    print_help(options);
    return kExitOk;
  }
  bool by_file = vm.count("cert") > 0;
  bool by_name = vm.count("issuer") > 0 || vm.count("serial") > 0;
  if (by_file == by_name) {
    fmt::print(stderr, "dsr staff add: give --cert FILE, or --issuer DN and --serial HEX; see 'dsr staff add --help'\n");
    return kExitUsage;
  }
  if (by_name && (!vm.count("issuer") || !vm.count("serial"))) {
    fmt::print(stderr, "dsr staff add: --issuer and --serial go together\n");
    return kExitUsage;
  }
  if (!vm.count("role")) {
    fmt::print(stderr, "dsr staff add: --role is required; see 'dsr staff add --help'\n");
    return kExitUsage;
  }
  auto role = parse_role(vm["role"].as<std::string>());
  if (!role || *role == Role::subject || *role == Role::scheduler) {
    fmt::print(stderr, "dsr staff add: unknown role \"{}\" (admin, system, verifier, reviewer, supervisor, auditor, "
                       "institution)\n", vm["role"].as<std::string>());
    return kExitUsage;
  }
  std::string organization = vm.count("institution") ? vm["institution"].as<std::string>() : "";
  if (!organization.empty() && *role != Role::institution) {
    fmt::print(stderr, "dsr staff add: --institution goes with --role institution only\n");
    return kExitUsage;
  }
  StaffCertificate certificate;
  certificate.principal = {vm.count("name") ? vm["name"].as<std::string>() : "", *role, organization};
  certificate.added_by = operator_name();
  if (by_file) {
    auto facts = api::read_certificate_file(vm["cert"].as<std::string>());
    if (!facts) {
      fmt::print(stderr, "dsr staff add: {}\n", facts.error().message);
      return kExitUsage;
    }
    certificate.issuer = facts->issuer;
    certificate.serial = facts->serial;
    certificate.fingerprint = facts->fingerprint;
    certificate.subject = facts->subject;
    certificate.not_after = facts->not_after;
    if (certificate.principal.name.empty()) certificate.principal.name = facts->common_name;
    if (certificate.principal.name.empty()) {
      fmt::print(stderr, "dsr staff add: the certificate's subject has no CN; give --name\n");
      return kExitUsage;
    }
    if (facts->not_after <= std::chrono::system_clock::now())
      fmt::print(stderr, "dsr staff add: note: this certificate expired at {}; it signs no one in until renewed\n",
                 format_rfc3339(facts->not_after));
  } else {
    auto issuer = api::canonical_dn(vm["issuer"].as<std::string>());
    if (!issuer) {
      fmt::print(stderr, "dsr staff add: --issuer \"{}\" is not a DN such as \"CN=Staff CA,O=BSrE,C=ID\"\n",
                 vm["issuer"].as<std::string>());
      return kExitUsage;
    }
    auto serial = api::canonical_serial(vm["serial"].as<std::string>());
    if (!serial) {
      fmt::print(stderr, "dsr staff add: --serial \"{}\" is not a hexadecimal serial number such as 1A2B3C\n",
                 vm["serial"].as<std::string>());
      return kExitUsage;
    }
    if (certificate.principal.name.empty()) {
      fmt::print(stderr, "dsr staff add: --name is required with --issuer and --serial\n");
      return kExitUsage;
    }
    certificate.issuer = *issuer;
    certificate.serial = *serial;
  }
  auto opened = open_command_storage("staff add", vm);
  if (auto* exit_code = std::get_if<int>(&opened)) return *exit_code;
  auto added = std::get<0>(opened)->ports().staff_certificates.add_sync(std::move(certificate));
  if (!added) {
    fmt::print(stderr, "dsr staff add: {}\n", added.error().message);
    return added.error().code == ErrorCode::invalid_argument || added.error().code == ErrorCode::conflict ? kExitUsage
                                                                                                         : kExitFailed;
  }
  fmt::print("{}\n", added->id);
  fmt::print(stderr, "dsr staff add: {} signs in {} ({}{}): serial {} of {}{}\n", added->id, added->principal.name,
             to_string(added->principal.role),
             added->principal.organization.empty() ? "" : ", " + added->principal.organization, added->serial,
             added->issuer, added->fingerprint.empty() ? "" : ", SHA-256 " + added->fingerprint);
  return kExitOk;
}

int staff_list_command(const std::vector<std::string>& args) {
  namespace po = boost::program_options;
  po::options_description options(
      "Usage: dsr staff list [--all]\n\n"
      "The certificates that sign staff in (with --all: removed ones too).\n\nOptions");
  options.add_options()("help,h", "show this help")("all", po::bool_switch(), "include removed mappings");
  add_database_options(options);
  auto parsed = parse_options("staff list", args, options);
  if (!parsed) return kExitUsage;
  const auto& vm = *parsed;
  if (vm.count("help")) {
    print_help(options);
    return kExitOk;
  }
  auto opened = open_command_storage("staff list", vm);
  if (auto* exit_code = std::get_if<int>(&opened)) return *exit_code;
  auto listed = std::get<0>(opened)->ports().staff_certificates.certificates();
  if (!listed) {
    fmt::print(stderr, "dsr staff list: {}\n", listed.error().message);
    return kExitFailed;
  }
  constexpr auto kRow = "{:<34} {:<20} {:<11} {:<16} {:<8} {:<20} {:<24} {}\n";
  fmt::print(kRow, "ID", "NAME", "ROLE", "INSTITUTION", "STATUS", "EXPIRES", "SERIAL", "ISSUER");
  for (const auto& c : *listed) {
    if (c.removed_at && !vm["all"].as<bool>()) continue;
    fmt::print(kRow, c.id, c.principal.name, to_string(c.principal.role), shown(c.principal.organization),
               c.removed_at ? "removed" : "active", c.not_after ? format_rfc3339(*c.not_after) : "-", c.serial,
               c.issuer);
  }
  return kExitOk;
}

int staff_remove_command(const std::vector<std::string>& args) {
  auto parsed = parse_id_or_name(
      "staff remove", args,
      "Usage: dsr staff remove ID|NAME\n\n"
      "Removes the certificate mapping with that id, or every one of the principal with that name (a\n"
      "member of staff who left). A running server refuses the certificate within 5 seconds. To refuse a\n"
      "certificate everywhere, have its issuer revoke it: the server reads the CRL file again when it changes.\n\n"
      "Options",
      "give the mapping's id or its principal's name (see 'dsr staff list')");
  if (auto* exit_code = std::get_if<int>(&parsed)) return *exit_code;
  const auto& [vm, which] = std::get<IdOrName>(parsed);
  auto opened = open_command_storage("staff remove", vm);
  if (auto* exit_code = std::get_if<int>(&opened)) return *exit_code;
  auto removed = std::get<0>(opened)->ports().staff_certificates.remove_sync(which, operator_name());
  if (!removed) {
    fmt::print(stderr, "dsr staff remove: {}\n", removed.error().message);
    return removed.error().code == ErrorCode::not_found ? kExitUsage : kExitFailed;
  }
  for (const auto& c : *removed)
    fmt::print("removed {} ({}, {}): serial {} of {}\n", c.id, c.principal.name, to_string(c.principal.role), c.serial,
               c.issuer);
  return kExitOk;
}

}  // namespace dsr::app
