#include "storage/sqlite_token_rows.hpp"

#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>

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

}  // namespace

Status SqliteTokenRows::insert(const Bytes& token_hash, const TokenRecord& record) {
  return db_.writer().run([&](WriteConnection& db) -> Status {
    auto& insert = db.prepared(
        "INSERT INTO tokens (token_hash, id, principal, role, organization, created_at, expires_at) "
        "VALUES (?,?,?,?,?,?,?)");
    bind_blob(insert, 1, token_hash);
    insert.bind(2, record.id);
    insert.bind(3, record.principal.name);
    insert.bind(4, std::string(to_string(record.principal.role)));
    if (!record.principal.organization.empty()) insert.bind(5, record.principal.organization);
    insert.bind(6, unix_seconds(record.created_at));
    if (record.expires_at) insert.bind(7, unix_seconds(*record.expires_at));
    insert.exec();
    return ok_status();
  });
}

Result<TokenRecord> SqliteTokenRows::find(const Bytes& token_hash) const {
  return db_.read_cached("checking a token", [&](WriteConnection& db) -> Result<TokenRecord> {
    auto& q = db.prepared(fmt::format("SELECT {} FROM tokens WHERE token_hash = ?", kRecordColumns));
    bind_blob(q, 1, token_hash);
    if (!q.executeStep()) return fail(Error::not_found("unknown token"));
    return record_from(q);
  });
}

Result<std::vector<TokenRecord>> SqliteTokenRows::all() const {
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

void SqliteTokenRows::revoke(const std::string& id, const std::string& revoked_by,
                             std::function<void(Result<TokenRecord>)> done) {
  auto revoked = std::make_shared<Result<TokenRecord>>(fail(Error::not_found("no token with that id")));
  db_.writer().submit(
      [id, revoked_by, revoked](WriteConnection& db) -> Status {
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
      [revoked, done = std::move(done)](Status s) {
        if (!s) return done(fail(s.error()));
        done(std::move(*revoked));
      });
}

void SqliteTokenRows::note_use(const std::string& id, TimePoint at) {
  // On a read-only disk each failed write has the writer reopen every
  // connection; a note of use is not worth stalling the reads for.
  if (!db_.writable()) return;
  db_.writer().submit(
      [id, at = unix_seconds(at)](WriteConnection& db) -> Status {
        auto& update = db.prepared("UPDATE tokens SET last_used_at = ? WHERE id = ?");
        update.bind(1, at);
        update.bind(2, id);
        update.exec();
        return ok_status();
      },
      [](Status) {});
}

Result<Bytes> SqliteTokenRows::tracking_hash(const std::string& request_id) const {
  return db_.read_cached("checking a tracking token", [&](WriteConnection& db) -> Result<Bytes> {
    auto& q = db.prepared("SELECT secret_hash FROM subject_keys WHERE request_id = ?");
    q.bind(1, request_id);
    if (!q.executeStep()) return fail(Error::not_found("unknown tracking token"));
    return column_blob(q.getColumn(0));
  });
}

}  // namespace dsr::storage
