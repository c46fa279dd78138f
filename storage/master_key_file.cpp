#include "storage/master_key_file.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>
#include <fmt/format.h>
#include <fmt/std.h>

namespace dsr::storage {
namespace {

Error io_error(std::string what, const std::filesystem::path& path) {
  return Error::unavailable(fmt::format("{} {}: {}", what, path, std::strerror(errno)));
}

Result<Key> create(const std::filesystem::path& path, std::string_view what) {
  std::error_code ec;
  // A directory made for the key is private to its owner.
  if (path.has_parent_path() && std::filesystem::create_directories(path.parent_path(), ec))
    std::filesystem::permissions(path.parent_path(), std::filesystem::perms::owner_all, ec);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return fail(io_error(fmt::format("cannot create the {} file", what), path));
  Key key = random_key();
  bool written = ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size());
  bool synced = written && ::fsync(fd) == 0;
  ::close(fd);
  if (!synced) {
    ::unlink(path.c_str());
    return fail(io_error(fmt::format("cannot write the {} file", what), path));
  }
  return key;
}

}  // namespace

Result<Key> load_or_create_key_file(const std::filesystem::path& path, std::string_view what) {
  struct stat info{};
  if (::stat(path.c_str(), &info) != 0 && errno == ENOENT) return create(path, what);
  return load_key_file(path, what);
}

namespace {

// The file's bytes, refused if others may read it or if it is larger than
// any key file.
Result<std::string> read_private_file(const std::filesystem::path& path, std::string_view what) {
  struct stat info{};
  if (::stat(path.c_str(), &info) != 0) return fail(io_error(fmt::format("cannot read the {} file", what), path));
  if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0)
    return fail(Error::forbidden(fmt::format(
        "the {} file {} can be read by others (mode {:o}); run 'chmod 600 {}' and start again", what, path,
        info.st_mode & 0777, path.string())));
  if (info.st_size > 4096)
    return fail(Error::invalid_argument(fmt::format("the {} file {} holds {} bytes: it is not a dsr {}", what, path,
                                                    info.st_size, what)));
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(io_error(fmt::format("cannot open the {} file", what), path));
  std::string bytes(static_cast<std::size_t>(info.st_size), '\0');
  bool read_all = ::read(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size());
  ::close(fd);
  if (!read_all) return fail(io_error(fmt::format("cannot read the {} file", what), path));
  return bytes;
}

std::optional<Key> key_from_hex(std::string_view hex) {
  Key key{};
  std::size_t written = 0;
  if (hex.size() != 2 * kKeySize ||
      sodium_hex2bin(key.data(), key.size(), hex.data(), hex.size(), nullptr, &written, nullptr) != 0 ||
      written != kKeySize)
    return std::nullopt;
  return key;
}

constexpr std::string_view kKeySetHeader = "dsr master keys v1";

}  // namespace

Result<Key> load_key_file(const std::filesystem::path& path, std::string_view what) {
  auto bytes = read_private_file(path, what);
  if (!bytes) return fail(bytes.error());
  if (bytes->size() != kKeySize)
    return fail(Error::invalid_argument(fmt::format(
        "the {} file {} holds {} bytes, not {}: it is not a dsr {}", what, path, bytes->size(), kKeySize, what)));
  Key key{};
  std::copy(bytes->begin(), bytes->end(), key.begin());
  sodium_memzero(bytes->data(), bytes->size());
  return key;
}

Result<MasterKeySet> load_master_keys(const std::filesystem::path& path) {
  auto bytes = read_private_file(path, "master key");
  if (!bytes) return fail(bytes.error());
  if (bytes->size() == kKeySize) {
    MasterKeySet keys;
    std::copy(bytes->begin(), bytes->end(), keys.current.begin());
    sodium_memzero(bytes->data(), bytes->size());
    return keys;
  }
  auto not_a_key_file = [&](std::string_view why) {
    return fail(Error::invalid_argument(fmt::format(
        "the master key file {} is not a dsr master key ({}): it holds 32 bytes, or the text dsr key rotate-master "
        "writes", path, why)));
  };
  std::istringstream lines(*bytes);
  sodium_memzero(bytes->data(), bytes->size());
  std::string line;
  if (!std::getline(lines, line) || line != kKeySetHeader) return not_a_key_file("no 'dsr master keys v1' line");
  std::optional<Key> current, previous;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    auto space = line.find(' ');
    std::string name = line.substr(0, space);
    auto key = space == std::string::npos ? std::nullopt : key_from_hex(std::string_view(line).substr(space + 1));
    sodium_memzero(line.data(), line.size());
    if (!key) return not_a_key_file(fmt::format("the line '{}' has no key of 64 hex digits", name));
    if (name == "current" && !current) current = key;
    else if (name == "previous" && !previous) previous = key;
    else return not_a_key_file(fmt::format("unexpected line '{}'", name));
  }
  if (!current) return not_a_key_file("no current key");
  return MasterKeySet{*current, previous};
}

std::string format_master_keys(const MasterKeySet& keys) {
  std::string out = fmt::format("{}\ncurrent {}\n", kKeySetHeader, to_hex(keys.current));
  if (keys.previous) out += fmt::format("previous {}\n", to_hex(*keys.previous));
  return out;
}

Result<Key> load_or_create_master_key(const std::filesystem::path& path) {
  return load_or_create_key_file(path, "master key");
}

Result<Key> load_master_key(const std::filesystem::path& path) { return load_key_file(path, "master key"); }

}  // namespace dsr::storage
