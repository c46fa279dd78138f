// The retention sweep over SQLite: what each rule removes, what it keeps,
// legal holds, the record of each sweep, and that sweeping again removes
// nothing more.
#include <catch2/catch.hpp>

#include <SQLiteCpp/Database.h>
#include <boost/json/parse.hpp>

#include "storage/retention_sweep.hpp"
#include "storage_support.hpp"
#include "test_support.hpp"

using namespace dsr;
using namespace std::chrono_literals;

namespace {

const std::int64_t kT0 = 1793491200;  // 1 November 2026 00:00 UTC
const TimePoint kDay8 = TimePoint{std::chrono::seconds{kT0}} + 24h * 8;
const TimePoint kDay366 = TimePoint{std::chrono::seconds{kT0}} + 24h * 366;

// Rows as dsr writes them, the ones a sweep reads, with times around kT0.
void fill(SQLite::Database& db) {
  db.exec(R"sql(
INSERT INTO subjects (ref, nik_index, wrapped_key, record, legal_hold, updated_at) VALUES
  ('s-done', X'01', X'aa', X'bb', 0, 1793491200),      -- every request closed on day 0
  ('s-open', X'02', X'aa', X'bb', 0, 1793491200),      -- one request still open
  ('s-held', X'03', X'aa', X'bb', 1, 1793491200),      -- closed, but under legal hold
  ('s-none', X'04', X'aa', X'bb', 0, 1793491200);      -- on file, never asked anything
INSERT INTO requests (id, type, policy, subject_ref, state, version, received_at, due_at, updated_at, closed_at) VALUES
  ('r-done', 'access', 'id-pdp', 's-done', 'completed', 4, 1793491200, 1793750400, 1793491200, 1793491200),
  ('r-open-closed', 'access', 'id-pdp', 's-open', 'rejected', 2, 1793491200, 1793750400, 1793491200, 1793491200),
  ('r-open', 'access', 'id-pdp', 's-open', 'in_review', 2, 1793491200, 1793750400, 1793491200, NULL),
  ('r-held', 'access', 'id-pdp', 's-held', 'completed', 4, 1793491200, 1793750400, 1793491200, 1793491200);
INSERT INTO request_details (request_id, sealed) VALUES ('r-done', X'cc'), ('r-open', X'cc');
INSERT INTO request_messages (request_id, request_seq, author, role, sealed, at) VALUES ('r-done', 2, 'budi', 'subject', X'dd', 1793491200);
INSERT INTO verification_codes (request_id, code_hash, expires_at, attempts_left, created_at) VALUES
  ('r-done', X'ee', 1793492100, 5, 1793491200),       -- its request closed
  ('r-open-closed', X'ee', 1793492100, 5, 1793491200),
  ('r-open', X'ee', 9999999999, 5, 1793491200);       -- open and still valid: kept
INSERT INTO recipients (id, name, kind, webhook_url, signing_secret, created_at) VALUES
  ('rc-1', 'Biro SDM', 'institution', 'https://sdm.example.go.id/hook', X'ff', 1793491200);
INSERT INTO outbox (id, kind, request_id, subject_ref, recipient_id, payload, status, next_attempt_at, created_at,
                    updated_at, delivered_at, acknowledged_at) VALUES
  ('m-sent', 'subject_message', 'r-done', 's-done', NULL, X'0102', 'delivered', 0, 1793491200, 1793491200, 1793491200, NULL),
  ('m-pending', 'subject_message', 'r-open', 's-open', NULL, X'0102', 'pending', 0, 1793491200, 1793491200, NULL, NULL),
  ('n-acked', 'recipient_notification', 'r-held', NULL, 'rc-1', X'0102', 'acknowledged', 0, 1793491200, 1793491200, 1793491200, 1793491200),
  ('n-waiting', 'recipient_notification', 'r-held', NULL, 'rc-1', X'0102', 'delivered', 0, 1793491200, 1793491200, 1793491200, NULL),
  ('n-dead', 'recipient_notification', 'r-held', NULL, 'rc-1', X'0102', 'failed', 0, 1793491200, 1793491200, NULL, NULL);
INSERT INTO idempotency_keys (key_hash, body_hash, status, response, created_at) VALUES
  (X'11', X'22', 201, X'33', 1793491200), (X'12', X'22', 201, X'33', 1796083200);
)sql");
}

std::int64_t count(SQLite::Database& db, const std::string& sql) { return db.execAndGet(sql).getInt64(); }

}  // namespace

