#include "storage/master_key_file.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
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

Result<Key> load_key_file(const std::filesystem::path& path, std::string_view what) {
  struct stat info{};
  if (::stat(path.c_str(), &info) != 0) return fail(io_error(fmt::format("cannot read the {} file", what), path));
  if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0)
    return fail(Error::forbidden(fmt::format(
        "the {} file {} can be read by others (mode {:o}); run 'chmod 600 {}' and start again", what, path,
        info.st_mode & 0777, path.string())));
  if (info.st_size != static_cast<off_t>(kKeySize))
    return fail(Error::invalid_argument(fmt::format(
        "the {} file {} holds {} bytes, not {}: it is not a dsr {}", what, path, info.st_size, kKeySize, what)));
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(io_error(fmt::format("cannot open the {} file", what), path));
  Key key{};
  bool read_all = ::read(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size());
  ::close(fd);
  if (!read_all) return fail(io_error(fmt::format("cannot read the {} file", what), path));
  return key;
}

Result<Key> load_or_create_master_key(const std::filesystem::path& path) {
  return load_or_create_key_file(path, "master key");
}

Result<Key> load_master_key(const std::filesystem::path& path) { return load_key_file(path, "master key"); }

}  // namespace dsr::storage
