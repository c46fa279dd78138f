// dsr package verify FILE: checks the signature of an access package, with
// the public key given (as published at GET /v1/keys/signing) or, on the
// server itself, the key in its database.
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
#include "storage/database.hpp"
#include "storage/package_signer.hpp"

namespace dsr::app {

int package_verify_command(const std::vector<std::string>& args) {
  namespace po = boost::program_options;
  po::options_description visible("Usage: dsr package verify FILE [--public-key BASE64 | --db PATH --key-file PATH]\n\n"
                                  "Exit 0: the signature is valid. Exit 1: it is not. Exit 2: it could not be checked.\n\nOptions");
  visible.add_options()
      ("help,h", "show this help")
      ("public-key", po::value<std::string>(), "the Ed25519 public key, base64, from GET /v1/keys/signing");
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
  std::string public_key;
  if (vm.count("public-key")) {
    public_key = vm["public-key"].as<std::string>();
  } else {
    auto db = open_command_database("package verify", vm);
    if (auto* exit_code = std::get_if<int>(&db)) return *exit_code;
    auto signer = storage::Ed25519Signer::open(*std::get<0>(db));
    if (!signer) {
      fmt::print(stderr, "dsr package verify: {}\n", signer.error().message);
      return kExitUsage;
    }
    public_key = (*signer)->public_key();
  }
  auto object = package.as_object();
  std::string signature(object.at("signature").as_string());
  object.erase("signature");
  if (storage::verify_signature(api::canonical_json(object), signature, public_key)) {
    fmt::print("ok: the package of request {} is signed by this key\n",
               object.contains("request_id") && object.at("request_id").is_string()
                   ? std::string(object.at("request_id").as_string()) : "?");
    return kExitOk;
  }
  fmt::print("invalid: the signature does not match this package and key (altered, or signed by another key)\n");
  return kExitFailed;
}

}  // namespace dsr::app
