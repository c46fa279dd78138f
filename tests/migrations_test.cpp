// The schema: built from empty, unchanged by a second start, and a database
// from a newer dsr refused.
#include <catch2/catch.hpp>

#include <SQLiteCpp/Database.h>

#include <fstream>

#include "storage/connection.hpp"
#include "storage/migrations.hpp"
#include "storage_support.hpp"

using namespace dsr;

TEST_CASE("an empty database is migrated to the latest schema", "[storage][migrations]") {
  test::TempDir dir;
  std::string path = dir.file("dsr.db");
  { auto db = test::open_database(path); }
  SQLite::Database check(path, SQLite::OPEN_READONLY);
  CHECK(storage::schema_version(check) == storage::latest_schema_version());
  for (const char* table : {"requests", "journal", "log_checkpoints", "subjects", "recipients",
                            "disclosures", "tokens", "outbox", "verification_codes", "meta", "subject_keys",
                            "request_details", "idempotency_keys", "request_messages"}) {
    INFO(table);
    CHECK(check.tableExists(table));
  }
  CHECK_FALSE(check.tableExists("journal_head"));  // the hash chain's seal: replaced by the tree (migration 12)
  CHECK(check.execAndGet("PRAGMA journal_mode").getString() == "wal");
}

TEST_CASE("opening again applies nothing twice", "[storage][migrations]") {
  test::TempDir dir;
  std::string path = dir.file("dsr.db");
  { auto db = test::open_database(path); }
  { auto db = test::open_database(path); }
  SQLite::Database check(path, SQLite::OPEN_READONLY);
  CHECK(check.execAndGet("SELECT COUNT(*) FROM schema_migrations").getInt() == storage::latest_schema_version());
}

TEST_CASE("a database from a newer dsr is refused, untouched", "[storage][migrations]") {
  test::TempDir dir;
  std::string path = dir.file("dsr.db");
  { auto db = test::open_database(path); }
  {
    SQLite::Database edit(path, SQLite::OPEN_READWRITE);
    edit.exec("INSERT INTO schema_migrations (version, description, applied_at) VALUES (99, 'from the future', 0)");
  }
  auto refused = storage::Database::open(path, test::test_key());
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message.find("schema version 99, newer than this dsr knows") != std::string::npos);
}

TEST_CASE("an in-memory database works the same way", "[storage][migrations]") {
  auto db = test::open_database(":memory:");
  auto version = db->read("schema", [](SQLite::Database& c) -> Result<int> { return storage::schema_version(c); });
  REQUIRE(version.ok());
  CHECK(*version == storage::latest_schema_version());
}

TEST_CASE("a file that is not a database is a clear error", "[storage][migrations]") {
  test::TempDir dir;
  std::string path = dir.file("dsr.db");
  {
    std::ofstream junk(path);
    junk << "this is not an SQLite database, just a text file that happens to be here";
  }
  auto refused = storage::Database::open(path, test::test_key());
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message.find("damaged or not a dsr database") != std::string::npos);
}

TEST_CASE("requests filed before milestones were kept get them from their journal", "[storage][migrations]") {
  SQLite::Database db(":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  REQUIRE(storage::migrate(db, 6).ok());
  db.exec("INSERT INTO requests (id, type, policy, subject_ref, state, version, received_at, updated_at) VALUES "
          "('done', 'access', 'id-pdp', 's-1', 'completed', 6, 1000, 1900), "
          "('waits', 'access', 'id-pdp', 's-2', 'awaiting_subject', 3, 1000, 1200), "
          "('lapsed', 'access', 'id-pdp', 's-3', 'expired', 2, 1000, 1300)");
  // (request, seq, at, from, to): two waits on the subject for "done", 100 s and 50 s,
  // the second interrupted by a message that stays in the state.
  const char* rows[][5] = {
      {"done", "1", "1000", "", "verifying"},         {"done", "2", "1100", "verifying", "in_review"},
      {"done", "3", "1200", "in_review", "awaiting_subject"}, {"done", "4", "1300", "awaiting_subject", "in_review"},
      {"done", "5", "1400", "in_review", "awaiting_subject"}, {"done", "6", "1420", "awaiting_subject", "awaiting_subject"},
      {"done", "7", "1450", "awaiting_subject", "in_review"}, {"done", "8", "1900", "in_review", "completed"},
      {"waits", "1", "1000", "", "verifying"},        {"waits", "2", "1100", "verifying", "in_review"},
      {"waits", "3", "1200", "in_review", "awaiting_subject"},
      {"lapsed", "1", "1000", "", "verifying"},       {"lapsed", "2", "1300", "verifying", "expired"}};
  for (const auto& r : rows) {
    SQLite::Statement insert(db, "INSERT INTO journal (request_id, request_seq, name, principal, role, at, reason, "
                                 "reason_public, from_state, to_state, clock, outcome, data, hash) "
                                 "VALUES (?, ?, 'e', 'p', 'subject', ?, '', 0, ?, ?, 'none', '', x'', x'')");
    for (int i = 0; i < 5; ++i) insert.bind(i + 1, r[i]);
    insert.exec();
  }
  REQUIRE(storage::migrate(db).ok());
  auto milestones = [&](const char* id) {
    SQLite::Statement q(db, "SELECT COALESCE(closed_at, -1), COALESCE(verified_at, -1), awaiting_subject_seconds, "
                            "COALESCE(awaiting_since, -1) FROM requests WHERE id = ?");
    q.bind(1, id);
    REQUIRE(q.executeStep());
    return std::vector<std::int64_t>{q.getColumn(0).getInt64(), q.getColumn(1).getInt64(), q.getColumn(2).getInt64(),
                                     q.getColumn(3).getInt64()};
  };
  CHECK(milestones("done") == std::vector<std::int64_t>{1900, 1100, 150, -1});
  CHECK(milestones("waits") == std::vector<std::int64_t>{-1, 1100, 0, 1200});
  CHECK(milestones("lapsed") == std::vector<std::int64_t>{1300, -1, 0, -1});
}
