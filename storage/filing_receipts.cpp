#include "storage/filing_receipts.hpp"

#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>

#include "storage/sqlite_store.hpp"
#include "storage/sqlite_values.hpp"

namespace dsr::storage {
namespace {

constexpr const char* kMark = "(SELECT value FROM meta WHERE key = 'receipts_through')";

struct Row {
  OwedReceipt owed;
  Bytes sealed_details;
};

}  // namespace

Status open_owed_details(const MasterKey& keys, OwedReceipt& owed, const Bytes& sealed_details) {
  if (sealed_details.empty()) return ok_status();
  auto opened = unseal(keys.details(), sealed_details, request_details_context(owed.request.id));
  if (!opened) return fail(Error::internal(fmt::format("the filing of request {} does not open", owed.request.id)));
  owed.details_json.assign(opened->begin(), opened->end());
  return ok_status();
}

Result<std::vector<OwedReceipt>> FilingReceipts::owed(int limit) const {
  auto rows = db_.read("reading new filings", [&](SQLite::Database& db) -> Result<std::vector<Row>> {
    SQLite::Statement q(db, fmt::format("SELECT r.rowid, r.id, r.type, r.policy, r.subject_ref, r.received_at, d.sealed "
                                        "FROM requests r LEFT JOIN request_details d ON d.request_id = r.id "
                                        "WHERE r.rowid > {} ORDER BY r.rowid LIMIT ?",
                                        kMark));
    q.bind(1, limit);
    std::vector<Row> out;
    while (q.executeStep()) {
      Row row;
      row.owed.position = q.getColumn(0).getInt64();
      row.owed.request = {q.getColumn(1).getString(), q.getColumn(2).getString(), q.getColumn(3).getString(),
                          q.getColumn(4).getString()};
      row.owed.received_at = from_unix(q.getColumn(5).getInt64());
      if (!q.getColumn(6).isNull()) row.sealed_details = column_blob(q.getColumn(6));
      out.push_back(std::move(row));
    }
    return out;
  });
  if (!rows) return fail(rows.error());
  std::vector<OwedReceipt> out;
  out.reserve(rows->size());
  for (auto& row : *rows) {
    if (Status opened = open_owed_details(db_.keys(), row.owed, row.sealed_details); !opened) return fail(opened.error());
    out.push_back(std::move(row.owed));
  }
  return out;
}

Status FilingReceipts::handled(std::int64_t through, const std::vector<UndeliveredReceipt>& undelivered) {
  std::vector<SealedMessage> sealed;  // off the writer thread
  sealed.reserve(undelivered.size());
  for (const auto& u : undelivered) sealed.push_back(seal_message(db_.keys(), u.message));
  return db_.writer().run([&](WriteConnection& db) -> Status {
    auto& mark = db.prepared("UPDATE meta SET value = ? WHERE key = 'receipts_through' AND value < ?");
    mark.bind(1, through);
    mark.bind(2, through);
    mark.exec();
    for (std::size_t i = 0; i < undelivered.size(); ++i)
      enqueue_message(db, undelivered[i].request, sealed[i], undelivered[i].attempt);
    return ok_status();
  });
}

}  // namespace dsr::storage
