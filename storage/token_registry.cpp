#include "storage/token_registry.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <future>
#include <memory>

#include "storage/sqlite_token_rows.hpp"

namespace dsr::storage {
namespace {

TimePoint now_seconds() { return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()); }

}  // namespace

TokenRegistry::TokenRegistry(Database& db) : TokenRegistry(std::make_unique<SqliteTokenRows>(db), db.keys()) {}

Result<TokenRegistry::Created> TokenRegistry::create_sync(const Principal& principal,
                                                         std::optional<TimePoint> expires_at) {
  if (principal.name.empty()) return fail(Error::invalid_argument("a token needs a principal name"));
  if (principal.role == Role::institution && principal.organization.empty())
    return fail(Error::invalid_argument("an institution token needs --institution ORGANISATION"));
  if (principal.role == Role::subject || principal.role == Role::scheduler)
    return fail(Error::invalid_argument(fmt::format("no token can be made for the role {}", to_string(principal.role))));
  Created created;
  created.token = "dsr_" + random_id(32);
  created.record.id = time_ordered_id("tok_");
  created.record.principal = principal;
  created.record.created_at = now_seconds();
  created.record.expires_at = expires_at;
  Status s = rows_->insert(keyed_hash(keys_.token_hash(), created.token), created.record);
  if (!s) return fail(s.error());
  return created;
}

Result<Principal> TokenRegistry::authenticate(std::string_view token) const {
  // The lookup is by keyed hash: timing reveals nothing an attacker could
  // use without the key, and the token itself never reaches the database.
  Bytes digest = keyed_hash(keys_.token_hash(), token);
  std::string key = to_hex(digest);
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(cache_mutex_);
    if (auto it = cache_.find(key); it != cache_.end() && it->second.until > now) return it->second.principal;
  }
  TimePoint wall_now = now_seconds();
  std::uint64_t revocations_before = revocations_.load();
  auto found = rows_->find(digest);
  if (!found) return fail(found.error());
  if (found->status(wall_now) != "active")
    return fail(Error::not_found(fmt::format("{} token", found->status(wall_now))));
  note_use(found->id, found->last_used_at);
  auto until = now + kTokenCacheTtl;
  if (found->expires_at) until = std::min(until, now + (*found->expires_at - wall_now));
  std::lock_guard lock(cache_mutex_);
  // Checked under the lock that revoke() takes to forget: a revocation
  // that committed after the read above is either seen here or forgets
  // this entry after it is made.
  if (revocations_.load() != revocations_before) return found->principal;
  if (cache_.size() > 10000) cache_.clear();  // bounded; refills from the database
  cache_[key] = {found->principal, found->id, until};
  return found->principal;
}

void TokenRegistry::note_use(const std::string& id, std::optional<TimePoint> last_used) const {
  TimePoint now = now_seconds();
  if (last_used && now - *last_used < kLastUsedResolution) return;
  // Not waited for: a request is never held up, or refused, for want of
  // this note.
  rows_->note_use(id, now);
}

void TokenRegistry::forget(const std::string& id) const {
  std::lock_guard lock(cache_mutex_);
  std::erase_if(cache_, [&](const auto& entry) { return entry.second.id == id; });
}

Result<std::string> TokenRegistry::tracked_request(std::string_view tracking_token) const {
  // "trk_<request id>.<secret>": the id finds the row, the whole token's
  // keyed hash must match it.
  auto dot = tracking_token.rfind('.');
  if (!tracking_token.starts_with("trk_") || dot == std::string_view::npos || dot <= 4)
    return fail(Error::not_found("unknown tracking token"));
  std::string request_id(tracking_token.substr(4, dot - 4));
  Bytes given = keyed_hash(keys_.token_hash(), "tracking:" + std::string(tracking_token));
  // The token itself is checked every time, against the hash remembered or
  // read: a wrong secret for a known request is refused as before.
  {
    std::lock_guard lock(cache_mutex_);
    if (auto known = tracking_hashes_.find(request_id); known != tracking_hashes_.end()) {
      if (!equal_constant_time(known->second, given)) return fail(Error::not_found("unknown tracking token"));
      return request_id;
    }
  }
  auto stored = rows_->tracking_hash(request_id);
  if (!stored) return fail(stored.error());
  if (!equal_constant_time(*stored, given)) return fail(Error::not_found("unknown tracking token"));
  std::lock_guard lock(cache_mutex_);
  if (tracking_hashes_.size() >= kTrackingCacheSize) tracking_hashes_.erase(tracking_hashes_.begin());
  tracking_hashes_.emplace(request_id, std::move(*stored));
  return request_id;
}

Result<std::vector<TokenRecord>> TokenRegistry::tokens() const { return rows_->all(); }

void TokenRegistry::revoke(std::string id, std::string revoked_by, std::function<void(Result<TokenRecord>)> done) {
  rows_->revoke(id, revoked_by, [this, id, done = std::move(done)](Result<TokenRecord> revoked) {
    if (!revoked) return done(std::move(revoked));
    // Committed: refused at once here (other processes within
    // kTokenCacheTtl), before the revocation is answered.
    {
      std::lock_guard lock(cache_mutex_);
      ++revocations_;
    }
    forget(id);
    done(std::move(revoked));
  });
}

Result<std::vector<TokenRecord>> TokenRegistry::revoke_sync(const std::string& id_or_name,
                                                            const std::string& revoked_by) {
  auto all = tokens();
  if (!all) return fail(all.error());
  std::vector<std::string> ids;
  TimePoint now = now_seconds();
  for (const auto& t : *all)
    if (t.id == id_or_name) ids = {t.id};
  if (ids.empty())
    for (const auto& t : *all)
      if (t.principal.name == id_or_name && t.status(now) == "active") ids.push_back(t.id);
  if (ids.empty())
    return fail(Error::not_found(fmt::format("no token has the id \"{}\", and no active token the name \"{}\"; see "
                                             "'dsr token list'", id_or_name, id_or_name)));
  std::vector<TokenRecord> revoked;
  for (const auto& id : ids) {
    std::promise<Result<TokenRecord>> answer;
    revoke(id, revoked_by, [&answer](Result<TokenRecord> r) { answer.set_value(std::move(r)); });
    auto r = answer.get_future().get();
    if (!r) return fail(r.error());
    revoked.push_back(std::move(*r));
  }
  return revoked;
}

}  // namespace dsr::storage
