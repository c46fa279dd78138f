// The staff certificate mappings on SQLite: reads through the cached read
// connections, writes through the group-commit writer.
#pragma once

#include "storage/database.hpp"
#include "storage/staff_certificates.hpp"

namespace dsr::storage {

class SqliteStaffCertificateRows final : public StaffCertificateRows {
 public:
  explicit SqliteStaffCertificateRows(Database& db) : db_(db) {}

  Status insert(const StaffCertificate& certificate) override;
  Result<StaffCertificate> in_force(const std::string& issuer, const std::string& serial) const override;
  Result<std::vector<StaffCertificate>> all() const override;
  Result<StaffCertificate> remove(const std::string& id, const std::string& removed_by, TimePoint at) override;

 private:
  Database& db_;
};

}  // namespace dsr::storage
