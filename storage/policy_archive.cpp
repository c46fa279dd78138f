#include "storage/policy_archive.hpp"

#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>

#include "storage/sqlite_values.hpp"

namespace dsr::storage {

Error policy_version_taken(const PolicyVersion& v) {
  return Error(ErrorCode::conflict,
               fmt::format("version {} of the policy is already published in \"{}\": a published text is never "
                           "changed; publish a new version",
                           v.version, v.language),
               "version_exists");
}

Error policy_instant_clash(const PolicyVersion& wanted, const std::string& other_version, TimePoint other_at) {
  return Error::invalid_argument(
      other_version == wanted.version
          ? fmt::format("version {} takes effect at {} in its other languages", wanted.version, format_rfc3339(other_at))
          : fmt::format("version {} already takes effect at that instant", other_version));
}

void SqlitePolicyArchive::publish(PolicyVersion v, std::function<void(Status)> done) {
  db_.writer().submit(
      [v = std::move(v)](WriteConnection& db) -> Status {
        auto& clash = db.prepared(fmt::format(kPolicyInstantClash, fmt::arg("v", "?1"), fmt::arg("at", "?2")));
        clash.bind(1, v.version);
        clash.bind(2, unix_seconds(v.effective_at));
        if (clash.executeStep()) {
          Error e = policy_instant_clash(v, clash.getColumn(0).getString(), from_unix(clash.getColumn(1).getInt64()));
          clash.reset();
          return fail(std::move(e));
        }
        clash.reset();
        auto& insert = db.prepared(fmt::format(
            "INSERT INTO policy_versions ({}) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (version, language) DO NOTHING",
            kPolicyVersionColumns));
        insert.bind(1, v.version);
        insert.bind(2, v.language);
        insert.bind(3, unix_seconds(v.effective_at));
        insert.bind(4, v.text);
        insert.bind(5, v.published_by);
        insert.bind(6, unix_seconds(v.published_at));
        if (insert.exec() == 0) return fail(policy_version_taken(v));
        return ok_status();
      },
      std::move(done));
}

Result<std::vector<PolicyVersion>> SqlitePolicyArchive::versions() const {
  return db_.read("reading the policy's versions", [](SQLite::Database& db) -> Result<std::vector<PolicyVersion>> {
    SQLite::Statement q(db, fmt::format("SELECT {} FROM policy_versions {}", kPolicyVersionColumns, kPolicyVersionOrder));
    std::vector<PolicyVersion> out;
    while (q.executeStep())
      out.push_back({q.getColumn(0).getString(), from_unix(q.getColumn(2).getInt64()), q.getColumn(1).getString(),
                     q.getColumn(3).getString(), q.getColumn(4).getString(), from_unix(q.getColumn(5).getInt64())});
    return out;
  });
}

}  // namespace dsr::storage
