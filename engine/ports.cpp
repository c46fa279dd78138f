#include "engine/ports.hpp"

#include <array>
#include <utility>

namespace dsr {
namespace {

constexpr std::array<std::pair<NotificationStatus, std::string_view>, 4> kStatuses{{
    {NotificationStatus::pending, "pending"},
    {NotificationStatus::delivered, "delivered"},
    {NotificationStatus::acknowledged, "acknowledged"},
    {NotificationStatus::failed, "failed"},
}};

}  // namespace

std::string_view to_string(NotificationStatus status) {
  for (const auto& [s, name] : kStatuses)
    if (s == status) return name;
  return "unknown";
}

std::optional<NotificationStatus> parse_notification_status(std::string_view name) {
  for (const auto& [s, n] : kStatuses)
    if (n == name) return s;
  return std::nullopt;
}

}  // namespace dsr

namespace dsr {

std::string_view TokenRecord::status(TimePoint now) const {
  if (revoked_at) return "revoked";
  if (expires_at && *expires_at <= now) return "expired";
  return "active";
}

bool StaffCertificate::matches(const CertificateName& name) const {
  return issuer == name.issuer && serial == name.serial && (fingerprint.empty() || fingerprint == name.fingerprint);
}

std::optional<PolicyVersion> policy_in_force(const std::vector<PolicyVersion>& versions, TimePoint at,
                                             std::string_view language) {
  const PolicyVersion* latest = nullptr;
  for (const auto& v : versions)
    if (v.effective_at <= at && (latest == nullptr || v.effective_at >= latest->effective_at)) latest = &v;
  if (latest == nullptr) return std::nullopt;
  const PolicyVersion* first = nullptr;
  for (const auto& v : versions) {
    if (v.version != latest->version) continue;
    if (v.language == language) return v;
    if (first == nullptr) first = &v;
  }
  return *first;
}

}  // namespace dsr
