#include "app/atomic_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace dsr::app {

Status write_file_atomically(const std::filesystem::path& path, std::string_view content) {
  auto failed = [&path](const char* doing) {
    return Status(fail(Error::unavailable(fmt::format("cannot write {} ({}: {})", path.string(), doing, std::strerror(errno)))));
  };
  std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  std::string temp = (dir / ("." + path.filename().string() + ".XXXXXX")).string();
  int fd = ::mkstemp(temp.data());
  if (fd < 0) return failed("creating a temporary file beside it");
  bool ok = ::fchmod(fd, 0640) == 0;
  for (std::size_t done = 0; ok && done < content.size();) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  int saved = errno;
  ::close(fd);
  if (!ok || ::rename(temp.c_str(), path.c_str()) != 0) {
    if (ok) saved = errno;
    ::unlink(temp.c_str());  // never left behind
    errno = saved;
    return failed(ok ? "renaming into place" : "writing");
  }
  if (int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir_fd >= 0) {
    ::fsync(dir_fd);  // the new name
    ::close(dir_fd);
  }
  return ok_status();
}

}  // namespace dsr::app
