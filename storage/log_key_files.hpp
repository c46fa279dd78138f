// The audit log key as a server holds it: the key file (log.key) and,
// during a rotation, the successor that `dsr key rotate-log` prepared
// beside it (log.key.next). The database says which key is in force
// (storage/log_checkpoints.hpp); whenever it names a key other than the
// one held, the files are read again, so a running server signs with the
// new key from the first checkpoint after a rotation, without a restart.
// A server whose files hold neither key signs nothing (the error says to
// copy the key file), rather than sign with a key that was retired.
//
// Thread-safe.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>

#include "storage/log_key.hpp"

namespace dsr::storage {

class LogKeyFiles final : public LogSigningKeys {
 public:
  // The key in `file` (made if `create` and missing), or, if the database
  // names another key in force, the one in `file`.next that names it.
  static Result<std::unique_ptr<LogKeyFiles>> open(std::filesystem::path file, std::string origin, bool create,
                                                   const std::optional<std::string>& in_force);

  Result<std::shared_ptr<const LogKey>> key_for(const std::optional<std::string>& in_force) const override;
  std::shared_ptr<const LogKey> held() const;
  const std::filesystem::path& file() const { return file_; }

 private:
  LogKeyFiles(std::filesystem::path file, std::string origin) : file_(std::move(file)), origin_(std::move(origin)) {}
  // The key in force read from the files; held from then on.
  Result<std::shared_ptr<const LogKey>> reread(const std::string& in_force) const;

  std::filesystem::path file_;
  std::string origin_;
  mutable std::mutex mutex_;
  mutable std::shared_ptr<const LogKey> held_;  // guarded by mutex_
};

// Where `dsr key rotate-log --prepare` puts the successor: "<file>.next".
std::filesystem::path next_log_key_path(const std::filesystem::path& file);

}  // namespace dsr::storage
