#include "storage/postgres/pg_receipts.hpp"

#include "storage/sqlite_values.hpp"

namespace dsr::storage::pg {
namespace {

// The mark, kept as decimal text in meta (0 before the first receipt).
constexpr const char* kMark =
    "COALESCE((SELECT convert_from(value, 'UTF8')::bigint FROM meta WHERE key = 'receipts_through'), 0)";

}  // namespace

Result<std::vector<OwedReceipt>> PgFilingReceipts::owed(int limit) const {
  auto rows = pool_.with([&](Connection& c) -> Result<Rows> {
    auto owed_rows = c.exec(std::string("SELECT j.seq, r.id, r.type, r.policy, r.subject_ref, r.received_at, d.sealed "
                                        "FROM journal j JOIN requests r ON r.id = j.request_id "
                                        "LEFT JOIN request_details d ON d.request_id = r.id "
                                        "WHERE j.request_seq = 1 AND j.seq > ") + kMark + " ORDER BY j.seq LIMIT $1",
                            {std::int64_t{limit}});
    // The lease (a synchronous commit) only when something is owed: idle,
    // nothing is written.
    if (!owed_rows || owed_rows->empty()) return owed_rows;
    auto mine = hold_lease(c, "receipts", claimant_);
    if (!mine) return fail(mine.error());
    if (!*mine) return c.exec("SELECT 1 WHERE false");  // another node sends them
    return owed_rows;
  });
  if (!rows) return fail(rows.error());
  std::vector<OwedReceipt> out;
  for (int i = 0; i < rows->size(); ++i) {
    OwedReceipt owed;
    owed.position = rows->integer(i, 0);
    owed.request = {rows->text(i, 1), rows->text(i, 2), rows->text(i, 3), rows->text(i, 4)};
    owed.received_at = from_unix(rows->integer(i, 5));
    if (Status opened = open_owed_details(keys_, owed, rows->null(i, 6) ? Bytes{} : rows->bytes(i, 6)); !opened)
      return fail(opened.error());
    out.push_back(std::move(owed));
  }
  return out;
}

Status PgFilingReceipts::handled(std::int64_t through, const std::vector<UndeliveredReceipt>& undelivered) {
  std::string mark = std::to_string(through);
  std::vector<Statement> statements{
      {"INSERT INTO meta (key, value) VALUES ('receipts_through', convert_to($1, 'UTF8')) ON CONFLICT (key) DO UPDATE "
       "SET value = EXCLUDED.value WHERE convert_from(meta.value, 'UTF8')::bigint < $2::bigint",
       {mark, through}}};
  std::int64_t now = unix_seconds(std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()));
  for (const auto& u : undelivered) {
    SealedMessage sealed = seal_message(keys_, u.message);
    const FailedFirstAttempt& first = u.attempt;
    statements.push_back(
        {"INSERT INTO outbox (id, kind, request_id, subject_ref, payload, status, attempts, last_error, next_attempt_at, "
         "created_at, updated_at) VALUES ($1, 'subject_message', $2, $3, $4, $5, 1, $6, $7, $8, $9)",
         {sealed.id, u.request.id, u.request.subject_ref, sealed.payload,
          std::string(first.retry_at ? "pending" : "failed"), first.error,
          first.retry_at ? unix_seconds(*first.retry_at) : now, unix_seconds(first.owed_since), now}});
  }
  auto done = pool_.with([&](Connection& c) { return c.transaction(statements); });
  if (!done) return fail(done.error());
  return ok_status();
}

Result<std::int64_t> count_owed_receipts(Connection& c) {
  auto n = c.exec(std::string("SELECT COUNT(*) FROM journal WHERE request_seq = 1 AND (seq IS NULL OR seq > ") + kMark +
                  ")");
  if (!n) return fail(n.error());
  return n->integer(0, 0);
}

}  // namespace dsr::storage::pg
