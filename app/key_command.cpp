// dsr key rotate-signing: a new package signing key, the old one retired
// (storage/package_signer.hpp).
//
// dsr key rotate-master: a new master key, with every subject's data key and
// the database's purpose keys wrapped again under it, while dsr serve goes
// on working on the same database (storage/master_key_rotation.hpp says
// what the database does; docs/keys.md what an operator does).
//
// The key file is the journal of a rotation: it holds the new key and the
// old one from the first step until every row is under the new key, and
// only then the new key alone. A run that stops anywhere (a crash, a
// kill, a full disk) leaves every row readable with that file, and running
// the command again finishes the rotation it began; it never starts a
// second one before the first is done.
#include <boost/program_options.hpp>
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>

#include "app/atomic_file.hpp"
#include "app/cli.hpp"
#include "app/command_database.hpp"
#include "app/commands.hpp"
#include "app/options.hpp"
#include "storage/master_key_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include "storage/package_signer.hpp"

namespace dsr::app {
namespace {

constexpr std::size_t kDefaultBatch = 500;

// For the crash test (tests/key_rotation_test.sh): the process dies as if
// killed after this many batches, before it can tidy anything up.
std::optional<long> stop_after_batches() {
  const char* given = std::getenv("DSR_TEST_ROTATE_STOP_AFTER_BATCHES");
  if (given == nullptr || *given == '\0') return std::nullopt;
  return std::strtol(given, nullptr, 10);
}

Status write_key_file(const DataFiles& files, const storage::MasterKeySet& keys) {
  return write_file_atomically(files.key, storage::format_master_keys(keys), 0600);
}

// An exclusive lock on a file beside the key file, held for the life of
// the command (released by the kernel if it dies).
class RotationLock {
 public:
  explicit RotationLock(std::string path) : path_(std::move(path)) {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) {
      why_ = std::strerror(errno);
    } else if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      why_ = errno == EWOULDBLOCK ? "it is locked" : std::strerror(errno);
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~RotationLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  RotationLock(const RotationLock&) = delete;
  RotationLock& operator=(const RotationLock&) = delete;
  bool held() const { return fd_ >= 0; }
  const std::string& path() const { return path_; }
  const std::string& why() const { return why_; }

