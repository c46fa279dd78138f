#include "app/atomic_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "storage/crypto.hpp"

namespace dsr::app {
namespace {

bool write_all(int fd, std::string_view content) {
  for (std::size_t done = 0; done < content.size();) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// A name for the moment between link and rename: random, so that one left
// by a crash in that moment never stands in the way of a later write.
std::string passing_name(const std::filesystem::path& path) {
  return fmt::format(".{}.{}", path.filename().string(), storage::random_id(12));
}

}  // namespace

int open_unnamed_file(int dir_fd) { return ::openat(dir_fd, ".", O_WRONLY | O_TMPFILE | O_CLOEXEC, 0600); }

// Through /proc, since linkat(AT_EMPTY_PATH) needs a capability dsr should
// not ask for.
bool link_unnamed_file(int fd, int dir_fd, const std::string& name) {
  std::string self = fmt::format("/proc/self/fd/{}", fd);
  return ::linkat(AT_FDCWD, self.c_str(), dir_fd, name.c_str(), AT_SYMLINK_FOLLOW) == 0;
}

Status write_file_atomically(const std::filesystem::path& path, std::string_view content, mode_t mode) {
  auto failed = [&path](const char* doing) {
    return Status(fail(Error::unavailable(fmt::format("cannot write {} ({}: {})", path.string(), doing, std::strerror(errno)))));
  };
  std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return failed("opening its directory");
  // The name the content has before it is renamed over `path`: linked to
  // the unnamed file once written, or a named temporary file from the start.
  std::string temp;
  // An unnamed file is named through /proc (link_unnamed_file): without
  // /proc, or where the file system has no unnamed files, a named one.
  bool proc = ::access("/proc/self/fd", X_OK) == 0;
  int fd = proc ? open_unnamed_file(dir_fd) : -1;
  bool unnamed = fd >= 0;
  if (!unnamed && (!proc || errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
    temp = (dir / ("." + path.filename().string() + ".XXXXXX")).string();
    fd = ::mkstemp(temp.data());
  }
  if (fd < 0) {
    int saved = errno;
    ::close(dir_fd);
    errno = saved;
    return failed("creating a temporary file beside it");
  }
  const char* step = "writing";
  bool ok = ::fchmod(fd, mode) == 0 && write_all(fd, content) && ::fsync(fd) == 0;
  if (ok && unnamed) {
    step = "naming it";
    std::string name = passing_name(path);
    ok = link_unnamed_file(fd, dir_fd, name);
    if (ok) temp = (dir / name).string();
  }
  if (ok) {
    step = "renaming into place";
    ok = ::rename(temp.c_str(), path.c_str()) == 0;
  }
  int saved = errno;
  ::close(fd);
  if (!ok) {
    if (!temp.empty()) ::unlink(temp.c_str());  // never left behind
    ::close(dir_fd);
    errno = saved;
    return failed(step);
  }
  ::fsync(dir_fd);  // the new name
  ::close(dir_fd);
  return ok_status();
}

}  // namespace dsr::app
