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
  for (const char* table : {"requests", "journal", "journal_head", "subjects", "recipients", "disclosures", "tokens",
                            "outbox", "verification_codes", "meta", "subject_keys", "request_details",
                            "idempotency_keys", "request_messages"}) {
    INFO(table);
    CHECK(check.tableExists(table));
  }
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
