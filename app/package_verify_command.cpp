// dsr package verify FILE: checks the signature of an access package (or a
// portability export in JSON), with the public key given (as published at
// GET /v1/keys/signing) or, on the server itself, the key in its database.
#include <boost/json/parse.hpp>
#include <boost/program_options.hpp>
#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "api/canonical_json.hpp"
#include "app/cli.hpp"
#include "app/command_database.hpp"
#include "app/commands.hpp"
#include "app/options.hpp"
#include "app/package_log_check.hpp"
#include "storage/database.hpp"
#include "storage/package_signer.hpp"

namespace dsr::app {

int package_verify_command(const std::vector<std::string>& args) {
  namespace po = boost::program_options;
  po::options_description visible(
      "Usage: dsr package verify FILE [--public-key BASE64 | --db PATH] [--log-key VKEY]...\n\n"
      "Checks the signature of an access package or a JSON portability export and, offline, a package's\n"
      "audit_log: the checkpoint's signature by the log key\n"
      "and every event's inclusion proof (docs/audit-log.md).\n"
      "Exit 0: all valid. Exit 1: something does not verify. Exit 2: it could not be checked.\n\nOptions");
  visible.add_options()
      ("help,h", "show this help")
      ("public-key", po::value<std::string>(), "the Ed25519 public key, base64, from GET /v1/keys/signing")
      ("log-key", po::value<std::vector<std::string>>()->composing(),
       "an audit log verifier key you trust (dsr log key, GET /v1/log/key); repeat for keys retired since "
       "(the package's checkpoint names the one that signed it); default: the one in the package, which proves less");
  add_database_options(visible);  // without --public-key: the server's own key
  po::options_description all;
  all.add(visible).add_options()("file", po::value<std::string>());
  po::positional_options_description positional;
  positional.add("file", 1);
  auto parsed = parse_options("package verify", args, all, &positional);
  if (!parsed) return kExitUsage;
  const auto& vm = *parsed;
  if (vm.count("help")) {
    print_help(visible);
    return kExitOk;
  }
  if (!vm.count("file")) {
    fmt::print(stderr, "dsr package verify: give the package file, e.g. 'dsr package verify package.json'\n");
    return kExitUsage;
  }
  std::ifstream in(vm["file"].as<std::string>());
  if (!in) {
    fmt::print(stderr, "dsr package verify: cannot read {}\n", vm["file"].as<std::string>());
    return kExitUsage;
  }
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  auto package = boost::json::parse(text.str(), ec);
  if (ec || !package.is_object() || !package.as_object().contains("signature") ||
      !package.as_object().at("signature").is_string()) {
    fmt::print(stderr, "dsr package verify: {} is not an access package (JSON with a \"signature\")\n",
               vm["file"].as<std::string>());
    return kExitUsage;
  }
  // The key the package names (signing_key_id), in force or retired; a
  // package from before key ids: the key in force.
  const auto* named = package.as_object().if_contains("signing_key_id");
  std::string key_id = named != nullptr && named->is_string() ? std::string(named->as_string()) : "";
  std::string public_key, key_state;
  if (vm.count("public-key")) {
    public_key = vm["public-key"].as<std::string>();
  } else {
    auto opened = open_command_storage("package verify", vm);
    if (auto* exit_code = std::get_if<int>(&opened)) return *exit_code;
    auto keys = std::get<0>(opened)->ports().signer.keys();
    for (const auto& k : keys) {
      if (!key_id.empty() && k.key_id != key_id) continue;
      public_key = k.public_key;
      key_state = k.retired_at ? fmt::format(" (key {}, retired {})", k.key_id, format_rfc3339(*k.retired_at))
                               : fmt::format(" (key {}, in force)", k.key_id);
      break;
    }
    if (public_key.empty()) {
      fmt::print("invalid: the package names signing key {}, which this server never held\n", key_id);
      return kExitFailed;
    }
  }
  auto object = package.as_object();
  std::string signature(object.at("signature").as_string());
  object.erase("signature");
  if (!storage::verify_signature(api::canonical_json(object), signature, public_key)) {
    fmt::print("invalid: the signature does not match this package and key (altered, or signed by another key)\n");
    return kExitFailed;
  }
  std::string request_id = object.contains("request_id") && object.at("request_id").is_string()
                               ? std::string(object.at("request_id").as_string()) : "?";
  // A portability export (dsr-portable-export/v1) is signed the same way.
  fmt::print("ok: the {} of request {} is signed by this key{}\n", object.contains("export") ? "export" : "package",
             request_id, key_state);
  if (!object.contains("audit_log")) return kExitOk;  // a package from before the audit log
  std::vector<std::string> log_keys;
  if (vm.count("log-key")) {
    log_keys = vm["log-key"].as<std::vector<std::string>>();
  } else if (const auto* in_package = object.at("audit_log").as_object().if_contains("verifier_key");
             in_package != nullptr && in_package->is_string()) {
    log_keys.emplace_back(in_package->as_string());
    fmt::print("note: trusting the log key inside the package; give --log-key with one obtained elsewhere to prove more\n");
  }
  auto checked = check_package_log(object, log_keys);
  if (!checked) {
    fmt::print("invalid: {}\n", checked.error().message);
    return checked.error().code == ErrorCode::invalid_argument ? kExitUsage : kExitFailed;
  }
  fmt::print("ok: its {} events are in the audit log, at checkpoint {} signed by {}\n", checked->entries,
             checked->checkpoint_size,
             checked->verifier_key.substr(0, checked->verifier_key.find('+') + 9));
  return kExitOk;
}

}  // namespace dsr::app
