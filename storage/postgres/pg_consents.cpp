#include "storage/postgres/pg_consents.hpp"

#include <fmt/format.h>

#include <ctime>

#include "storage/rights_rows.hpp"
#include "storage/sqlite_values.hpp"

namespace dsr::storage::pg {

Statement insert_consent(const std::string& id, const Consent& c) {
  Param request = c.request_id.empty() ? Param(nullptr) : Param(c.request_id);
  return {fmt::format("INSERT INTO consents ({}) VALUES ($1, $2, $3, $4, COALESCE(NULLIF($5, ''), (SELECT policy_version "
                      "FROM consents WHERE subject_ref = $2 AND purpose = $3 AND status = 'given' "
                      "ORDER BY at DESC, recorded_at DESC LIMIT 1), ''), $6, $7, $8, $9, $10, $11)",
                      kConsentColumns),
          {id, c.subject_ref, c.purpose, c.status, c.policy_version, unix_seconds(c.at), c.channel, c.evidence_ref,
           c.recorded_by, request, static_cast<std::int64_t>(std::time(nullptr))}};
}

void PgConsentLedger::record(Consent consent, std::function<void(Result<std::string>)> done) {
  executor_.post([=, this, done = std::move(done)]() mutable {
    std::string id = new_consent_id();
    Statement insert = insert_consent(id, consent);
    auto recorded = pool_.with([&](Connection& c) { return c.exec(insert.sql, insert.params); });
    if (!recorded) return done(fail(recorded.error()));
    done(id);
  });
}

Result<std::vector<ConsentEntry>> PgConsentLedger::for_subject(std::string_view subject_ref) const {
  auto rows = pool_.with([&](Connection& c) {
    return c.exec(fmt::format("SELECT {} FROM consents WHERE subject_ref = $1 ORDER BY at, recorded_at, id", kConsentColumns),
                  {std::string(subject_ref)});
  });
  if (!rows) return fail(rows.error());
  std::vector<ConsentEntry> out;
  for (int i = 0; i < rows->size(); ++i) {
    ConsentEntry e;
    e.id = rows->text(i, 0);
    e.consent = Consent{rows->text(i, 1), rows->text(i, 2), rows->text(i, 3), rows->text(i, 4),
                        from_unix(rows->integer(i, 5)), rows->text(i, 6), rows->text(i, 7), rows->text(i, 8),
                        rows->null(i, 9) ? std::string() : rows->text(i, 9)};
    e.recorded_at = from_unix(rows->integer(i, 10));
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace dsr::storage::pg
