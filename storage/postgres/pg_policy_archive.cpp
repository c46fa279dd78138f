#include "storage/postgres/pg_policy_archive.hpp"

#include <fmt/format.h>

#include "storage/policy_archive.hpp"
#include "storage/sqlite_values.hpp"

namespace dsr::storage::pg {

// The key of the advisory lock publishing takes ("dsrpolv" in ASCII): the
// instant checks and the insert are one step for every node.
constexpr std::int64_t kPublishLock = 0x647372706f6c76;

void PgPolicyArchive::publish(PolicyVersion v, std::function<void(Status)> done) {
  executor_.post([=, this, done = std::move(done)]() mutable {
    done(pool_.with([&](Connection& c) {
      return in_transaction(c, [&](Connection&) -> Status {
        if (auto locked = c.exec("SELECT pg_advisory_xact_lock($1::bigint)", {kPublishLock}); !locked)
          return fail(locked.error());
        auto clash = c.exec(fmt::format(kPolicyInstantClash, fmt::arg("v", "$1"), fmt::arg("at", "$2::bigint")),
                            {v.version, unix_seconds(v.effective_at)});
        if (!clash) return fail(clash.error());
        if (!clash->empty()) return fail(policy_instant_clash(v, clash->text(0, 0), from_unix(clash->integer(0, 1))));
        auto inserted = c.exec(fmt::format("INSERT INTO policy_versions ({}) VALUES ($1, $2, $3, $4, $5, $6) "
                                           "ON CONFLICT (version, language) DO NOTHING RETURNING version",
                                           kPolicyVersionColumns),
                               {v.version, v.language, unix_seconds(v.effective_at), v.text, v.published_by,
                                unix_seconds(v.published_at)});
        if (!inserted) return fail(inserted.error());
        if (inserted->empty()) return fail(policy_version_taken(v));
        return ok_status();
      });
    }));
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