TEST_CASE("a retention sweep removes what each rule says has served its purpose, and only that",
          "[storage][retention]") {
  test::TempDir dir;
  std::string path = dir.file("dsr.db");
  auto db = test::open_database(path);
  SQLite::Database check(path, SQLite::OPEN_READWRITE);
  fill(check);
  const SlaCatalog& policies = test::shipped_policies();
  const RetentionRules& rules = policies.policy("id-pdp")->retention;
  REQUIRE(rules.verification_codes == std::chrono::days(7));
  REQUIRE(rules.subject_record == std::chrono::days(365));

  // A week and a day on: codes, delivered payloads and old answers go; the
  // records stay (they are kept a year).
  auto first = storage::sweep_retention(*db, policies, rules, kDay8);
  REQUIRE(first.ok());
  CHECK(first->verification_codes == 2);
  CHECK(count(check, "SELECT COUNT(*) FROM verification_codes WHERE request_id = 'r-open'") == 1);
  CHECK(first->message_payloads == 2);  // the delivered message and the acknowledged notice
  CHECK(check.execAndGet("SELECT group_concat(id) FROM (SELECT id FROM outbox WHERE length(payload) = 0 ORDER BY id)")
            .getString() == "m-sent,n-acked");
  CHECK(count(check, "SELECT COUNT(*) FROM outbox") == 5);  // the rows stay, with their status
  CHECK(first->idempotency_answers == 1);
  CHECK(first->subjects_shredded.empty());
  CHECK(count(check, "SELECT COUNT(*) FROM subjects") == 4);
  CHECK(count(check, "SELECT COUNT(*) FROM retention_sweeps") == 1);

  // Again: nothing more to remove, and nothing recorded.
  auto again = storage::sweep_retention(*db, policies, rules, kDay8);
  REQUIRE(again.ok());
  CHECK_FALSE(again->removed_anything());
  CHECK(count(check, "SELECT COUNT(*) FROM retention_sweeps") == 1);

  // A year on: the record whose requests all closed is shredded with its
  // forms and correspondence; one with an open request, one under legal
  // hold and one that never asked anything stay.
  auto later = storage::sweep_retention(*db, policies, rules, kDay366);
  REQUIRE(later.ok());
  CHECK(later->subjects_shredded == std::vector<std::string>{"s-done"});
  CHECK(later->subjects_on_hold == 1);
  CHECK(check.execAndGet("SELECT group_concat(ref) FROM (SELECT ref FROM subjects ORDER BY ref)").getString() ==
        "s-held,s-none,s-open");
  CHECK(count(check, "SELECT COUNT(*) FROM request_details WHERE request_id = 'r-done'") == 0);
  CHECK(count(check, "SELECT COUNT(*) FROM request_messages WHERE request_id = 'r-done'") == 0);
  CHECK(count(check, "SELECT COUNT(*) FROM request_details WHERE request_id = 'r-open'") == 1);
  CHECK(count(check, "SELECT COUNT(*) FROM requests") == 4);  // the requests themselves are the record of processing

  // The record of the sweep: counts and references, no personal data.
  SQLite::Statement log(check, "SELECT subjects_shredded, subjects_on_hold FROM retention_sweeps ORDER BY id DESC LIMIT 1");
  REQUIRE(log.executeStep());
  CHECK(boost::json::parse(log.getColumn(0).getString()) == boost::json::parse(R"(["s-done"])"));
  CHECK(log.getColumn(1).getInt64() == 1);
}
