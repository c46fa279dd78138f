#include "storage/postgres/pg_report_slots.hpp"

namespace dsr::storage::pg {

Result<bool> PgReportSlots::claim(const std::string& slot) {
  auto claimed = pool_.with([&](Connection& c) {
    return c.exec(
        "INSERT INTO report_slots (slot, node, claimed_until) VALUES ($1, $2, now() + make_interval(secs => $3)) "
        "ON CONFLICT (slot) DO UPDATE SET node = EXCLUDED.node, claimed_until = EXCLUDED.claimed_until "
        "WHERE report_slots.written_at IS NULL "
        "AND (report_slots.node = EXCLUDED.node OR report_slots.claimed_until < now()) RETURNING node",
        {slot, claimant_.node, static_cast<std::int64_t>(claimant_.hold.count())});
  });
  if (!claimed) return fail(claimed.error());
  return !claimed->empty();
}

Status PgReportSlots::written(const std::string& slot) {
  auto done = pool_.with([&](Connection& c) {
    return c.exec("UPDATE report_slots SET written_at = now() WHERE slot = $1 AND node = $2", {slot, claimant_.node});
  });
  if (!done) return fail(done.error());
  return ok_status();
}

}  // namespace dsr::storage::pg
