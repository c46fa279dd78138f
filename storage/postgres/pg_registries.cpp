#include "storage/postgres/pg_registries.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <fmt/format.h>

#include <ctime>

#include "storage/outbox.hpp"
#include "storage/registries.hpp"
#include "storage/rights_rows.hpp"
#include "storage/sqlite_values.hpp"

namespace dsr::storage::pg {
namespace {

std::int64_t now_seconds() { return static_cast<std::int64_t>(std::time(nullptr)); }

Statement insert_recipient(const MasterKey& keys, const Recipient& r) {
  return {"INSERT INTO recipients (id, name, kind, webhook_url, signing_secret, created_at) "
          "VALUES ($1, $2, $3, $4, $5, $6)",
          {r.id, r.name, r.kind, r.webhook_url, seal(keys.secrets(), as_bytes(r.signing_secret), secret_context(r.id)),
           now_seconds()}};
}

// Runs `f(Connection&)` in a transaction on a leased connection.
template <class F>
auto in_transaction(Pool& pool, F&& f) -> decltype(f(std::declval<Connection&>())) {
  return pool.with([&](Connection& c) { return pg::in_transaction(c, f); });
}

}  // namespace

void PgDisclosures::create_recipient(Recipient recipient, std::function<void(Result<Recipient>)> done) {
  executor_.post([=, this, done = std::move(done)]() mutable {
    recipient.id = "rcp-" + random_id(8);
    recipient.signing_secret = "whsec_" + random_id(32);
    Statement insert = insert_recipient(keys_, recipient);
    auto made = pool_.with([&](Connection& c) { return c.exec(insert.sql, insert.params); });
    if (made) return done(recipient);
    if (made.error().kind == "sqlstate_23514")  // the kind's CHECK
      return done(fail(Error::invalid_argument(fmt::format(
          "recipient kind \"{}\" is not one of institution, legal_advisor, law_enforcement, government, processor",
          recipient.kind))));
    done(fail(made.error()));
  });
}

Result<Recipient> PgDisclosures::recipient(std::string_view id) const {
  auto row = pool_.with([&](Connection& c) {
    return c.exec("SELECT name, kind, webhook_url, signing_secret FROM recipients WHERE id = $1", {std::string(id)});
  });
  if (!row) return fail(row.error());
  if (row->empty()) return fail(Error::not_found(fmt::format("no recipient {}", id)));
  auto secret = unseal(keys_.secrets(), row->bytes(0, 3), secret_context(id));
  if (!secret) return fail(Error::internal(fmt::format("the signing secret of recipient {} does not open", id)));
  return Recipient{std::string(id), row->text(0, 0), row->text(0, 1), row->text(0, 2),
                   std::string(secret->begin(), secret->end())};
}

void PgDisclosures::institution_recipient(std::string organization, std::function<void(Result<std::string>)> done) {
  executor_.post([=, this, done = std::move(done)]() mutable {
    // Found or made under a lock on the organisation's name, so that two
    // nodes reading for one institution at once make one recipient.
    done(in_transaction(pool_, [&](Connection& c) -> Result<std::string> {
      if (auto locked = c.exec("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", {"institution:" + organization});
          !locked)
        return fail(locked.error());
      auto found = c.exec("SELECT id FROM recipients WHERE kind = 'institution' AND name = $1 AND webhook_url = ''",
                          {organization});
      if (!found) return fail(found.error());
      if (!found->empty()) return found->text(0, 0);
      // An institution reading through the API has no webhook of its own.
      Recipient r{"rcp-" + random_id(8), organization, "institution", "", "whsec_" + random_id(32)};
      Statement insert = insert_recipient(keys_, r);
      if (auto made = c.exec(insert.sql, insert.params); !made) return fail(made.error());
      return r.id;
    }));
  });
}

Statement insert_disclosure(const std::string& id, const Disclosure& d) {
  return {"INSERT INTO disclosures (id, subject_ref, recipient_id, categories, legal_basis, disclosed_at, "
          "recorded_by, recorded_at, purpose, withheld_until) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
          {id, d.subject_ref, d.recipient_id, categories_text(d.categories), d.legal_basis,
           unix_seconds(d.disclosed_at), d.recorded_by, now_seconds(), d.purpose,
           d.withheld_until ? Param(unix_seconds(*d.withheld_until)) : Param(nullptr)}};
}

void PgDisclosures::record(Disclosure d, std::function<void(Result<std::string>)> done) {
  executor_.post([=, this, done = std::move(done)]() mutable {
    std::string id = new_disclosure_id();
    Statement insert = insert_disclosure(id, d);
    auto recorded = pool_.with([&](Connection& c) { return c.exec(insert.sql, insert.params); });
    if (!recorded) return done(fail(recorded.error()));
    done(id);
  });
}

Result<std::vector<DisclosureEntry>> PgDisclosures::for_subject(std::string_view subject_ref) const {
  auto rows = pool_.with([&](Connection& c) {
    return c.exec("SELECT d.id, d.recipient_id, d.categories, d.legal_basis, d.disclosed_at, d.recorded_by, r.name, "
                  "r.kind, d.purpose, d.withheld_until FROM disclosures d JOIN recipients r ON r.id = d.recipient_id "
                  "WHERE d.subject_ref = $1 ORDER BY d.disclosed_at, d.id",
                  {std::string(subject_ref)});
  });
  if (!rows) return fail(rows.error());
  std::vector<DisclosureEntry> out;
  for (int i = 0; i < rows->size(); ++i) {
    DisclosureEntry e;
    e.id = rows->text(i, 0);
    e.disclosure.subject_ref = std::string(subject_ref);
    e.disclosure.recipient_id = rows->text(i, 1);
    boost::json::value categories = boost::json::parse(rows->text(i, 2));  // kept: the loop reads into it
    for (const auto& c : categories.as_array()) e.disclosure.categories.emplace_back(c.as_string());
    e.disclosure.legal_basis = rows->text(i, 3);
    e.disclosure.disclosed_at = from_unix(rows->integer(i, 4));
    e.disclosure.recorded_by = rows->text(i, 5);
    e.recipient_name = rows->text(i, 6);
    e.recipient_kind = rows->text(i, 7);
    e.disclosure.purpose = rows->text(i, 8);
    if (!rows->null(i, 9)) e.disclosure.withheld_until = from_unix(rows->integer(i, 9));
    out.push_back(std::move(e));
  }
  return out;
}

void PgVerificationCodes::issue(std::string request_id, std::string code, TimePoint expires_at, int attempts,
                                std::function<void(Status)> done) {
  executor_.post([=, this, done = std::move(done)]() mutable {
    auto issued = pool_.with([&](Connection& c) {
      return c.exec("INSERT INTO verification_codes (request_id, code_hash, expires_at, attempts_left, sent_count, "
                    "created_at) VALUES ($1, $2, $3, $4, 1, $5) ON CONFLICT (request_id) DO UPDATE SET "
                    "code_hash = EXCLUDED.code_hash, expires_at = EXCLUDED.expires_at, "
                    "attempts_left = EXCLUDED.attempts_left, sent_count = verification_codes.sent_count + 1",
                    {request_id, verification_code_hash(keys_, request_id, code), unix_seconds(expires_at),
                     std::int64_t{attempts}, now_seconds()});
    });
    if (!issued) return done(fail(issued.error()));
    done(ok_status());
  });
}

void PgVerificationCodes::check(std::string request_id, std::string code, TimePoint now,
                                std::function<void(Result<CodeVerdict>)> done) {
  executor_.post([=, this, done = std::move(done)]() mutable {
    Bytes given = verification_code_hash(keys_, request_id, code);
    // The row held while it is judged: two guesses at once spend two attempts.
    done(in_transaction(pool_, [&](Connection& c) -> Result<CodeVerdict> {
      auto row = c.exec("SELECT code_hash, expires_at, attempts_left FROM verification_codes WHERE request_id = $1 "
                        "FOR UPDATE",
                        {request_id});
      if (!row) return fail(row.error());
      if (row->empty()) return CodeVerdict{CodeCheck::none, 0};
      int left = static_cast<int>(row->integer(0, 2));
      CodeVerdict verdict = judge_code(row->bytes(0, 0), row->integer(0, 1), left, given, now);
      Result<Rows> written = Rows();
      if (verdict.result == CodeCheck::accepted)
        written = c.exec("DELETE FROM verification_codes WHERE request_id = $1", {request_id});
      else if (verdict.attempts_left < left)
        written = c.exec("UPDATE verification_codes SET attempts_left = attempts_left - 1 WHERE request_id = $1",
                         {request_id});
      if (!written) return fail(written.error());
      return verdict;
    }));
  });
}

void PgVerificationCodes::resend(std::string request_id, std::string subject_ref, std::string code,
                                 TimePoint expires_at, int attempts, int max_sends,
                                 std::optional<OutgoingMessage> message, std::function<void(Result<int>)> done) {
  executor_.post([=, this, done = std::move(done)]() mutable {
    Bytes digest = verification_code_hash(keys_, request_id, code);
    std::optional<SealedMessage> sealed;
    if (message) sealed = seal_message(keys_, *message);
    done(in_transaction(pool_, [&](Connection& c) -> Result<int> {
      auto row = c.exec("SELECT sent_count FROM verification_codes WHERE request_id = $1 FOR UPDATE", {request_id});
      if (!row) return fail(row.error());
      // The row goes when a code is used; without it, this is no code-verified request.
      if (row->empty()) return fail(no_code_to_resend());
      int sent = static_cast<int>(row->integer(0, 0));
      if (sent >= max_sends) return fail(code_limit_reached(sent));
      std::int64_t now = now_seconds();
      auto updated = c.exec("UPDATE verification_codes SET code_hash = $2, expires_at = $3, attempts_left = $4, "
                            "sent_count = sent_count + 1 WHERE request_id = $1",
                            {request_id, digest, unix_seconds(expires_at), std::int64_t{attempts}});
      if (!updated) return fail(updated.error());
      if (!sealed) return max_sends - sent - 1;  // an unusable code: counted, sent nowhere
      auto queued = c.exec("INSERT INTO outbox (id, kind, request_id, subject_ref, payload, status, attempts, "
                           "next_attempt_at, created_at, updated_at) "
                           "VALUES ($1, 'subject_message', $2, $3, $4, 'pending', 0, $5, $5, $5)",
                           {sealed->id, request_id, subject_ref, sealed->payload, now});
      if (!queued) return fail(queued.error());
      return max_sends - sent - 1;
    }));
  });
}

}  // namespace dsr::storage::pg
