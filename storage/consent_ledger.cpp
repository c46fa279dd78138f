#include "storage/consent_ledger.hpp"

#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>

#include <ctime>
#include <memory>

#include "storage/rights_rows.hpp"
#include "storage/sqlite_values.hpp"

namespace dsr::storage {

void insert_consent_in(WriteConnection& db, const std::string& id, const Consent& c) {
  auto& insert = db.prepared(fmt::format(
      "INSERT INTO consents ({}) VALUES (?1, ?2, ?3, ?4, COALESCE(NULLIF(?5, ''), (SELECT policy_version FROM consents "
      "WHERE subject_ref = ?2 AND purpose = ?3 AND status = 'given' ORDER BY at DESC, recorded_at DESC LIMIT 1), ''), "
      "?6, ?7, ?8, ?9, ?10, ?11)",
      kConsentColumns));
  insert.bind(1, id);
  insert.bind(2, c.subject_ref);
  insert.bind(3, c.purpose);
  insert.bind(4, c.status);
  insert.bind(5, c.policy_version);
  insert.bind(6, unix_seconds(c.at));
  insert.bind(7, c.channel);
  insert.bind(8, c.evidence_ref);
  insert.bind(9, c.recorded_by);
  if (!c.request_id.empty()) insert.bind(10, c.request_id);
  else insert.bind(10);
  insert.bind(11, static_cast<std::int64_t>(std::time(nullptr)));
  insert.exec();
}

void SqliteConsentLedger::record(Consent consent, std::function<void(Result<std::string>)> done) {
  auto id = std::make_shared<std::string>(new_consent_id());
  db_.writer().submit(
      [id, consent = std::move(consent)](WriteConnection& db) -> Status {
        insert_consent_in(db, *id, consent);
        return ok_status();
      },
      [id, done = std::move(done)](Status s) {
        if (!s) return done(fail(s.error()));
        done(*id);
      });
}

Result<std::vector<ConsentEntry>> SqliteConsentLedger::for_subject(std::string_view subject_ref) const {
  return db_.read("reading the consent ledger", [&](SQLite::Database& db) -> Result<std::vector<ConsentEntry>> {
    SQLite::Statement q(db, fmt::format("SELECT {} FROM consents WHERE subject_ref = ? ORDER BY at, recorded_at, id",
                                        kConsentColumns));
    q.bind(1, std::string(subject_ref));
    std::vector<ConsentEntry> out;
    while (q.executeStep()) {
      ConsentEntry e;
      e.id = q.getColumn(0).getString();
      e.consent = Consent{q.getColumn(1).getString(), q.getColumn(2).getString(), q.getColumn(3).getString(),
                          q.getColumn(4).getString(), from_unix(q.getColumn(5).getInt64()), q.getColumn(6).getString(),
                          q.getColumn(7).getString(), q.getColumn(8).getString(), q.getColumn(9).getString()};
      e.recorded_at = from_unix(q.getColumn(10).getInt64());
      out.push_back(std::move(e));
    }
    return out;
  });
}

}  // namespace dsr::storage
