#include "storage/log_key_files.hpp"

#include <fmt/format.h>
#include <fmt/std.h>

namespace dsr::storage {

std::filesystem::path next_log_key_path(const std::filesystem::path& file) {
  std::filesystem::path next = file;
  next += ".next";
  return next;
}

Result<std::unique_ptr<LogKeyFiles>> LogKeyFiles::open(std::filesystem::path file, std::string origin, bool create,
                                                       const std::optional<std::string>& in_force) {
  std::unique_ptr<LogKeyFiles> files(new LogKeyFiles(std::move(file), std::move(origin)));
  auto key = LogKey::load(files->file_, files->origin_, create && !in_force);
  if (in_force && (!key || key->verifier_key() != *in_force)) {
    auto found = files->reread(*in_force);
    if (!found) return fail(found.error());
    return files;
  }
  if (!key) return fail(key.error());
  files->held_ = std::make_shared<const LogKey>(std::move(key).value());
  return files;
}

std::shared_ptr<const LogKey> LogKeyFiles::held() const {
  std::lock_guard lock(mutex_);
  return held_;
}

Result<std::shared_ptr<const LogKey>> LogKeyFiles::key_for(const std::optional<std::string>& in_force) const {
  {
    std::lock_guard lock(mutex_);
    if (held_ && (!in_force || held_->verifier_key() == *in_force)) return held_;
  }
  return reread(*in_force);
}

Result<std::shared_ptr<const LogKey>> LogKeyFiles::reread(const std::string& in_force) const {
  std::lock_guard lock(mutex_);
  if (held_ && held_->verifier_key() == in_force) return held_;  // another thread read it meanwhile
  std::vector<std::string> found;
  for (const auto& path : {file_, next_log_key_path(file_)}) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) continue;
    auto key = LogKey::load(path, origin_, false);
    if (!key) return fail(key.error());
    if (key->verifier_key() == in_force) {
      held_ = std::make_shared<const LogKey>(std::move(key).value());
      return held_;
    }
    found.push_back(fmt::format("{} holds key {}", path, key->key_id()));
  }
  std::string held;
  for (const auto& f : found) held += (held.empty() ? "" : ", ") + f;
  return fail(Error::unavailable(fmt::format(
      "the audit log key in force is {} (dsr key rotate-log), and this server's key files do not hold it ({}): copy "
      "the key file that dsr key rotate-log wrote to {} (owner dsr, mode 0600); no restart is needed",
      verifier_key_id(in_force), held.empty() ? "none found" : held, file_)));
}

}  // namespace dsr::storage
