#include "storage/postgres/pg_lease.hpp"

namespace dsr::storage::pg {

Result<bool> hold_lease(Connection& c, std::string_view duty, const Claimant& who) {
  auto lease = c.exec(
      "INSERT INTO leases (name, owner, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3)) "
      "ON CONFLICT (name) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at "
      "WHERE leases.owner = EXCLUDED.owner OR leases.expires_at < now() RETURNING owner",
      {std::string(duty), who.node, static_cast<std::int64_t>(who.hold.count())});
  if (!lease) return fail(lease.error());
  return !lease->empty();
}

}  // namespace dsr::storage::pg
