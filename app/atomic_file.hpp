// Writing a whole file or nothing. The content goes to an unnamed file
// (O_TMPFILE) in the target's directory, is flushed, and only then gets a
// name and is renamed over the target: a reader never sees half a file,
// and an error or a crash while writing leaves nothing behind. Where the
// file system has no unnamed files (some network mounts), a named
// temporary file is used instead, removed on every error.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "engine/result.hpp"

namespace dsr::app {

// Creates `path` (mode 0640 unless told: 0600 for a key) or replaces it,
// atomically and durably.
Status write_file_atomically(const std::filesystem::path& path, std::string_view content, mode_t mode = 0640);

// The descriptor of a new unnamed file (mode 0600) in the directory
// `dir_fd`, or -1 with errno set.
int open_unnamed_file(int dir_fd);
// Gives the unnamed file `fd` the name `name` in `dir_fd`; false (errno)
// if the name exists or the link fails.
bool link_unnamed_file(int fd, int dir_fd, const std::string& name);

}  // namespace dsr::app
