#include "engine/role.hpp"

#include <array>

namespace dsr {
namespace {

struct RoleName {
  Role role;
  std::string_view name;
};

constexpr std::array<RoleName, 9> kRoles{{
    {Role::admin, "admin"},
    {Role::system, "system"},
    {Role::verifier, "verifier"},
    {Role::reviewer, "reviewer"},
    {Role::supervisor, "supervisor"},
    {Role::auditor, "auditor"},
    {Role::institution, "institution"},
    {Role::subject, "subject"},
    {Role::scheduler, "scheduler"},
}};

constexpr std::array<Role, 9> kAll = [] {
  std::array<Role, 9> roles{};
  for (std::size_t i = 0; i < kRoles.size(); ++i) roles[i] = kRoles[i].role;
  return roles;
}();

}  // namespace

std::string_view to_string(Role role) {
  for (const auto& r : kRoles)
    if (r.role == role) return r.name;
  return "unknown";
}

std::optional<Role> parse_role(std::string_view name) {
  for (const auto& r : kRoles)
    if (r.name == name) return r.role;
  return std::nullopt;
}

std::span<const Role> all_roles() { return kAll; }

}  // namespace dsr
