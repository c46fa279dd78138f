#include "storage/sqlite_staff_certificate_rows.hpp"

#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>

#include "storage/sqlite_values.hpp"

namespace dsr::storage {
namespace {

constexpr const char* kColumns =
    "id, principal, role, COALESCE(organization, ''), issuer, serial, COALESCE(fingerprint, ''), "
    "COALESCE(subject, ''), not_after, added_at, added_by, removed_at, COALESCE(removed_by, '')";

std::optional<TimePoint> optional_time(const SQLite::Column& column) {
  if (column.isNull()) return std::nullopt;
  return from_unix(column.getInt64());
}

// A row selected with kColumns.
Result<StaffCertificate> certificate_from(SQLite::Statement& q) {
  auto role = parse_role(q.getColumn(2).getString());
  if (!role) return fail(Error::internal("a staff certificate row holds an unknown role"));
  StaffCertificate c;
  c.id = q.getColumn(0).getString();
  c.principal = {q.getColumn(1).getString(), *role, q.getColumn(3).getString()};
  c.issuer = q.getColumn(4).getString();
  c.serial = q.getColumn(5).getString();
  c.fingerprint = q.getColumn(6).getString();
  c.subject = q.getColumn(7).getString();
  c.not_after = optional_time(q.getColumn(8));
  c.added_at = from_unix(q.getColumn(9).getInt64());
  c.added_by = q.getColumn(10).getString();
  c.removed_at = optional_time(q.getColumn(11));
  c.removed_by = q.getColumn(12).getString();
  return c;
}

}  // namespace

Status SqliteStaffCertificateRows::insert(const StaffCertificate& c) {
  return db_.writer().run([&](WriteConnection& db) -> Status {
    // The partial unique index keeps one mapping in force per issuer and
    // serial; OR IGNORE turns a second into "nothing inserted".
    auto& insert = db.prepared(
        "INSERT OR IGNORE INTO staff_certificates (id, principal, role, organization, issuer, serial, fingerprint, "
        "subject, not_after, added_at, added_by) VALUES (?,?,?,?,?,?,?,?,?,?,?)");
    insert.bind(1, c.id);
    insert.bind(2, c.principal.name);
    insert.bind(3, std::string(to_string(c.principal.role)));
    if (!c.principal.organization.empty()) insert.bind(4, c.principal.organization);
    insert.bind(5, c.issuer);
    insert.bind(6, c.serial);
    if (!c.fingerprint.empty()) insert.bind(7, c.fingerprint);
    if (!c.subject.empty()) insert.bind(8, c.subject);
    if (c.not_after) insert.bind(9, unix_seconds(*c.not_after));
    insert.bind(10, unix_seconds(c.added_at));
    insert.bind(11, c.added_by);
    if (insert.exec() == 0)
      return fail(Error::conflict(fmt::format("the certificate {} of {} is already mapped; remove that mapping first "
                                              "(dsr staff list, dsr staff remove)", c.serial, c.issuer)));
    return ok_status();
  });
}

Result<StaffCertificate> SqliteStaffCertificateRows::in_force(const std::string& issuer, const std::string& serial) const {
  return db_.read_cached("looking up a staff certificate", [&](WriteConnection& db) -> Result<StaffCertificate> {
    auto& q = db.prepared(fmt::format(
        "SELECT {} FROM staff_certificates WHERE issuer = ? AND serial = ? AND removed_at IS NULL", kColumns));
    q.bind(1, issuer);
    q.bind(2, serial);
    if (!q.executeStep()) return fail(Error::not_found("no member of staff holds this certificate"));
    return certificate_from(q);
  });
}

Result<std::vector<StaffCertificate>> SqliteStaffCertificateRows::all() const {
  return db_.read("listing staff certificates", [](SQLite::Database& db) -> Result<std::vector<StaffCertificate>> {
    SQLite::Statement q(db, fmt::format("SELECT {} FROM staff_certificates ORDER BY added_at, id", kColumns));
    std::vector<StaffCertificate> out;
    while (q.executeStep()) {
      auto c = certificate_from(q);
      if (!c) return fail(c.error());
      out.push_back(std::move(*c));
    }
    return out;
  });
}

Result<StaffCertificate> SqliteStaffCertificateRows::remove(const std::string& id, const std::string& removed_by,
                                                            TimePoint at) {
  Result<StaffCertificate> removed = fail(Error::not_found("no staff certificate with that id"));
  Status s = db_.writer().run([&](WriteConnection& db) -> Status {
    auto& update = db.prepared(
        "UPDATE staff_certificates SET removed_at = ?, removed_by = ? WHERE id = ? AND removed_at IS NULL");
    update.bind(1, unix_seconds(at));
    update.bind(2, removed_by);
    update.bind(3, id);
    update.exec();
    auto& q = db.prepared(fmt::format("SELECT {} FROM staff_certificates WHERE id = ?", kColumns));
    q.bind(1, id);
    if (q.executeStep()) removed = certificate_from(q);
    return ok_status();
  });
  if (!s) return fail(s.error());
  return removed;
}

}  // namespace dsr::storage
