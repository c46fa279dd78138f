// TokenRegistry: the bearer tokens of staff and systems, kept only as keyed
// hashes, each with an id (for listing and revoking), an optional expiry
// and the last time it was used.
//
// Tokens are checked on every request, so a successful check is remembered
// for kTokenCacheTtl (by keyed hash, never the token). That bounds how long
// a token revoked by another process (`dsr token revoke` beside a running
// server) or one that has expired is still accepted: well inside
// TokenAdministration::kRefusedWithin. A revocation through this object
// takes effect at once in this process.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/ports.hpp"
#include "engine/result.hpp"
#include "storage/database.hpp"
#include "storage/token_rows.hpp"

namespace dsr::storage {

class TokenRegistry final : public TokenDirectory, public TokenAdministration {
 public:
  static constexpr std::chrono::seconds kTokenCacheTtl{2};
  static_assert(kTokenCacheTtl < kRefusedWithin);
  // last_used_at is written at most this often per token: a write per
  // request would cost the group-commit writer more than it tells.
  static constexpr std::chrono::seconds kLastUsedResolution{60};

  // On a backend's rows; `keys` hash the tokens.
  TokenRegistry(std::unique_ptr<TokenRows> rows, const MasterKey& keys) : rows_(std::move(rows)), keys_(keys) {}
  // On SQLite.
  explicit TokenRegistry(Database& db);

  struct Created {
    std::string token;  // the secret, to be shown once
    TokenRecord record;
  };
  // A new random token for `principal`; the token itself is never stored.
  Result<Created> create_sync(const Principal& principal, std::optional<TimePoint> expires_at = std::nullopt);

  // TokenDirectory: who holds `token`; not_found also for a revoked or
  // expired one.
  Result<Principal> authenticate(std::string_view token) const override;
  Result<std::string> tracked_request(std::string_view tracking_token) const override;

  // TokenAdministration.
  Result<std::vector<TokenRecord>> tokens() const override;
  void revoke(std::string id, std::string revoked_by, std::function<void(Result<TokenRecord>)> done) override;

  // For the command line: revokes the token with this id, or else every
  // token still active of the principal with this name. not_found if
  // neither matches.
  Result<std::vector<TokenRecord>> revoke_sync(const std::string& id_or_name, const std::string& revoked_by);

 private:
  struct Remembered {
    Principal principal;
    std::string id;
    std::chrono::steady_clock::time_point until;
  };
  void forget(const std::string& id) const;
  void note_use(const std::string& id, std::optional<TimePoint> last_used) const;

  std::unique_ptr<TokenRows> rows_;
  const MasterKey& keys_;
  // Counts revocations through this object. A check that began before a
  // revocation committed may have read the token as active: it must not
  // put it back into the cache, or the token would live on for the TTL.
  std::atomic<std::uint64_t> revocations_{0};
  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<std::string, Remembered> cache_;  // by hex keyed hash; guarded by cache_mutex_
  // The stored hash of each request's tracking token, by request id, as
  // read from the rows: a tracking token is written once, with its request,
  // and never changed or revoked, so what was read stays true. Bounded:
  // past kTrackingCacheSize, one entry makes room for the next.
  static constexpr std::size_t kTrackingCacheSize = 16384;
  mutable std::unordered_map<std::string, Bytes> tracking_hashes_;  // guarded by cache_mutex_
};

}  // namespace dsr::storage
