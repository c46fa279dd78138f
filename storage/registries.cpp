#include "storage/registries.hpp"

#include <SQLiteCpp/Statement.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <fmt/format.h>

#include <future>

#include "storage/outbox.hpp"
#include "storage/rights_rows.hpp"
#include "storage/sqlite_values.hpp"

namespace dsr::storage {

std::string secret_context(std::string_view recipient_id) {
  return fmt::format("dsr/recipient-secret/v1/{}", recipient_id);
}

Bytes verification_code_hash(const MasterKey& keys, std::string_view request_id, std::string_view code) {
  return keyed_hash(keys.token_hash(), fmt::format("code:{}:{}", request_id, code));
}

CodeVerdict judge_code(const Bytes& stored, std::int64_t expires_at, int left, const Bytes& given, TimePoint now) {
  if (left <= 0) return {CodeCheck::locked, 0};
  if (unix_seconds(now) > expires_at) return {CodeCheck::expired, left};
  if (equal_constant_time(stored, given)) return {CodeCheck::accepted, left};
  return {left - 1 == 0 ? CodeCheck::locked : CodeCheck::wrong, left - 1};
}

Error no_code_to_resend() {
  return Error(ErrorCode::conflict, "this request is verified by a verifier, not by a code", "no_code");
}

Error code_limit_reached(int sent) {
  return Error(ErrorCode::conflict,
               fmt::format("{} codes have been sent, the most allowed; a verifier can check your identity instead", sent),
               "code_limit");
}

namespace {

void insert_recipient(WriteConnection& db, const MasterKey& keys, const Recipient& r) {
  Bytes sealed = seal(keys.secrets(), as_bytes(r.signing_secret), secret_context(r.id));
  auto& insert = db.prepared(
      "INSERT INTO recipients (id, name, kind, webhook_url, signing_secret, created_at) "
      "VALUES (?,?,?,?,?,strftime('%s','now'))");
  insert.bind(1, r.id);
  insert.bind(2, r.name);
  insert.bind(3, r.kind);
  insert.bind(4, r.webhook_url);
  bind_blob(insert, 5, sealed);
  insert.exec();
}

template <class T>
T wait_for(std::function<void(std::function<void(T)>)> call) {
  std::promise<T> p;
  call([&p](T r) { p.set_value(std::move(r)); });
  return p.get_future().get();
}

}  // namespace

void SqliteDisclosures::create_recipient(Recipient recipient, std::function<void(Result<Recipient>)> done) {
  recipient.id = "rcp-" + random_id(8);
  recipient.signing_secret = "whsec_" + random_id(32);
  auto r = std::make_shared<Recipient>(std::move(recipient));
  db_.writer().submit(
      [this, r](WriteConnection& db) -> Status {
        insert_recipient(db, db_.keys(), *r);
        return ok_status();
      },
      [r, done = std::move(done)](Status s) {
        if (s) return done(*r);
        if (s.error().code == ErrorCode::conflict)
          return done(fail(Error::invalid_argument(fmt::format(
              "recipient kind \"{}\" is not one of institution, legal_advisor, law_enforcement, government, processor",
              r->kind))));
        done(fail(s.error()));
      });
}

Result<Recipient> SqliteDisclosures::create_recipient_sync(std::string name, std::string kind, std::string webhook_url) {
  return wait_for<Result<Recipient>>([&](auto done) {
    create_recipient(Recipient{"", std::move(name), std::move(kind), std::move(webhook_url), ""}, done);
  });
}

Result<Recipient> SqliteDisclosures::recipient(std::string_view id) const {
  auto row = db_.read("reading a recipient", [&](SQLite::Database& db) -> Result<std::pair<Recipient, Bytes>> {
    SQLite::Statement q(db, "SELECT name, kind, webhook_url, signing_secret FROM recipients WHERE id = ?");
    q.bind(1, std::string(id));
    if (!q.executeStep()) return fail(Error::not_found(fmt::format("no recipient {}", id)));
    return std::pair{Recipient{std::string(id), q.getColumn(0).getString(), q.getColumn(1).getString(),
                               q.getColumn(2).getString(), ""},
                     column_blob(q.getColumn(3))};
  });
  if (!row) return fail(row.error());
  auto secret = unseal(db_.keys().secrets(), row->second, secret_context(id));
  if (!secret) return fail(Error::internal(fmt::format("the signing secret of recipient {} does not open", id)));
  row->first.signing_secret.assign(secret->begin(), secret->end());
  return row->first;
}

void SqliteDisclosures::institution_recipient(std::string organization, std::function<void(Result<std::string>)> done) {
  auto id = std::make_shared<std::string>();
  db_.writer().submit(
      [this, organization, id](WriteConnection& db) -> Status {
        auto& find = db.prepared("SELECT id FROM recipients WHERE kind = 'institution' AND name = ? AND webhook_url = ''");
        find.bind(1, organization);
        if (find.executeStep()) {
          *id = find.getColumn(0).getString();
          find.reset();
          return ok_status();
        }
        find.reset();
        // An institution reading through the API has no webhook of its own.
        Recipient r{"rcp-" + random_id(8), organization, "institution", "", "whsec_" + random_id(32)};
        insert_recipient(db, db_.keys(), r);
        *id = r.id;
        return ok_status();
      },
      [id, done = std::move(done)](Status s) {
        if (!s) return done(fail(s.error()));
        done(*id);
      });
}

void insert_disclosure_in(WriteConnection& db, const std::string& id, const Disclosure& d) {
  auto& insert = db.prepared(
      "INSERT INTO disclosures (id, subject_ref, recipient_id, categories, legal_basis, disclosed_at, "
      "recorded_by, recorded_at, purpose, withheld_until) VALUES (?,?,?,?,?,?,?,strftime('%s','now'),?,?)");
  insert.bind(1, id);
  insert.bind(2, d.subject_ref);
  insert.bind(3, d.recipient_id);
  insert.bind(4, categories_text(d.categories));
  insert.bind(5, d.legal_basis);
  insert.bind(6, unix_seconds(d.disclosed_at));
  insert.bind(7, d.recorded_by);
  insert.bind(8, d.purpose);
  if (d.withheld_until) insert.bind(9, unix_seconds(*d.withheld_until));
  else insert.bind(9);
  insert.exec();
}

void SqliteDisclosures::record(Disclosure d, std::function<void(Result<std::string>)> done) {
  auto id = std::make_shared<std::string>(new_disclosure_id());
  db_.writer().submit(
      [id, d = std::move(d)](WriteConnection& db) -> Status {
        insert_disclosure_in(db, *id, d);
        return ok_status();
      },
      [id, done = std::move(done)](Status s) {
        if (!s) return done(fail(s.error()));
        done(*id);
      });
}

Result<std::string> SqliteDisclosures::record_sync(Disclosure d) {
  return wait_for<Result<std::string>>([&](auto done) { record(std::move(d), done); });
}

Result<std::vector<DisclosureEntry>> SqliteDisclosures::for_subject(std::string_view subject_ref) const {
  return db_.read("reading the disclosure ledger", [&](SQLite::Database& db) -> Result<std::vector<DisclosureEntry>> {
    SQLite::Statement q(db,
                        "SELECT d.id, d.recipient_id, d.categories, d.legal_basis, d.disclosed_at, d.recorded_by, "
                        "r.name, r.kind, d.purpose, d.withheld_until FROM disclosures d JOIN recipients r ON r.id = d.recipient_id "
                        "WHERE d.subject_ref = ? ORDER BY d.disclosed_at, d.id");
    q.bind(1, std::string(subject_ref));
    std::vector<DisclosureEntry> out;
    while (q.executeStep()) {
      DisclosureEntry e;
      e.id = q.getColumn(0).getString();
      e.disclosure.subject_ref = std::string(subject_ref);
      e.disclosure.recipient_id = q.getColumn(1).getString();
      auto categories = boost::json::parse(q.getColumn(2).getString());
      for (const auto& c : categories.as_array()) e.disclosure.categories.emplace_back(c.as_string());
      e.disclosure.legal_basis = q.getColumn(3).getString();
      e.disclosure.disclosed_at = TimePoint{std::chrono::seconds{q.getColumn(4).getInt64()}};
      e.disclosure.recorded_by = q.getColumn(5).getString();
      e.recipient_name = q.getColumn(6).getString();
      e.recipient_kind = q.getColumn(7).getString();
      e.disclosure.purpose = q.getColumn(8).getString();
      if (!q.getColumn(9).isNull()) e.disclosure.withheld_until = TimePoint{std::chrono::seconds{q.getColumn(9).getInt64()}};
      out.push_back(std::move(e));
    }
    return out;
  });
}

Result<std::vector<std::string>> SqliteDisclosures::recipients_of(std::string_view subject_ref) const {
  return db_.read("reading the disclosure ledger", [&](SQLite::Database& db) -> Result<std::vector<std::string>> {
    SQLite::Statement q(db, "SELECT DISTINCT recipient_id FROM disclosures WHERE subject_ref = ? ORDER BY recipient_id");
    q.bind(1, std::string(subject_ref));
    std::vector<std::string> out;
    while (q.executeStep()) out.push_back(q.getColumn(0).getString());
    return out;
  });
}

void VerificationCodes::issue(std::string request_id, std::string code, TimePoint expires_at, int attempts,
                              std::function<void(Status)> done) {
  Bytes digest = verification_code_hash(db_.keys(), request_id, code);
  db_.writer().submit(
      [=](WriteConnection& db) -> Status {
        auto& upsert = db.prepared(
            "INSERT INTO verification_codes (request_id, code_hash, expires_at, attempts_left, sent_count, created_at) "
            "VALUES (?,?,?,?,1,strftime('%s','now')) ON CONFLICT (request_id) DO UPDATE SET "
            "code_hash = excluded.code_hash, expires_at = excluded.expires_at, attempts_left = excluded.attempts_left, "
            "sent_count = sent_count + 1");
        upsert.bind(1, request_id);
        bind_blob(upsert, 2, digest);
        upsert.bind(3, unix_seconds(expires_at));
        upsert.bind(4, attempts);
        upsert.exec();
        return ok_status();
      },
      std::move(done));
}

void VerificationCodes::check(std::string request_id, std::string code, TimePoint now,
                              std::function<void(Result<CodeVerdict>)> done) {
  Bytes given = verification_code_hash(db_.keys(), request_id, code);
  auto verdict = std::make_shared<CodeVerdict>();
  db_.writer().submit(
      [=](WriteConnection& db) -> Status {
        auto& q = db.prepared("SELECT code_hash, expires_at, attempts_left FROM verification_codes WHERE request_id = ?");
        q.bind(1, request_id);
        if (!q.executeStep()) {
          *verdict = {CodeCheck::none, 0};
          return ok_status();
        }
        int left = q.getColumn(2).getInt();
        *verdict = judge_code(column_blob(q.getColumn(0)), q.getColumn(1).getInt64(), left, given, now);
        q.reset();
        if (verdict->result == CodeCheck::accepted) {
          auto& consume = db.prepared("DELETE FROM verification_codes WHERE request_id = ?");
          consume.bind(1, request_id);
          consume.exec();
        } else if (verdict->attempts_left < left) {  // a wrong code: one attempt spent
          auto& spend = db.prepared("UPDATE verification_codes SET attempts_left = attempts_left - 1 WHERE request_id = ?");
          spend.bind(1, request_id);
          spend.exec();
        }
        return ok_status();
      },
      [verdict, done = std::move(done)](Status s) {
        if (!s) return done(fail(s.error()));
        done(*verdict);
      });
}

void VerificationCodes::resend(std::string request_id, std::string subject_ref, std::string code, TimePoint expires_at,
                               int attempts, int max_sends, std::optional<OutgoingMessage> message,
                               std::function<void(Result<int>)> done) {
  Bytes digest = verification_code_hash(db_.keys(), request_id, code);
  std::optional<SealedMessage> sealed;
  if (message) sealed = seal_message(db_.keys(), *message);
  auto left = std::make_shared<int>(0);
  db_.writer().submit(
      [=](WriteConnection& db) -> Status {
        auto& q = db.prepared("SELECT sent_count FROM verification_codes WHERE request_id = ?");
        q.bind(1, request_id);
        // The row goes when a code is used; without it, this is no code-verified request.
        if (!q.executeStep()) return fail(no_code_to_resend());
        int sent = q.getColumn(0).getInt();
        q.reset();
        if (sent >= max_sends) return fail(code_limit_reached(sent));
        auto& u = db.prepared("UPDATE verification_codes SET code_hash = ?, expires_at = ?, attempts_left = ?, "
                              "sent_count = sent_count + 1 WHERE request_id = ?");
        bind_blob(u, 1, digest);
        u.bind(2, unix_seconds(expires_at));
        u.bind(3, attempts);
        u.bind(4, request_id);
        u.exec();
        if (sealed) enqueue_message(db, RequestHeader{request_id, "", "", subject_ref}, *sealed);
        *left = max_sends - sent - 1;
        return ok_status();
      },
      [left, done = std::move(done)](Status s) {
        if (!s) return done(fail(s.error()));
        done(*left);
      });
}

Status VerificationCodes::issue_sync(std::string_view request_id, std::string_view code, TimePoint expires_at,
                                     int attempts) {
  std::promise<Status> p;
  issue(std::string(request_id), std::string(code), expires_at, attempts, [&p](Status s) { p.set_value(std::move(s)); });
  return p.get_future().get();
}

Result<CodeVerdict> VerificationCodes::check_sync(std::string_view request_id, std::string_view code, TimePoint now) {
  std::promise<Result<CodeVerdict>> p;
  check(std::string(request_id), std::string(code), now, [&p](Result<CodeVerdict> r) { p.set_value(std::move(r)); });
  return p.get_future().get();
}

}  // namespace dsr::storage