 private:
  std::string path_;
  std::string why_;
  int fd_ = -1;
};

}  // namespace

int key_rotate_master_command(const std::vector<std::string>& args) {
  namespace po = boost::program_options;
  po::options_description options(
      "Usage: dsr key rotate-master [--batch N] [--prepare]\n\n"
      "Makes a new master key and wraps every subject's data key (and the database's own keys) again\n"
      "under it, in batches of N rows, each its own transaction, while dsr serve keeps working. The key\n"
      "file holds the new and the old key until every row is done, then the new key alone. If the\n"
      "command stops half-way, every record stays readable: run it again to finish. With --prepare, it\n"
      "stops once the key file holds both keys (PostgreSQL with several nodes: copy that file to every\n"
      "node, then run the command again). See docs/keys.md.\n"
      "Exit 0: rotated (or prepared). Exit 1: stopped; run again. Exit 2: bad arguments or key file.\n\nOptions");
  options.add_options()
      ("help,h", "show this help")
      ("batch", po::value<std::size_t>()->default_value(kDefaultBatch), "rows per transaction")
      ("prepare", "only write the key file with both keys");
  add_database_options(options);
  auto parsed = parse_options("key rotate-master", args, options);
  if (!parsed) return kExitUsage;
  const auto& vm = *parsed;
  if (vm.count("help")) {
    print_help(options);
    return kExitOk;
  }
  std::size_t batch_size = vm["batch"].as<std::size_t>();
  if (batch_size == 0 || batch_size > 100000) {
    fmt::print(stderr, "dsr key rotate-master: --batch {} is out of range; give 1 to 100000 rows\n", batch_size);
    return kExitUsage;
  }
  auto files = data_files("key rotate-master", vm);
  if (auto* exit_code = std::get_if<int>(&files)) return *exit_code;
  const DataFiles& found = std::get<DataFiles>(files);
  if (auto missing = require_database("key rotate-master", found)) return *missing;
  // One rotation at a time: two would each write a key file of their own,
  // and the key of the one that wrote first would end on no disk, with rows
  // wrapped under it. The key file is read only once the lock is held.
  RotationLock lock(found.key.string() + ".lock");
  if (!lock.held()) {
    fmt::print(stderr, "dsr key rotate-master: another rotation holds {} ({}); wait for it to finish, then run this "
                       "again if it did not\n",
               lock.path(), lock.why());
    return kExitFailed;
  }
  auto loaded = load_command_key("key rotate-master", found);
  if (auto* exit_code = std::get_if<int>(&loaded)) return *exit_code;
  storage::MasterKeySet keys = std::get<storage::MasterKeySet>(loaded);

  // The database is opened with the key file as it is: a key file that is
  // not this database's is refused before anything is written.
  auto opened = open_command_storage("key rotate-master", vm);
  if (auto* exit_code = std::get_if<int>(&opened)) return *exit_code;
  StorageBackend& storage = *std::get<0>(opened);
  const storage::MasterKey& master = storage.master_key();

  if (keys.previous) {
    fmt::print(stderr, "dsr key rotate-master: resuming the rotation from master key {} to {}\n",
               storage::master_key_id(*keys.previous), storage::master_key_id(keys.current));
  } else {
    storage::MasterKeySet rotating{storage::random_key(), keys.current};
    if (Status written = write_key_file(found, rotating); !written) {
      fmt::print(stderr, "dsr key rotate-master: {}; nothing was changed\n", written.error().message);
      return kExitFailed;
    }
    keys = rotating;
    fmt::print(stderr, "dsr key rotate-master: {} now holds the new master key {} and the old key {}\n",
               found.key.string(), storage::master_key_id(keys.current), storage::master_key_id(*keys.previous));
  }
  if (vm.count("prepare")) {
    fmt::print(stderr, "dsr key rotate-master: prepared; copy {} to every node, then run dsr key rotate-master again\n",
               found.key.string());
    return kExitOk;
  }
  if (Status reread = master.reload(); !reread) {
    fmt::print(stderr, "dsr key rotate-master: {}\n", reread.error().message);
    return kExitFailed;
  }
  auto started = std::chrono::steady_clock::now();
  auto rotation = storage.master_key_rotation();
  if (Status announced = rotation->announce(); !announced) {
    fmt::print(stderr, "dsr key rotate-master: announcing the new key: {}; run the command again\n",
               announced.error().message);
    return kExitFailed;
  }
  auto stop_after = stop_after_batches();
  long batches = 0;
  std::size_t rewrapped = 0;
  // Passes from the first row until one finds nothing left: a row skipped
  // by one pass (none should be) is taken by the next.
  for (int pass = 1;; ++pass) {
    std::string after;
    for (;;) {
      auto batch = rotation->rewrap(after, batch_size);
      if (!batch) {
        fmt::print(stderr, "dsr key rotate-master: after {} rows: {}; every record can still be read; run the "
                           "command again to go on\n", rewrapped, batch.error().message);
        return kExitFailed;
      }
      rewrapped += batch->rewrapped;
      if (batch->rewrapped > 0) ++batches;
      if (stop_after && batches >= *stop_after) std::_Exit(137);
      if (batch->rewrapped < batch_size) break;
      after = batch->last_ref;
    }
    auto left = rotation->left_under_other_keys();
    if (!left) {
      fmt::print(stderr, "dsr key rotate-master: {}; run the command again\n", left.error().message);
      return kExitFailed;
    }
    if (*left == 0) break;
    if (pass == 5) {
      fmt::print(stderr, "dsr key rotate-master: {} rows are still under another key after {} passes (is a node "
                         "writing with an old key file?); every record can still be read; run the command again\n",
                 *left, pass);
      return kExitFailed;
    }
  }
  storage::MasterKeySet rotated{keys.current, std::nullopt};
  if (Status written = write_key_file(found, rotated); !written) {
    fmt::print(stderr, "dsr key rotate-master: every row is under the new key, but {}; run the command again\n",
               written.error().message);
    return kExitFailed;
  }
  auto took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  fmt::print("rotated: master key {} is in force; {} subject keys wrapped again in {:.1f} s; the old key {} is "
             "gone from {}\n", storage::master_key_id(keys.current), rewrapped, took,
             storage::master_key_id(*keys.previous), found.key.string());
  return kExitOk;
}

int key_rotate_signing_command(const std::vector<std::string>& args) {
  namespace po = boost::program_options;
  po::options_description options(
      "Usage: dsr key rotate-signing\n\n"
      "Makes a new key to sign access packages, exports, breach letters and authority releases. The old\n"
      "key's secret is destroyed; its public key stays listed as retired (GET /v1/keys/signing), so what\n"
      "it signed still verifies (dsr package verify). A running dsr serve signs with the new key within\n"
      "5 seconds. See docs/keys.md.\n"
      "Exit 0: rotated. Exit 1: not rotated. Exit 2: bad arguments.\n\nOptions");
  options.add_options()("help,h", "show this help");
  add_database_options(options);
  auto parsed = parse_options("key rotate-signing", args, options);
  if (!parsed) return kExitUsage;
  const auto& vm = *parsed;
  if (vm.count("help")) {
    print_help(options);
    return kExitOk;
  }
  auto opened = open_command_storage("key rotate-signing", vm);
  if (auto* exit_code = std::get_if<int>(&opened)) return *exit_code;
  storage::Ed25519Signer& signer = std::get<0>(opened)->package_signer();
  std::string retiring = signer.in_force().key_id;
  auto rotated = signer.rotate(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
  if (!rotated) {
    fmt::print(stderr, "dsr key rotate-signing: {}\n", rotated.error().message);
    return kExitFailed;
  }
  fmt::print("rotated: signing key {} is in force (public key {}); {} is retired\n", rotated->key_id,
             rotated->public_key, retiring);
  return kExitOk;
}

}  // namespace dsr::app
