#include "storage/sqlite_vault.hpp"

#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <tuple>

#include "storage/journal.hpp"
#include "storage/rights_rows.hpp"
#include "storage/subject_seal.hpp"
#include "storage/sqlite_values.hpp"

namespace dsr::storage {

Result<std::optional<SubjectRecord>> read_subject_in(WriteConnection& db, const MasterKey& keys, const std::string& ref) {
  auto& q = db.prepared("SELECT wrap_key_id, wrapped_key, record FROM subjects WHERE ref = ?");
  q.bind(1, ref);
  if (!q.executeStep()) return std::optional<SubjectRecord>{};
  std::string key_id = q.getColumn(0).getString();
  Bytes wrapped = column_blob(q.getColumn(1)), sealed = column_blob(q.getColumn(2));
  q.reset();
  auto record = open_record(keys, ref, key_id, wrapped, sealed);
  if (!record) return fail(record.error());
  return std::optional<SubjectRecord>{std::move(record).value()};
}

Status require_announced_master_key(WriteConnection& db, const MasterKey& keys) {
  auto& q = db.prepared("SELECT value FROM meta WHERE key = 'master_key_current'");
  std::string announced = q.executeStep() ? q.getColumn(0).getString() : std::string();
  q.reset();
  if (announced.empty() || announced == keys.current_id()) return ok_status();
  // `dsr key rotate-master` wrote the key file before announcing its key.
  if (Status reread = keys.reload(); !reread) return reread;
  if (announced == keys.current_id()) return ok_status();
  return fail(Error::unavailable(fmt::format(
      "the master key was rotated to {}, which this server's key file does not hold as its current key; give it the "
      "key file dsr key rotate-master wrote", announced)));
}

Status write_subject_in(WriteConnection& db, const MasterKey& keys, const std::string& ref, const SubjectRecord& record) {
  Bytes nik = nik_index_of(keys, record.nik);
  auto& holder = db.prepared("SELECT ref FROM subjects WHERE nik_index = ? AND ref <> ?");
  bind_blob(holder, 1, nik);
  holder.bind(2, ref);
  bool taken = holder.executeStep();
  holder.reset();
  if (taken)
    return fail(Error(ErrorCode::conflict, "the NIK is already on file for another subject; resolve the duplicate first",
                      "nik_taken"));
  if (Status announced = require_announced_master_key(db, keys); !announced) return announced;
  // A fresh data key on every write: the old ciphertext and key are
  // overwritten together (secure_delete), never re-used.
  SealedRecord sealed = seal_record(keys, ref, record);
  SQLite::Statement& upsert = db.prepared(
      "INSERT INTO subjects (ref, nik_index, email_index, org_index, wrapped_key, record, updated_at, wrap_key_id) "
      "VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (ref) DO UPDATE SET nik_index = excluded.nik_index, "
      "email_index = excluded.email_index, org_index = excluded.org_index, wrapped_key = excluded.wrapped_key, "
      "record = excluded.record, updated_at = excluded.updated_at, wrap_key_id = excluded.wrap_key_id");
  upsert.bind(1, ref);
  bind_blob(upsert, 2, sealed.nik_index);
  if (sealed.email_index) bind_blob(upsert, 3, *sealed.email_index);
  if (sealed.organization_index) bind_blob(upsert, 4, *sealed.organization_index);
  bind_blob(upsert, 5, sealed.wrapped_key);
  bind_blob(upsert, 6, sealed.record);
  upsert.bind(7, static_cast<std::int64_t>(std::time(nullptr)));
  upsert.bind(8, sealed.wrap_key_id);
  upsert.exec();
  return ok_status();
}

// A portability transfer and a release to an authority carry the record's
// data, sealed under the master key rather than the subject's data key:
// erasure empties every such notice of the subject, and one not delivered
// yet ends as failed, saying why.
constexpr const char* kUndeliveredTransfersSql =
    "UPDATE outbox SET payload = X'', "
    "last_error = CASE WHEN status = 'pending' THEN 'the subject was erased before the transfer was delivered' "
    "ELSE last_error END, status = CASE WHEN status = 'pending' THEN 'failed' ELSE status END "
    "WHERE kind = 'recipient_notification' AND subject_ref = ?1 AND length(payload) > 0 "
    "AND (request_id IN (SELECT id FROM requests WHERE subject_ref = ?1 AND type = 'portability') "
    "OR request_id IN (SELECT id FROM requests WHERE type = 'authority_request'))";

bool erase_subject_in(WriteConnection& db, const std::string& ref) {
  SQLite::Statement& del = db.prepared("DELETE FROM subjects WHERE ref = ?");
  del.bind(1, ref);
  if (del.exec() == 0) return false;
  // What the subject wrote or was sent (forms, correspondence, pending
  // messages) goes with the record, so that nothing of them lingers.
  for (const char* sql : {"DELETE FROM outbox WHERE subject_ref = ? AND kind = 'subject_message'",
                          "DELETE FROM request_details WHERE request_id IN (SELECT id FROM requests WHERE subject_ref = ?)",
                          "DELETE FROM request_messages WHERE request_id IN (SELECT id FROM requests WHERE subject_ref = ?)",
                          "DELETE FROM consents WHERE subject_ref = ?", "DELETE FROM restrictions WHERE subject_ref = ?",
                          kUndeliveredTransfersSql}) {
    auto& del_related = db.prepared(sql);
    del_related.bind(1, ref);
    del_related.exec();
  }
  erase_reasons_of(db, ref);
  return true;
}

namespace {

Restriction restriction_row(SQLite::Statement& q) {
  return Restriction{from_unix(q.getColumn(0).getInt64()), categories_from_text(q.getColumn(1).getString()),
                     q.getColumn(2).getString()};
}

constexpr const char* kRestrictionQuery =
    "SELECT since, categories, request_id FROM restrictions WHERE subject_ref = ? ORDER BY since, request_id";

}  // namespace

std::vector<Restriction> read_restrictions_in(WriteConnection& db, const std::string& ref) {
  auto& q = db.prepared(kRestrictionQuery);
  q.bind(1, ref);
  std::vector<Restriction> out;
  while (q.executeStep()) out.push_back(restriction_row(q));
  q.reset();
  return out;
}

void write_restriction_in(WriteConnection& db, const std::string& ref, const Restriction& r) {
  auto& upsert = db.prepared(
      "INSERT INTO restrictions (subject_ref, request_id, since, categories) VALUES (?, ?, ?, ?) "
      "ON CONFLICT (subject_ref, request_id) DO UPDATE SET since = excluded.since, categories = excluded.categories");
  upsert.bind(1, ref);
  upsert.bind(2, r.request_id);
  upsert.bind(3, unix_seconds(r.since));
  upsert.bind(4, categories_text(r.categories));
  upsert.exec();
}

bool delete_restriction_in(WriteConnection& db, const std::string& ref, const std::string& request_id) {
  auto& del = db.prepared("DELETE FROM restrictions WHERE subject_ref = ? AND request_id = ?");
  del.bind(1, ref);
  del.bind(2, request_id);
  return del.exec() > 0;
}

Result<std::optional<Restriction>> SqliteVault::restriction(std::string_view subject_ref) const {
  return db_.read_cached("reading a restriction", [&](WriteConnection& db) -> Result<std::optional<Restriction>> {
    auto& q = db.prepared(kRestrictionQuery);
    q.bind(1, std::string(subject_ref));
    std::vector<Restriction> placed;
    while (q.executeStep()) placed.push_back(restriction_row(q));
    return standing_restriction(placed);
  });
}

Bytes SqliteVault::nik_index(std::string_view nik) const { return nik_index_of(db_.keys(), nik); }
Bytes SqliteVault::email_index(std::string_view email) const { return email_index_of(db_.keys(), email); }
Bytes SqliteVault::organization_index(std::string_view organization) const {
  return organization_index_of(db_.keys(), organization);
}

void SqliteVault::put(SubjectRecord record, RefDone done) {
  if (!is_nik(record.nik))
    return done(fail(Error::invalid_argument("a subject record needs a NIK of 16 digits")));
  auto ref = std::make_shared<std::string>();
  db_.writer().submit(
      [this, record = std::move(record), ref](WriteConnection& db) -> Status {
        SQLite::Statement& existing = db.prepared("SELECT ref FROM subjects WHERE nik_index = ?");
        bind_blob(existing, 1, nik_index(record.nik));
        *ref = existing.executeStep() ? existing.getColumn(0).getString() : "s-" + random_id();
        existing.reset();
        return write_subject_in(db, db_.keys(), *ref, record);
      },
      [ref, done = std::move(done)](Status s) {
        if (!s) return done(fail(s.error()));
        done(*ref);
      });
}

Result<SubjectRecord> SqliteVault::get(std::string_view subject_ref) const {
  auto row = db_.read_cached("reading a subject record", [&](WriteConnection& db) -> Result<std::tuple<std::string, Bytes, Bytes>> {
    auto& q = db.prepared("SELECT wrap_key_id, wrapped_key, record FROM subjects WHERE ref = ?");
    q.bind(1, std::string(subject_ref));
    if (!q.executeStep()) return fail(Error::not_found(fmt::format("no subject record {}", subject_ref)));
    return std::tuple{q.getColumn(0).getString(), column_blob(q.getColumn(1)), column_blob(q.getColumn(2))};
  });
  if (!row) return fail(row.error());
  const auto& [key_id, wrapped, sealed] = *row;
  return open_record(db_.keys(), subject_ref, key_id, wrapped, sealed);
}

Result<std::optional<std::string>> SqliteVault::find_by(const char* column, const Bytes& index) const {
  return db_.read_cached("looking up a subject", [&](WriteConnection& db) -> Result<std::optional<std::string>> {
    auto& q = db.prepared(fmt::format("SELECT ref FROM subjects WHERE {} = ? LIMIT 1", column));
    bind_blob(q, 1, index);
    if (!q.executeStep()) return std::optional<std::string>{};
    return std::optional<std::string>{q.getColumn(0).getString()};
  });
}

Result<std::optional<std::string>> SqliteVault::find_by_nik(std::string_view nik) const {
  return find_by("nik_index", nik_index(nik));
}

Result<std::vector<std::string>> SqliteVault::find_by_organization(std::string_view organization) const {
  Bytes index = organization_index(organization);
  return db_.read("looking up an organisation's subjects", [&](SQLite::Database& db) -> Result<std::vector<std::string>> {
    SQLite::Statement q(db, "SELECT ref FROM subjects WHERE org_index = ? ORDER BY ref");
    bind_blob(q, 1, index);
    std::vector<std::string> out;
    while (q.executeStep()) out.push_back(q.getColumn(0).getString());
    return out;
  });
}

Result<std::optional<std::string>> SqliteVault::find_by_email(std::string_view email) const {
  return find_by("email_index", email_index(email));
}

void SqliteVault::erase(std::string subject_ref, Done done) {
  db_.writer().submit(
      [subject_ref](WriteConnection& db) -> Status {
        if (!erase_subject_in(db, subject_ref)) return fail(Error::not_found(fmt::format("no subject record {}", subject_ref)));
        return ok_status();
      },
      std::move(done));
}

void SqliteVault::set_legal_hold(std::string subject_ref, LegalHold hold, Done done) {
  db_.writer().submit(
      [subject_ref, hold](WriteConnection& db) -> Status {
        auto& flag = db.prepared("UPDATE subjects SET legal_hold = ? WHERE ref = ?");
        flag.bind(1, hold.hold ? 1 : 0);
        flag.bind(2, subject_ref);
        if (flag.exec() == 0) return fail(Error::not_found(fmt::format("no subject record {}", subject_ref)));
        auto& note = db.prepared("INSERT INTO legal_holds (subject_ref, hold, placed_by, reason, at) VALUES (?, ?, ?, ?, ?)");
        note.bind(1, subject_ref);
        note.bind(2, hold.hold ? 1 : 0);
        note.bind(3, hold.by);
        note.bind(4, hold.reason);
        note.bind(5, unix_seconds(hold.at));
        note.exec();
        return ok_status();
      },
      std::move(done));
}

}  // namespace dsr::storage
