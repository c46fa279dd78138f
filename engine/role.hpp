// Roles: who may fire which workflow event. Staff and system roles come from
// bearer tokens; `subject` is the holder of a request's tracking token;
// `scheduler` is dsr's own timers (reminders, expiry).
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace dsr {

enum class Role {
  admin,
  system,
  verifier,
  reviewer,
  supervisor,
  auditor,
  institution,
  subject,
  scheduler,
};

std::string_view to_string(Role role);
std::optional<Role> parse_role(std::string_view name);
std::span<const Role> all_roles();

}  // namespace dsr
