// dsr key rotate-log: a new audit log key (the key that signs the log's
// checkpoints), the old one retired with its verifier key kept in the
// database, so that what it signed still verifies (storage/log_key.hpp,
// docs/keys.md).
//
// The successor is written first to log.key.next (the prepared key, which
// --prepare stops at, to be copied to every node), then announced in the
// database in one transaction (the key in force, the old one retired with
// its handover note), then installed as log.key. Each step is atomic, and
// a run that stops between them is finished by running the command again:
// it reads which step was reached from the files and the database. The old
// key's secret is gone once log.key is replaced.
#include <boost/program_options.hpp>
#include <fmt/format.h>
#include <fmt/std.h>
#include <sodium.h>

#include <chrono>
#include <filesystem>

#include "app/atomic_file.hpp"
#include "app/audit_log_key.hpp"
#include "app/cli.hpp"
#include "app/command_database.hpp"
#include "app/commands.hpp"
#include "app/options.hpp"
#include "storage/log_key_files.hpp"
#include "storage/master_key_file.hpp"

namespace dsr::app {
namespace {

// Copies the key file `from` to `to` (atomically, 0600).
Status install_key_file(const std::filesystem::path& from, const std::filesystem::path& to) {
  auto seed = storage::load_key_file(from, "audit log key");
  if (!seed) return fail(seed.error());
  Status written =
      write_file_atomically(to, std::string_view(reinterpret_cast<const char*>(seed->data()), seed->size()), 0600);
  sodium_memzero(seed->data(), seed->size());
  return written;
}

}  // namespace

int key_rotate_log_command(const std::vector<std::string>& args) {
  namespace po = boost::program_options;
  po::options_description options(
      "Usage: dsr key rotate-log [--prepare]\n\n"
      "Makes a new key to sign the audit log's checkpoints. The old key's secret is destroyed; its verifier\n"
      "key stays listed as retired (GET /v1/log/key), so the checkpoints it signed still verify (dsr audit\n"
      "verify), and it signs a handover naming the new key. A running dsr serve signs the next checkpoint\n"
      "with the new key. With several nodes (PostgreSQL): --prepare first, copy log.key.next to every node\n"
      "beside its log.key, then run without --prepare on the same node. See docs/keys.md.\n"
      "Exit 0: rotated (or prepared). Exit 1: not rotated (run again). Exit 2: bad arguments or key file.\n\n"
      "Options");
  options.add_options()("help,h", "show this help")(
      "prepare", po::bool_switch(), "only write the new key to log.key.next, for copying to every node");
  add_database_options(options);
  add_audit_log_options(options);
  auto parsed = parse_options("key rotate-log", args, options);
  if (!parsed) return kExitUsage;
  const auto& vm = *parsed;
  if (vm.count("help")) {
    print_help(options);
    return kExitOk;
  }
  auto files = data_files("key rotate-log", vm);
  if (auto* exit_code = std::get_if<int>(&files)) return *exit_code;
  auto opened = open_command_storage("key rotate-log", vm);
  if (auto* exit_code = std::get_if<int>(&opened)) return *exit_code;
  StorageBackend& backend = *std::get<0>(opened);
  auto said = [](int code, const std::string& message) {
    fmt::print(stderr, "dsr key rotate-log: {}\n", message);
    return code;
  };

  auto remembered = backend.remembered_verifier_key();
  if (!remembered) return said(kExitFailed, remembered.error().message);
  if (!*remembered)
    return said(kExitUsage, "no server has signed for this log yet, so it has no key to rotate; start dsr serve once");
  const std::string in_force = **remembered;
  const std::string origin = in_force.substr(0, in_force.find('+'));
  const std::filesystem::path file = audit_log_key_path(vm, std::get<DataFiles>(files));
  const std::filesystem::path next = storage::next_log_key_path(file);
  std::error_code ec;
  bool have_next = std::filesystem::exists(next, ec);

  auto current = storage::LogKey::load(file, origin, false);
  if (!current) return said(kExitUsage, current.error().message);
  std::optional<storage::LogKey> prepared;
  if (have_next) {
    auto loaded = storage::LogKey::load(next, origin, false);
    if (!loaded) return said(kExitUsage, loaded.error().message);
    prepared = std::move(loaded).value();
  }

  if (current->verifier_key() != in_force) {
    // Announced by an earlier run that stopped before installing the file.
    if (!prepared || prepared->verifier_key() != in_force)
      return said(kExitUsage, fmt::format("the log key in force is {}, and neither {} nor {} holds it: give the "
                                          "log-key-file of this log", storage::verifier_key_id(in_force), file, next));
  } else if (prepared && prepared->verifier_key() == in_force) {
    // Installed by an earlier run that stopped before removing the copy.
    std::filesystem::remove(next, ec);
    fmt::print("rotated already: log key {} is in force\n", current->key_id());
    return kExitOk;
  } else {
    if (!prepared) {
      storage::Key seed = storage::random_key();
      Status written = write_file_atomically(
          next, std::string_view(reinterpret_cast<const char*>(seed.data()), seed.size()), 0600);
      sodium_memzero(seed.data(), seed.size());
      if (!written) return said(kExitFailed, written.error().message);
      auto loaded = storage::LogKey::load(next, origin, false);
      if (!loaded) return said(kExitFailed, loaded.error().message);
      prepared = std::move(loaded).value();
    }
    if (vm["prepare"].as<bool>()) {
      fmt::print("prepared: log key {} in {}; copy it to every node beside its log.key (owner dsr, mode 0600), "
                 "then run dsr key rotate-log (without --prepare) here\n", prepared->key_id(), next);
      return kExitOk;
    }
    // The handover: the log as it is now, signed by both keys, naming the
    // successor; then the successor in force and the old key retired.
    auto at_rotation = backend.current_checkpoint(origin);
    if (!at_rotation) return said(kExitFailed, at_rotation.error().message);
    storage::LogKeyRotation rotation{in_force, prepared->verifier_key(),
                                     storage::handover_note(*at_rotation, *current, *prepared),
                                     std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now())};
    if (Status rotated = backend.rotate_log_key(rotation); !rotated) return said(kExitFailed, rotated.error().message);
  }
  // The successor becomes log.key; the old key's secret is gone with it.
  if (Status installed = install_key_file(next, file); !installed) return said(kExitFailed, installed.error().message);
  std::filesystem::remove(next, ec);
  fmt::print("rotated: log key {} is in force ({}); {} is retired\n", prepared->key_id(), prepared->verifier_key(),
             current->verifier_key() == in_force ? current->key_id() : "the one before");
  return kExitOk;
}

}  // namespace dsr::app
