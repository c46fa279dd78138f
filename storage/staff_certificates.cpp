#include "storage/staff_certificates.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "storage/crypto.hpp"
#include "storage/sqlite_staff_certificate_rows.hpp"
#include "storage/token_registry.hpp"

namespace dsr::storage {
namespace {

TimePoint now_seconds() { return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()); }

bool lower_hex(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace

StaffCertificates::StaffCertificates(Database& db)
    : StaffCertificates(std::make_unique<SqliteStaffCertificateRows>(db)) {}

Result<StaffCertificate> StaffCertificates::add_sync(StaffCertificate certificate) {
  const Principal& p = certificate.principal;
  if (p.name.empty()) return fail(Error::invalid_argument("a certificate needs a principal name"));
  if (p.role == Role::subject || p.role == Role::scheduler)
    return fail(Error::invalid_argument(fmt::format("no certificate can sign in as the role {}", to_string(p.role))));
  if (p.role == Role::institution && p.organization.empty())
    return fail(Error::invalid_argument("an institution's certificate needs --institution ORGANISATION"));
  if (certificate.issuer.empty()) return fail(Error::invalid_argument("a certificate needs its issuer's name"));
  // Canonical forms only (api/client_certificates.hpp): what the TLS layer
  // looks up is spelt the same way.
  if (!lower_hex(certificate.serial) || (certificate.serial.size() > 1 && certificate.serial.front() == '0'))
    return fail(Error::invalid_argument(fmt::format("\"{}\" is not a canonical serial number", certificate.serial)));
  if (!certificate.fingerprint.empty() && (certificate.fingerprint.size() != 64 || !lower_hex(certificate.fingerprint)))
    return fail(Error::invalid_argument("a fingerprint is 64 lower-case hex digits (SHA-256)"));
  certificate.id = time_ordered_id("crt_");
  certificate.added_at = now_seconds();
  certificate.removed_at.reset();
  certificate.removed_by.clear();
  if (Status s = rows_->insert(certificate); !s) return fail(s.error());
  return certificate;
}

Result<std::vector<StaffCertificate>> StaffCertificates::certificates() const { return rows_->all(); }

Result<std::vector<StaffCertificate>> StaffCertificates::remove_sync(const std::string& id_or_name,
                                                                     const std::string& removed_by) {
  auto all = rows_->all();
  if (!all) return fail(all.error());
  std::vector<std::string> ids;
  for (const auto& c : *all)
    if (c.id == id_or_name) ids = {c.id};
  if (ids.empty())
    for (const auto& c : *all)
      if (c.principal.name == id_or_name && !c.removed_at) ids.push_back(c.id);
  if (ids.empty())
    return fail(Error::not_found(fmt::format("no certificate has the id \"{}\", and none in force the name \"{}\"; "
                                             "see 'dsr staff list'", id_or_name, id_or_name)));
  std::vector<StaffCertificate> removed;
  for (const auto& id : ids) {
    auto r = rows_->remove(id, removed_by, now_seconds());
    if (!r) return fail(r.error());
    removed.push_back(std::move(*r));
  }
  std::lock_guard lock(cache_mutex_);
  ++removals_;
  cache_.clear();  // refused at once in this process
  return removed;
}

Result<Principal> StaffCertificates::staff_for(const CertificateName& certificate) const {
  std::string key = fmt::format("{}\n{}\n{}", certificate.issuer, certificate.serial, certificate.fingerprint);
  auto now = std::chrono::steady_clock::now();
  std::uint64_t removals_before = 0;
  {
    std::lock_guard lock(cache_mutex_);
    if (auto it = cache_.find(key); it != cache_.end() && it->second.until > now) return it->second.principal;
    removals_before = removals_;
  }
  auto found = rows_->in_force(certificate.issuer, certificate.serial);
  if (!found) return fail(found.error());
  if (!found->matches(certificate))
    return fail(Error::not_found("this issuer's serial number is mapped to another certificate (its fingerprint "
                                 "differs)"));
  std::lock_guard lock(cache_mutex_);
  // A removal that committed after the read above must not be undone by
  // remembering what it removed.
  if (removals_ != removals_before) return found->principal;
  if (cache_.size() > 10000) cache_.clear();
  cache_[key] = {found->principal, now + TokenRegistry::kTokenCacheTtl};
  return found->principal;
}

}  // namespace dsr::storage
