// StaffCertificates: the client certificates mapped to members of staff
// (dsr staff add|list|remove), on either backend. The TLS layer verifies a
// certificate (chain, expiry, revocation); this says whose it is.
//
// A mapping is looked up on every request of a connection that presented
// one, so a successful lookup is remembered for
// TokenRegistry::kTokenCacheTtl: a mapping removed by another process
// (`dsr staff remove` beside a running server) is refused within
// TokenAdministration::kRefusedWithin. A removal through this object takes
// effect at once in this process.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/ports.hpp"
#include "engine/result.hpp"

namespace dsr::storage {

class Database;

// Where a backend keeps the mappings.
class StaffCertificateRows {
 public:
  virtual ~StaffCertificateRows() = default;
  // Stores a new mapping; conflict if one in force already maps its issuer
  // and serial.
  virtual Status insert(const StaffCertificate& certificate) = 0;
  // The mapping in force for this issuer and serial; not_found if none.
  virtual Result<StaffCertificate> in_force(const std::string& issuer, const std::string& serial) const = 0;
  // Every mapping, removed ones included, oldest first.
  virtual Result<std::vector<StaffCertificate>> all() const = 0;
  // Marks the mapping `id` removed unless it already is; the row as it is
  // now, not_found if there is none.
  virtual Result<StaffCertificate> remove(const std::string& id, const std::string& removed_by, TimePoint at) = 0;
};

class StaffCertificates final : public StaffCertificateDirectory {
 public:
  explicit StaffCertificates(std::unique_ptr<StaffCertificateRows> rows) : rows_(std::move(rows)) {}
  // On SQLite.
  explicit StaffCertificates(Database& db);

  // Maps a certificate (issuer, serial, and the rest if known) to its
  // principal; fills in the id and the time. invalid_argument for a
  // mapping that cannot sign anyone in, conflict for one already mapped.
  Result<StaffCertificate> add_sync(StaffCertificate certificate);
  // Every mapping ever made, oldest first.
  Result<std::vector<StaffCertificate>> certificates() const;
  // Removes the mapping with this id, or else every mapping in force of
  // the principal with this name; not_found if neither matches.
  Result<std::vector<StaffCertificate>> remove_sync(const std::string& id_or_name, const std::string& removed_by);

  Result<Principal> staff_for(const CertificateName& certificate) const override;

 private:
  struct Remembered {
    Principal principal;
    std::chrono::steady_clock::time_point until;
  };

  std::unique_ptr<StaffCertificateRows> rows_;
  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<std::string, Remembered> cache_;  // by issuer, serial and fingerprint; guarded
  mutable std::uint64_t removals_ = 0;                         // guarded by cache_mutex_
};

}  // namespace dsr::storage
