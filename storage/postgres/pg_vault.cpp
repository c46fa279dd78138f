#include "storage/postgres/pg_vault.hpp"

#include <fmt/format.h>

#include <ctime>

#include "storage/rights_rows.hpp"
#include "storage/sqlite_values.hpp"

namespace dsr::storage::pg {

Result<std::optional<SubjectRecord>> read_subject_for_update(Connection& c, const MasterKey& keys, const std::string& ref) {
  auto row = c.exec("SELECT wrap_key_id, wrapped_key, record FROM subjects WHERE ref = $1 FOR UPDATE", {ref});
  if (!row) return fail(row.error());
  if (row->empty()) return std::optional<SubjectRecord>{};
  auto record = open_record(keys, ref, row->text(0, 0), row->bytes(0, 1), row->bytes(0, 2));
  if (!record) return fail(record.error());
  return std::optional<SubjectRecord>{std::move(record).value()};
}

Statement write_subject(const std::string& ref, const SealedRecord& sealed) {
  auto optional_bytes = [](const std::optional<Bytes>& b) -> Param {
    if (!b) return nullptr;
    return *b;
  };
  // dsr_require_master_key: refused (DS003) if a rotation announced
  // another key than the one the data key is wrapped under.
  return {"INSERT INTO subjects (ref, nik_index, email_index, org_index, wrapped_key, record, updated_at, wrap_key_id) "
          "SELECT $1, $2, $3, $4, $5, $6, $7, $8 FROM (SELECT dsr_require_master_key($8)) AS announced "
          "ON CONFLICT (ref) DO UPDATE SET nik_index = EXCLUDED.nik_index, "
          "email_index = EXCLUDED.email_index, org_index = EXCLUDED.org_index, wrapped_key = EXCLUDED.wrapped_key, "
          "record = EXCLUDED.record, updated_at = EXCLUDED.updated_at, wrap_key_id = EXCLUDED.wrap_key_id",
          {ref, sealed.nik_index, optional_bytes(sealed.email_index), optional_bytes(sealed.organization_index),
           sealed.wrapped_key, sealed.record, static_cast<std::int64_t>(std::time(nullptr)), sealed.wrap_key_id}};
}

std::vector<Statement> erase_subject(const std::string& ref) {
  return {
      {"DELETE FROM subjects WHERE ref = $1", {ref}},
      // What the subject wrote or was sent goes with the record.
      {"DELETE FROM outbox WHERE subject_ref = $1 AND kind = 'subject_message'", {ref}},
      {"DELETE FROM request_details WHERE request_id IN (SELECT id FROM requests WHERE subject_ref = $1)", {ref}},
      {"DELETE FROM request_messages WHERE request_id IN (SELECT id FROM requests WHERE subject_ref = $1)", {ref}},
      {"DELETE FROM consents WHERE subject_ref = $1", {ref}},
      {"DELETE FROM restrictions WHERE subject_ref = $1", {ref}},
      // A portability transfer and a release to an authority carry the
      // record's data, sealed under the master key: emptied, and one not
      // delivered yet ends as failed (as on SQLite).
      {"UPDATE outbox SET payload = '\\x'::bytea, "
       "last_error = CASE WHEN status = 'pending' THEN 'the subject was erased before the transfer was delivered' "
       "ELSE last_error END, status = CASE WHEN status = 'pending' THEN 'failed' ELSE status END "
       "WHERE kind = 'recipient_notification' AND subject_ref = $1 AND length(payload) > 0 "
       "AND (request_id IN (SELECT id FROM requests WHERE subject_ref = $1 AND type = 'portability') "
       "OR request_id IN (SELECT id FROM requests WHERE type = 'authority_request'))",
       {ref}},
      // Reasons staff wrote on the subject's requests: blanked, their salted
      // hash kept as the leaf has it, SHA-256(salt || reason) in base64
      // (storage/audit_leaf.hpp salted_reason).
      {"UPDATE journal SET erased_reason = encode(sha256(decode(salt, 'base64') || convert_to(reason, 'UTF8')), "
       "'base64'), reason = '' WHERE reason <> '' AND erased_reason IS NULL "
       "AND request_id IN (SELECT id FROM requests WHERE subject_ref = $1)",
       {ref}},
  };
}

namespace {

constexpr const char* kRestrictionQuery =
    "SELECT since, categories, request_id FROM restrictions WHERE subject_ref = $1 ORDER BY since, request_id";

std::vector<Restriction> restrictions_in(const Rows& rows) {
  std::vector<Restriction> out;
  for (int i = 0; i < rows.size(); ++i)
    out.push_back({from_unix(rows.integer(i, 0)), categories_from_text(rows.text(i, 1)), rows.text(i, 2)});
  return out;
}

}  // namespace

Result<std::vector<Restriction>> restrictions_for_update(Connection& c, const std::string& ref) {
  auto rows = c.exec(std::string(kRestrictionQuery) + " FOR UPDATE", {ref});
  if (!rows) return fail(rows.error());
  return restrictions_in(*rows);
}

Statement write_restriction(const std::string& ref, const Restriction& r) {
  return {"INSERT INTO restrictions (subject_ref, request_id, since, categories) VALUES ($1, $2, $3, $4) "
          "ON CONFLICT (subject_ref, request_id) DO UPDATE SET since = EXCLUDED.since, categories = EXCLUDED.categories",
          {ref, r.request_id, unix_seconds(r.since), categories_text(r.categories)}};
}

Result<std::optional<Restriction>> PgVault::restriction(std::string_view subject_ref) const {
  auto rows = pool_.with([&](Connection& c) { return c.exec(kRestrictionQuery, {std::string(subject_ref)}); });
  if (!rows) return fail(rows.error());
  return standing_restriction(restrictions_in(*rows));
}

Error nik_taken_if_so(Error e) {
  if (e.code == ErrorCode::conflict && e.message.find("\"subjects_nik_index_key\"") != std::string::npos)
    return Error(ErrorCode::conflict, "the NIK is already on file for another subject; resolve the duplicate first",
                 "nik_taken");
  return e;
}

void PgVault::put(SubjectRecord record, RefDone done) {
  executor_.post([=, this, done = std::move(done)]() mutable {
    if (!is_nik(record.nik)) return done(fail(Error::invalid_argument("a subject record needs a NIK of 16 digits")));
    Bytes nik = nik_index_of(keys_, record.nik);
    // The record is sealed to its reference: the existing one for this NIK,
    // else a new one. Two first puts of one NIK at once: the second finds the
    // first's reference when it tries again.
    // A master key rotated meanwhile: the key file is read again and the
    // record sealed anew (once).
    bool reloaded = false;
    for (int attempt = 0; attempt < 2; ++attempt) {
      auto existing = find_by("nik_index", nik);
      if (!existing) return done(fail(existing.error()));
      std::string ref = existing->value_or("s-" + random_id());
      auto written = pool_.with([&](Connection& c) { return c.transaction({write_subject(ref, seal_record(keys_, ref, record))}); });
      if (written) return done(ref);
      if (written.error().kind == "master_key_rotated" && !reloaded) {
        if (Status reread = keys_.reload(); !reread) return done(fail(reread.error()));
        reloaded = true;
        --attempt;
        continue;
      }
      if (existing->has_value() || written.error().code != ErrorCode::conflict || attempt == 1)
        return done(fail(nik_taken_if_so(written.error())));
    }
  });
}

Result<SubjectRecord> PgVault::get(std::string_view subject_ref) const {
  auto row = pool_.with([&](Connection& c) {
    return c.exec("SELECT wrap_key_id, wrapped_key, record FROM subjects WHERE ref = $1", {std::string(subject_ref)});
  });
  if (!row) return fail(row.error());
  if (row->empty()) return fail(Error::not_found(fmt::format("no subject record {}", subject_ref)));
  return open_record(keys_, subject_ref, row->text(0, 0), row->bytes(0, 1), row->bytes(0, 2));
}

Result<std::optional<std::string>> PgVault::find_by(const char* column, const Bytes& index) const {
  auto row = pool_.with([&](Connection& c) {
    return c.exec(fmt::format("SELECT ref FROM subjects WHERE {} = $1 LIMIT 1", column), {index});
  });
  if (!row) return fail(row.error());
  if (row->empty()) return std::optional<std::string>{};
  return std::optional<std::string>{row->text(0, 0)};
}

Result<std::optional<std::string>> PgVault::find_by_nik(std::string_view nik) const {
  return find_by("nik_index", nik_index_of(keys_, nik));
}

Result<std::vector<std::string>> PgVault::find_by_organization(std::string_view organization) const {
  auto rows = pool_.with([&](Connection& c) {
    return c.exec("SELECT ref FROM subjects WHERE org_index = $1 ORDER BY ref", {organization_index_of(keys_, organization)});
  });
  if (!rows) return fail(rows.error());
  std::vector<std::string> out;
  for (int i = 0; i < rows->size(); ++i) out.push_back(rows->text(i, 0));
  return out;
}

Result<std::optional<std::string>> PgVault::find_by_email(std::string_view email) const {
  return find_by("email_index", email_index_of(keys_, email));
}

void PgVault::erase(std::string subject_ref, Done done) {
  executor_.post([=, this, done = std::move(done)]() mutable {
    auto erased = pool_.with([&](Connection& c) { return c.transaction(erase_subject(subject_ref)); });
    if (!erased) return done(fail(erased.error()));
    if ((*erased)[0].affected() == 0) return done(fail(Error::not_found(fmt::format("no subject record {}", subject_ref))));
    done(ok_status());
  });
}

void PgVault::set_legal_hold(std::string subject_ref, LegalHold hold, Done done) {
  executor_.post([=, this, done = std::move(done)]() mutable {
    auto held = pool_.with([&](Connection& c) {
      return c.transaction({{"UPDATE subjects SET legal_hold = $2 WHERE ref = $1", {subject_ref, hold.hold}},
                            {"INSERT INTO legal_holds (subject_ref, hold, placed_by, reason, at) "
                             "SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM subjects WHERE ref = $1)",
                             {subject_ref, hold.hold, hold.by, hold.reason, unix_seconds(hold.at)}}});
    });
    if (!held) return done(fail(held.error()));
    if ((*held)[0].affected() == 0) return done(fail(Error::not_found(fmt::format("no subject record {}", subject_ref))));
    done(ok_status());
  });
}

}  // namespace dsr::storage::pg
