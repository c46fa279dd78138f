#include "storage/postgres/pg_policy_archive.hpp"

#include <fmt/format.h>

#include "storage/policy_archive.hpp"
#include "storage/sqlite_values.hpp"

namespace dsr::storage::pg {

void PgPolicyArchive::publish(PolicyVersion v, std::function<void(Status)> done) {
  executor_.post([=, this, done = std::move(done)]() mutable {
    auto inserted = pool_.with([&](Connection& c) {
      return c.exec(fmt::format("INSERT INTO policy_versions ({}) VALUES ($1, $2, $3, $4, $5, $6) "
                                "ON CONFLICT (version, language) DO NOTHING RETURNING version",
                                kPolicyVersionColumns),
                    {v.version, v.language, unix_seconds(v.effective_at), v.text, v.published_by,
                     unix_seconds(v.published_at)});
    });
    if (!inserted) return done(fail(inserted.error()));
    if (inserted->empty()) return done(fail(policy_version_taken(v)));
    done(ok_status());
  });
}

Result<std::vector<PolicyVersion>> PgPolicyArchive::versions() const {
  auto rows = pool_.with([&](Connection& c) {
    return c.exec(fmt::format("SELECT {} FROM policy_versions {}", kPolicyVersionColumns, kPolicyVersionOrder));
  });
  if (!rows) return fail(rows.error());
  std::vector<PolicyVersion> out;
  for (int i = 0; i < rows->size(); ++i)
    out.push_back({rows->text(i, 0), from_unix(rows->integer(i, 2)), rows->text(i, 1), rows->text(i, 3),
                   rows->text(i, 4), from_unix(rows->integer(i, 5))});
  return out;
}

}  // namespace dsr::storage::pg
