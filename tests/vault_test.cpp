// The vault keeps personal data encrypted, findable only through blind
// indexes, bound to its row, and gone for good after erasure.
#include <catch2/catch.hpp>

#include <SQLiteCpp/Database.h>
#include <sys/stat.h>

#include <fstream>

#include "engine/request_service.hpp"
#include "storage/master_key_file.hpp"
#include "storage/sqlite_store.hpp"
#include "storage/sqlite_vault.hpp"
#include "storage_support.hpp"
#include "test_support.hpp"

using namespace dsr;
using test::budi;
using test::sari;

TEST_CASE("a record round-trips and is found by NIK or e-mail", "[storage][vault]") {
  auto db = test::open_database(":memory:");
  storage::SqliteVault vault(*db);
  auto ref = test::put(vault, budi());
  REQUIRE(ref.ok());
  auto back = vault.get(*ref);
  REQUIRE(back.ok());
  CHECK(*back == budi());
  CHECK(vault.find_by_nik("3171012303850007")->value() == *ref);
  CHECK(vault.find_by_email("  Budi.Wirawan@EXAMPLE.go.id ")->value() == *ref);
  CHECK_FALSE(vault.find_by_nik("3171012303850008")->has_value());
}

TEST_CASE("writing the same NIK again updates the record in place", "[storage][vault]") {
  auto db = test::open_database(":memory:");
  storage::SqliteVault vault(*db);
  auto first = test::put(vault, budi());
  SubjectRecord moved = budi();
  moved.email = "budi@example.id";
  auto second = test::put(vault, moved);
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  CHECK(*first == *second);
  CHECK(vault.get(*first)->email == "budi@example.id");
  CHECK_FALSE(vault.find_by_email("budi.wirawan@example.go.id")->has_value());
}

TEST_CASE("a NIK that is not 16 digits is refused", "[storage][vault]") {
  auto db = test::open_database(":memory:");
  storage::SqliteVault vault(*db);
  SubjectRecord bad = budi();
  bad.nik = "31710123";
  auto refused = test::put(vault, bad);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == ErrorCode::invalid_argument);
}

TEST_CASE("a ciphertext moved to another row does not open", "[storage][vault]") {
  test::TempDir dir;
  std::string path = dir.file("dsr.db");
  auto db = test::open_database(path);
  storage::SqliteVault vault(*db);
  auto a = test::put(vault, budi());
  auto b = test::put(vault, sari());
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  {
    SQLite::Database edit(path, SQLite::OPEN_READWRITE);
    edit.exec("UPDATE subjects SET record = (SELECT record FROM subjects WHERE ref = '" + *b + "'), "
              "wrapped_key = (SELECT wrapped_key FROM subjects WHERE ref = '" + *b + "') WHERE ref = '" + *a + "'");
  }
  auto swapped = vault.get(*a);
  REQUIRE_FALSE(swapped.ok());
  CHECK(swapped.error().message.find("does not open") != std::string::npos);
  CHECK(vault.get(*b).ok());
}

TEST_CASE("a new database file is readable by its owner only", "[storage][keys]") {
  test::TempDir dir;
  std::string path = dir.file("dsr.db");
  { auto db = test::open_database(path); }
  struct stat info{};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
}

TEST_CASE("a database opened with another master key is refused", "[storage][vault][keys]") {
  test::TempDir dir;
  std::string path = dir.file("dsr.db");
  { auto db = test::open_database(path, test::test_key(1)); }
  auto refused = storage::Database::open(path, test::test_key(2));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message.find("master key does not match this database") != std::string::npos);
}

TEST_CASE("the master key file is created 0600 and read back", "[storage][keys]") {
  test::TempDir dir;
  auto path = dir.path() / "var" / "master.key";
  auto created = storage::load_or_create_master_key(path);
  REQUIRE(created.ok());
  struct stat info{};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  CHECK(info.st_size == 32);
  REQUIRE(::stat(path.parent_path().c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0700);  // the directory made for it is private
  auto again = storage::load_or_create_master_key(path);
  REQUIRE(again.ok());
  CHECK(*again == *created);
}

TEST_CASE("a key file others can read, or of the wrong size, is refused", "[storage][keys]") {
  test::TempDir dir;
  auto path = dir.path() / "master.key";
  REQUIRE(storage::load_or_create_master_key(path).ok());
  ::chmod(path.c_str(), 0644);
  auto readable = storage::load_or_create_master_key(path);
  REQUIRE_FALSE(readable.ok());
  CHECK(readable.error().message.find("can be read by others") != std::string::npos);
  CHECK(readable.error().message.find("chmod 600") != std::string::npos);

  auto short_path = dir.path() / "short.key";
  { std::ofstream(short_path) << "too short"; }
  ::chmod(short_path.c_str(), 0600);
  auto wrong_size = storage::load_or_create_master_key(short_path);
  REQUIRE_FALSE(wrong_size.ok());
  CHECK(wrong_size.error().message.find("holds 9 bytes, not 32") != std::string::npos);
}

TEST_CASE("no personal data is written in plaintext, before or after erasure", "[storage][vault][erasure]") {
  test::TempDir dir;
  std::string path = dir.file("data/dsr.db");
  const SubjectRecord subject = budi();
  const std::vector<std::string> secrets{subject.name, subject.nik, subject.email, subject.phone, subject.nip,
                                         "Budi Santoso"};
  {
    auto db = test::open_database(path);
    storage::SqliteVault vault(*db);
    storage::SqliteStore store(*db);
    SystemClock clock;
    int next = 0;
    RequestService service(test::shipped_workflows(), test::shipped_policies(), store, clock,
                           [&] { return "r" + std::to_string(++next); });
    auto ref = test::put(vault, subject);
    REQUIRE(ref.ok());
    REQUIRE(test::put(vault, sari()).ok());
    auto filed = test::submit(service, "erasure", "id-pdp", *ref);
    REQUIRE(filed.ok());
    REQUIRE(test::fire(service, "r1", "verify", test::actor(Role::subject, "subject"), 1).ok());
    REQUIRE(vault.get(*ref).ok());

    for (const auto& s : secrets) {
      INFO("before erasure: " << s);
      CHECK_FALSE(test::bytes_found_under(dir.path(), s));
    }
    REQUIRE(test::erase(vault, *ref).ok());
    CHECK(vault.get(*ref).error().code == ErrorCode::not_found);
    CHECK_FALSE(vault.find_by_nik(subject.nik)->has_value());
    CHECK(store.load("r1")->subject_ref == *ref);  // the request keeps only the pseudonym
  }
  for (const auto& s : secrets) {
    INFO("after erasure: " << s);
    CHECK_FALSE(test::bytes_found_under(dir.path(), s));
  }
  // The scan itself works: a planted string is found.
  { std::ofstream(dir.path() / "data" / "planted.txt") << "xx " << subject.nik << " xx"; }
  CHECK(test::bytes_found_under(dir.path(), subject.nik));
}
