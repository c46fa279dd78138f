#include "storage/postgres/pg_staff_certificate_rows.hpp"

#include <fmt/format.h>

#include "storage/sqlite_values.hpp"

namespace dsr::storage::pg {
namespace {

constexpr const char* kColumns =
    "id, principal, role, COALESCE(organization, ''), issuer, serial, COALESCE(fingerprint, ''), "
    "COALESCE(subject, ''), not_after, added_at, added_by, removed_at, COALESCE(removed_by, '')";

Result<StaffCertificate> certificate_at(const Rows& rows, int i) {
  auto role = parse_role(rows.text(i, 2));
  if (!role) return fail(Error::internal("a staff certificate row holds an unknown role"));
  StaffCertificate c;
  c.id = rows.text(i, 0);
  c.principal = {rows.text(i, 1), *role, rows.text(i, 3)};
  c.issuer = rows.text(i, 4);
  c.serial = rows.text(i, 5);
  c.fingerprint = rows.text(i, 6);
  c.subject = rows.text(i, 7);
  c.not_after = optional_time(rows, i, 8);
  c.added_at = from_unix(rows.integer(i, 9));
  c.added_by = rows.text(i, 10);
  c.removed_at = optional_time(rows, i, 11);
  c.removed_by = rows.text(i, 12);
  return c;
}

Param text_or_null(const std::string& s) { return s.empty() ? Param(nullptr) : Param(s); }

}  // namespace

Status PgStaffCertificateRows::insert(const StaffCertificate& c) {
  auto rows = pool_.with([&](Connection& conn) {
    // The partial unique index keeps one mapping in force per issuer and
    // serial: a second inserts nothing, and returns no row.
    return conn.exec(
        "INSERT INTO staff_certificates (id, principal, role, organization, issuer, serial, fingerprint, subject, "
        "not_after, added_at, added_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
        "ON CONFLICT DO NOTHING RETURNING id",
        {c.id, c.principal.name, std::string(to_string(c.principal.role)), text_or_null(c.principal.organization),
         c.issuer, c.serial, text_or_null(c.fingerprint), text_or_null(c.subject),
         c.not_after ? Param(unix_seconds(*c.not_after)) : Param(nullptr), unix_seconds(c.added_at), c.added_by});
  });
  if (!rows) return fail(rows.error());
  if (rows->empty())
    return fail(Error::conflict(fmt::format("the certificate {} of {} is already mapped; remove that mapping first "
                                            "(dsr staff list, dsr staff remove)", c.serial, c.issuer)));
  return ok_status();
}

Result<StaffCertificate> PgStaffCertificateRows::in_force(const std::string& issuer, const std::string& serial) const {
  auto rows = pool_.with([&](Connection& c) {
    return c.exec(fmt::format("SELECT {} FROM staff_certificates WHERE issuer = $1 AND serial = $2 AND removed_at IS NULL",
                              kColumns),
                  {issuer, serial});
  });
  if (!rows) return fail(rows.error());
  if (rows->empty()) return fail(Error::not_found("no member of staff holds this certificate"));
  return certificate_at(*rows, 0);
}

Result<std::vector<StaffCertificate>> PgStaffCertificateRows::all() const {
  auto rows = pool_.with([&](Connection& c) {
    return c.exec(fmt::format("SELECT {} FROM staff_certificates ORDER BY added_at, id", kColumns));
  });
  if (!rows) return fail(rows.error());
  std::vector<StaffCertificate> out;
  for (int i = 0; i < rows->size(); ++i) {
    auto c = certificate_at(*rows, i);
    if (!c) return fail(c.error());
    out.push_back(std::move(*c));
  }
  return out;
}

Result<StaffCertificate> PgStaffCertificateRows::remove(const std::string& id, const std::string& removed_by,
                                                        TimePoint at) {
  auto rows = pool_.with([&](Connection& c) {
    return c.transaction({{"UPDATE staff_certificates SET removed_at = $3, removed_by = $2 "
                           "WHERE id = $1 AND removed_at IS NULL",
                           {id, removed_by, unix_seconds(at)}},
                          {fmt::format("SELECT {} FROM staff_certificates WHERE id = $1", kColumns), {id}}});
  });
  if (!rows) return fail(rows.error());
  if ((*rows)[1].empty()) return fail(Error::not_found("no staff certificate with that id"));
  return certificate_at((*rows)[1], 0);
}

}  // namespace dsr::storage::pg
