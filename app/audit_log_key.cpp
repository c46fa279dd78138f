#include "app/audit_log_key.hpp"

#include "app/settings.hpp"
#include "storage/log_checkpoints.hpp"

namespace dsr::app {

void add_audit_log_options(boost::program_options::options_description& options) {
  add_settings(options, {"log-origin", "log-key-file"});
}

std::string origin_from_url(std::string_view url) {
  if (auto scheme = url.find("://"); scheme != std::string_view::npos) url.remove_prefix(scheme + 3);
  url = url.substr(0, url.find('/'));
  return std::string(url) + "/dsr-log";
}

Result<storage::LogKey> open_audit_log_key(const boost::program_options::variables_map& vm, const DataFiles& files,
                                           StorageBackend& backend, const std::string& fallback_origin, bool create) {
  // On PostgreSQL there is no database file to put it beside: it goes
  // beside the master key, which every node has too.
  std::filesystem::path key_file = vm.count("log-key-file") ? std::filesystem::path(vm["log-key-file"].as<std::string>())
                                   : files.on_postgres() ? files.key.parent_path() / "log.key"
                                                         : storage::default_log_key_path(files.db);
  std::string origin = fallback_origin;
  auto remembered = backend.remembered_verifier_key();
  if (!remembered) return fail(remembered.error());
  if (*remembered) origin = (*remembered)->substr(0, (*remembered)->find('+'));
  if (vm.count("log-origin")) origin = vm["log-origin"].as<std::string>();
  auto key = storage::LogKey::load(key_file, origin, create);
  if (!key) return fail(key.error());
  if (Status same = backend.remember_log_key(*key); !same) return fail(same.error());
  return key;
}

}  // namespace dsr::app
