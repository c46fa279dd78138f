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

std::filesystem::path audit_log_key_path(const boost::program_options::variables_map& vm, const DataFiles& files) {
  // On PostgreSQL there is no database file to put it beside: it goes
  // beside the master key, which every node has too.
  return vm.count("log-key-file") ? std::filesystem::path(vm["log-key-file"].as<std::string>())
         : files.on_postgres()    ? files.key.parent_path() / "log.key"
                                  : storage::default_log_key_path(files.db);
}

Result<std::string> audit_log_origin(const boost::program_options::variables_map& vm, StorageBackend& backend,
                                     const std::string& fallback_origin) {
  std::string origin = fallback_origin;
  auto remembered = backend.remembered_verifier_key();
  if (!remembered) return fail(remembered.error());
  if (*remembered) origin = (*remembered)->substr(0, (*remembered)->find('+'));
  if (vm.count("log-origin")) origin = vm["log-origin"].as<std::string>();
  return origin;
}

Result<std::unique_ptr<storage::LogKeyFiles>> open_audit_log_key(const boost::program_options::variables_map& vm,
                                                                 const DataFiles& files, StorageBackend& backend,
                                                                 const std::string& fallback_origin, bool create) {
  auto origin = audit_log_origin(vm, backend, fallback_origin);
  if (!origin) return fail(origin.error());
  auto remembered = backend.remembered_verifier_key();
  if (!remembered) return fail(remembered.error());
  // The key the database says is in force, if it is this origin's: a
  // rotation's successor may still be in log.key.next on this node.
  std::optional<std::string> in_force;
  if (*remembered && (*remembered)->starts_with(*origin + "+")) in_force = **remembered;
  auto keys = storage::LogKeyFiles::open(audit_log_key_path(vm, files), *origin, create, in_force);
  if (!keys) {
    // A retired key in log.key says more than "not the key in force".
    if (in_force) {
      auto plain = storage::LogKey::load(audit_log_key_path(vm, files), *origin, false);
      if (plain) {
        if (Status same = backend.remember_log_key(*plain); !same) return fail(same.error());
      }
    }
    return fail(keys.error());
  }
  if (Status same = backend.remember_log_key(*(*keys)->held()); !same) return fail(same.error());
  return keys;
}

}  // namespace dsr::app
