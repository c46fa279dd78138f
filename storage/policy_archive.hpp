// The privacy policy's versions on SQLite (policy K): rows keyed by version
// and language, only ever added. The columns and their order are shared
// with PostgreSQL (storage/postgres/pg_policy_archive.hpp).
//
// Thread-safe like the other stores: reads from any thread, writes through
// the group-commit writer.
#pragma once

#include <string_view>

#include "engine/ports.hpp"
#include "storage/database.hpp"

namespace dsr::storage {

inline constexpr std::string_view kPolicyVersionColumns =
    "version, language, effective_at, text, published_by, published_at";
inline constexpr std::string_view kPolicyVersionOrder = "ORDER BY effective_at, version, language";

// A version and language already published: they are never replaced.
Error policy_version_taken(const PolicyVersion& version);

// The rows that clash with publishing `version`: its other languages at
// another instant, or another version at its instant (one instant per
// version, one version per instant). Checked in the publishing
// transaction, so that two admins at once cannot both get theirs in.
inline constexpr std::string_view kPolicyInstantClash =
    "SELECT version, effective_at FROM policy_versions WHERE (version = {v} AND effective_at <> {at}) "
    "OR (version <> {v} AND effective_at = {at}) LIMIT 1";
Error policy_instant_clash(const PolicyVersion& wanted, const std::string& other_version, TimePoint other_at);

class SqlitePolicyArchive final : public PolicyArchive {
 public:
  explicit SqlitePolicyArchive(Database& db) : db_(db) {}
  void publish(PolicyVersion version, std::function<void(Status)> done) override;
  Result<std::vector<PolicyVersion>> versions() const override;

 private:
  Database& db_;
};

}  // namespace dsr::storage
