// The staff certificate mappings on PostgreSQL (storage/staff_certificates.hpp);
// StaffCertificates checks and caches on top, as on SQLite.
#pragma once

#include "storage/postgres/pg_pool.hpp"
#include "storage/staff_certificates.hpp"

namespace dsr::storage::pg {

class PgStaffCertificateRows final : public StaffCertificateRows {
 public:
  explicit PgStaffCertificateRows(Pool& pool) : pool_(pool) {}

  Status insert(const StaffCertificate& certificate) override;
  Result<StaffCertificate> in_force(const std::string& issuer, const std::string& serial) const override;
  Result<std::vector<StaffCertificate>> all() const override;
  Result<StaffCertificate> remove(const std::string& id, const std::string& removed_by, TimePoint at) override;

 private:
  Pool& pool_;
};

}  // namespace dsr::storage::pg
