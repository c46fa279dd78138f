#include "storage/postgres/pg_token_rows.hpp"

#include <fmt/format.h>

#include "storage/sqlite_values.hpp"

namespace dsr::storage::pg {
namespace {

constexpr const char* kRecordColumns =
    "id, principal, role, COALESCE(organization, ''), created_at, last_used_at, expires_at, revoked_at, "
    "COALESCE(revoked_by, '')";

Result<TokenRecord> record_at(const Rows& rows, int i) {
  auto role = parse_role(rows.text(i, 2));
  if (!role) return fail(Error::internal("a token row holds an unknown role"));
  TokenRecord r;
  r.id = rows.text(i, 0);
  r.principal = {rows.text(i, 1), *role, rows.text(i, 3)};
  r.created_at = from_unix(rows.integer(i, 4));
  r.last_used_at = optional_time(rows, i, 5);
  r.expires_at = optional_time(rows, i, 6);
  r.revoked_at = optional_time(rows, i, 7);
  r.revoked_by = rows.text(i, 8);
  return r;
}

}  // namespace

Status PgTokenRows::insert(const Bytes& token_hash, const TokenRecord& record) {
  auto organization = record.principal.organization.empty() ? Param(nullptr) : Param(record.principal.organization);
  auto expires = record.expires_at ? Param(unix_seconds(*record.expires_at)) : Param(nullptr);
  auto inserted = pool_.with([&](Connection& c) {
    return c.exec("INSERT INTO tokens (token_hash, id, principal, role, organization, created_at, expires_at) "
                  "VALUES ($1, $2, $3, $4, $5, $6, $7)",
                  {token_hash, record.id, record.principal.name, std::string(to_string(record.principal.role)),
                   organization, unix_seconds(record.created_at), expires});
  });
  if (!inserted) return fail(inserted.error());
  return ok_status();
}

Result<TokenRecord> PgTokenRows::find(const Bytes& token_hash) const {
  auto rows = pool_.with([&](Connection& c) {
    return c.exec(fmt::format("SELECT {} FROM tokens WHERE token_hash = $1", kRecordColumns), {token_hash});
  });
  if (!rows) return fail(rows.error());
  if (rows->empty()) return fail(Error::not_found("unknown token"));
  return record_at(*rows, 0);
}

Result<std::vector<TokenRecord>> PgTokenRows::all() const {
  auto rows = pool_.with([&](Connection& c) {
    return c.exec(fmt::format("SELECT {} FROM tokens ORDER BY made", kRecordColumns));
  });
  if (!rows) return fail(rows.error());
  std::vector<TokenRecord> out;
  for (int i = 0; i < rows->size(); ++i) {
    auto r = record_at(*rows, i);
    if (!r) return fail(r.error());
    out.push_back(std::move(*r));
  }
  return out;
}

void PgTokenRows::revoke(const std::string& id, const std::string& revoked_by,
                         std::function<void(Result<TokenRecord>)> done) {
  executor_.post([=, this, done = std::move(done)]() mutable {
    auto rows = pool_.with([&](Connection& c) {
      return c.transaction({{"UPDATE tokens SET revoked_at = extract(epoch FROM now())::bigint, revoked_by = $2 "
                             "WHERE id = $1 AND revoked_at IS NULL",
                             {id, revoked_by}},
                            {fmt::format("SELECT {} FROM tokens WHERE id = $1", kRecordColumns), {id}}});
    });
    if (!rows) return done(fail(rows.error()));
    if ((*rows)[1].empty()) return done(fail(Error::not_found("no token with that id")));
    done(record_at((*rows)[1], 0));
  });
}

void PgTokenRows::note_use(const std::string& id, TimePoint at) {
  // A missed note is only a missed note: the result is not looked at.
  (void)pool_.with([&](Connection& c) {
    return c.exec("UPDATE tokens SET last_used_at = $2 WHERE id = $1", {id, unix_seconds(at)});
  });
}

Result<Bytes> PgTokenRows::tracking_hash(const std::string& request_id) const {
  auto rows = pool_.with([&](Connection& c) {
    return c.exec("SELECT secret_hash FROM subject_keys WHERE request_id = $1", {request_id});
  });
  if (!rows) return fail(rows.error());
  if (rows->empty()) return fail(Error::not_found("unknown tracking token"));
  return rows->bytes(0, 0);
}

}  // namespace dsr::storage::pg
