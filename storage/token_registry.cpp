#include "storage/token_registry.hpp"

#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>

#include <algorithm>
#include <future>
#include <memory>

#include "storage/sqlite_values.hpp"

namespace dsr::storage {
namespace {

constexpr const char* kRecordColumns =
    "id, principal, role, COALESCE(organization, ''), created_at, last_used_at, expires_at, revoked_at, "
    "COALESCE(revoked_by, '')";

std::optional<TimePoint> optional_time(const SQLite::Column& column) {
  if (column.isNull()) return std::nullopt;
  return from_unix(column.getInt64());
}

// A row selected with kRecordColumns.
Result<TokenRecord> record_from(SQLite::Statement& q) {
  auto role = parse_role(q.getColumn(2).getString());
  if (!role) return fail(Error::internal("a token row holds an unknown role"));
  TokenRecord r;
  r.id = q.getColumn(0).getString();
  r.principal = {q.getColumn(1).getString(), *role, q.getColumn(3).getString()};
  r.created_at = from_unix(q.getColumn(4).getInt64());
  r.last_used_at = optional_time(q.getColumn(5));
  r.expires_at = optional_time(q.getColumn(6));
  r.revoked_at = optional_time(q.getColumn(7));
  r.revoked_by = q.getColumn(8).getString();
  return r;
}

TimePoint now_seconds() { return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()); }

}  // namespace

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
  Bytes digest = keyed_hash(db_.keys().token_hash(), created.token);
  Status s = db_.writer().run([&](WriteConnection& db) -> Status {
    auto& insert = db.prepared(
        "INSERT INTO tokens (token_hash, id, principal, role, organization, created_at, expires_at) "
        "VALUES (?,?,?,?,?,?,?)");
    bind_blob(insert, 1, digest);
    insert.bind(2, created.record.id);
    insert.bind(3, principal.name);
    insert.bind(4, std::string(to_string(principal.role)));
    if (!principal.organization.empty()) insert.bind(5, principal.organization);
    insert.bind(6, unix_seconds(created.record.created_at));
    if (expires_at) insert.bind(7, unix_seconds(*expires_at));
    insert.exec();
    return ok_status();
  });
  if (!s) return fail(s.error());
  return created;
}

Result<Principal> TokenRegistry::authenticate(std::string_view token) const {
  // The lookup is by keyed hash: timing reveals nothing an attacker could
  // use without the key, and the token itself never reaches the database.
  Bytes digest = keyed_hash(db_.keys().token_hash(), token);
  std::string key = to_hex(digest);
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(cache_mutex_);
    if (auto it = cache_.find(key); it != cache_.end() && it->second.until > now) return it->second.principal;
  }
  TimePoint wall_now = now_seconds();
  std::uint64_t revocations_before = revocations_.load();
  auto found = db_.read_cached("checking a token", [&](WriteConnection& db) -> Result<TokenRecord> {
    auto& q = db.prepared(fmt::format("SELECT {} FROM tokens WHERE token_hash = ?", kRecordColumns));
    bind_blob(q, 1, digest);
    if (!q.executeStep()) return fail(Error::not_found("unknown token"));
    return record_from(q);
  });
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
  // On a read-only disk each failed write has the writer reopen every
  // connection; a note of use is not worth stalling the reads for.
  if (!db_.writable()) return;
  // Not waited for: a request is never held up, or refused, for want of
  // this note (a read-only disk makes it fail, and that is all).
  db_.writer().submit(
      [id, at = unix_seconds(now)](WriteConnection& db) -> Status {
        auto& update = db.prepared("UPDATE tokens SET last_used_at = ? WHERE id = ?");
        update.bind(1, at);
        update.bind(2, id);
        update.exec();
        return ok_status();
      },
      [](Status) {});
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
  Bytes given = keyed_hash(db_.keys().token_hash(), "tracking:" + std::string(tracking_token));
  auto stored = db_.read_cached("checking a tracking token", [&](WriteConnection& db) -> Result<Bytes> {
    auto& q = db.prepared("SELECT secret_hash FROM subject_keys WHERE request_id = ?");
    q.bind(1, request_id);
    if (!q.executeStep()) return fail(Error::not_found("unknown tracking token"));
    return column_blob(q.getColumn(0));
  });
  if (!stored) return fail(stored.error());
  if (!equal_constant_time(*stored, given)) return fail(Error::not_found("unknown tracking token"));
  return request_id;
}

Result<std::vector<TokenRecord>> TokenRegistry::tokens() const {
  return db_.read("listing tokens", [](SQLite::Database& db) -> Result<std::vector<TokenRecord>> {
    SQLite::Statement q(db, fmt::format("SELECT {} FROM tokens ORDER BY rowid", kRecordColumns));
    std::vector<TokenRecord> records;
    while (q.executeStep()) {
      auto record = record_from(q);
      if (!record) return fail(record.error());
      records.push_back(std::move(*record));
    }
    return records;
  });
}

void TokenRegistry::revoke(std::string id, std::string revoked_by, std::function<void(Result<TokenRecord>)> done) {
  auto revoked = std::make_shared<Result<TokenRecord>>(fail(Error::not_found("no token with that id")));
  db_.writer().submit(
      [id, revoked_by, revoked](WriteConnection& db) -> Status {
        // An already revoked token keeps who revoked it first, and when.
        auto& update = db.prepared(
            "UPDATE tokens SET revoked_at = strftime('%s','now'), revoked_by = ? WHERE id = ? AND revoked_at IS NULL");
        update.bind(1, revoked_by);
        update.bind(2, id);
        update.exec();
        auto& q = db.prepared(fmt::format("SELECT {} FROM tokens WHERE id = ?", kRecordColumns));
        q.bind(1, id);
        if (q.executeStep()) *revoked = record_from(q);
        return ok_status();
      },
      [this, id, revoked, done = std::move(done)](Status s) {
        if (!s) return done(fail(s.error()));
        // Committed: refused at once here (other processes within
        // kTokenCacheTtl), before the revocation is answered.
        {
          std::lock_guard lock(cache_mutex_);
          ++revocations_;
        }
        forget(id);
        done(std::move(*revoked));
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
