// The libpq layer (storage/postgres/): values round-trip in binary, errors
// map from SQLSTATE to what the caller can do, a transaction is all or
// nothing in one round trip, a lost connection heals, passwords stay out of
// messages, and two nodes migrating at once apply each migration once.
#include <catch2/catch.hpp>

#include <thread>

#include "postgres_support.hpp"
#include "storage/postgres/pg_connection.hpp"
#include "storage/postgres/pg_migrations.hpp"
#include "storage/postgres/pg_pool.hpp"

using namespace dsr;
using storage::Bytes;
using storage::pg::Connection;
using storage::pg::Params;

namespace {

std::unique_ptr<Connection> must_connect(const std::string& conninfo) {
  auto c = Connection::open(conninfo);
  REQUIRE(c.ok());
  return std::move(c).value();
}

}  // namespace

TEST_CASE("each type goes in and comes back as it was", "[postgres][driver]") {
  test::PgDatabase db;
  auto c = must_connect(db.conninfo());
  REQUIRE(c->run_script("CREATE TABLE t (i bigint, b boolean, s text, y bytea, n text)").ok());
  const Bytes blob{0, 1, 0xff, 0, 'x'};
  const std::string text = "Pemohon: Siti Aminah — ‘quoted’ \\ and a ' quote";
  REQUIRE(c->exec("INSERT INTO t VALUES ($1, $2, $3, $4, $5)",
                  {std::int64_t{-9007199254740993}, true, text, blob, nullptr}).ok());
  auto rows = c->exec("SELECT i, b, s, y, n FROM t");
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 1);
  CHECK(rows->integer(0, 0) == -9007199254740993);
  CHECK(rows->boolean(0, 1));
  CHECK(rows->text(0, 2) == text);
  CHECK(rows->bytes(0, 3) == blob);
  CHECK(rows->null(0, 4));
  // Reading a column as what it is not is a bug in the statement, said so.
  CHECK_THROWS_WITH(rows->integer(0, 2), Catch::Contains("read as an integer"));
  CHECK_THROWS_WITH(rows->text(0, 4), Catch::Contains("NULL"));
  // Aggregates of integers come back as integers of any width.
  auto count = c->exec("SELECT COUNT(*), 7::int, 3::smallint FROM t");
  REQUIRE(count.ok());
  CHECK(count->integer(0, 0) == 1);
  CHECK(count->integer(0, 1) == 7);
  CHECK(count->integer(0, 2) == 3);
}

TEST_CASE("errors say what the caller can do: a broken constraint is a conflict, a malformed value invalid", "[postgres][driver]") {
  test::PgDatabase db;
  auto c = must_connect(db.conninfo());
  REQUIRE(c->run_script("CREATE TABLE t (id text PRIMARY KEY, n bigint NOT NULL)").ok());
  REQUIRE(c->exec("INSERT INTO t VALUES ($1, $2)", {std::string("a"), std::int64_t{1}}).ok());
  auto again = c->exec("INSERT INTO t VALUES ($1, $2)", {std::string("a"), std::int64_t{2}});
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code == ErrorCode::conflict);
  CHECK(again.error().kind == "sqlstate_23505");
  CHECK(again.error().message.find("duplicate key") != std::string::npos);
  auto not_a_number = c->exec("INSERT INTO t VALUES ($1, $2)", {std::string("b"), std::string("twelve")});
  REQUIRE_FALSE(not_a_number.ok());
  CHECK(not_a_number.error().code == ErrorCode::invalid_argument);
  auto missing = c->exec("INSERT INTO t VALUES ($1, $2)", {std::string("c"), nullptr});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == ErrorCode::conflict);  // a constraint, as SQLite says it
  CHECK(missing.error().kind == "sqlstate_23502");
  // The connection goes on after each error.
  CHECK(c->exec("SELECT n FROM t WHERE id = $1", {std::string("a")})->integer(0, 0) == 1);
}

TEST_CASE("a transaction is all or nothing, sent in one round trip", "[postgres][driver]") {
  test::PgDatabase db;
  auto c = must_connect(db.conninfo());
  REQUIRE(c->run_script("CREATE TABLE t (id text PRIMARY KEY, n bigint NOT NULL)").ok());
  const std::string insert = "INSERT INTO t VALUES ($1, $2) RETURNING n * 10";
  SECTION("every statement's rows, in order") {
    auto done = c->transaction({{insert, {std::string("a"), std::int64_t{1}}},
                                {insert, {std::string("b"), std::int64_t{2}}},
                                {"UPDATE t SET n = n + 1 WHERE id = $1", {std::string("a")}}});
    REQUIRE(done.ok());
    REQUIRE(done->size() == 3);
    CHECK((*done)[0].integer(0, 0) == 10);
    CHECK((*done)[1].integer(0, 0) == 20);
    CHECK((*done)[2].affected() == 1);
    CHECK(c->exec("SELECT COUNT(*) FROM t")->integer(0, 0) == 2);
  }
  SECTION("one failing statement undoes the others, and the connection goes on") {
    auto done = c->transaction({{insert, {std::string("a"), std::int64_t{1}}},
                                {insert, {std::string("a"), std::int64_t{2}}},  // a duplicate
                                {insert, {std::string("c"), std::int64_t{3}}}});
    REQUIRE_FALSE(done.ok());
    CHECK(done.error().code == ErrorCode::conflict);
    CHECK(c->exec("SELECT COUNT(*) FROM t")->integer(0, 0) == 0);
    // Not left inside a failed transaction: the next one commits.
    REQUIRE(c->transaction({{insert, {std::string("d"), std::int64_t{4}}}}).ok());
    CHECK(c->exec("SELECT COUNT(*) FROM t")->integer(0, 0) == 1);
  }
}

TEST_CASE("a statement is prepared once per connection", "[postgres][driver]") {
  test::PgDatabase db;
  auto c = must_connect(db.conninfo());
  for (int i = 0; i < 3; ++i) REQUIRE(c->exec("SELECT $1::bigint + 1", {std::int64_t{i}})->integer(0, 0) == i + 1);
  REQUIRE(c->transaction({{"SELECT $1::bigint + 1", {std::int64_t{5}}}, {"SELECT $1::bigint + 1", {std::int64_t{6}}}}).ok());
  auto prepared = c->exec("SELECT COUNT(*) FROM pg_prepared_statements WHERE statement = $1",
                          {std::string("SELECT $1::bigint + 1")});
  CHECK(prepared->integer(0, 0) == 1);
}

TEST_CASE("a lost connection is reported unavailable, and the pool opens a new one", "[postgres][driver]") {
  test::PgDatabase db;
  storage::pg::Pool pool(db.conninfo(), 2);
  int first_pid = 0;
  {
    auto lease = pool.lease();
    REQUIRE(lease.ok());
    first_pid = (*lease)->backend_pid();
    auto admin = must_connect(db.conninfo());
    REQUIRE(admin->exec("SELECT pg_terminate_backend($1::int)", {std::int64_t{first_pid}}).ok());
    auto lost = (*lease)->exec("SELECT 1");
    REQUIRE_FALSE(lost.ok());
    CHECK(lost.error().code == ErrorCode::unavailable);
    CHECK_FALSE((*lease)->usable());
  }
  auto again = pool.lease();
  REQUIRE(again.ok());
  CHECK((*again)->backend_pid() != first_pid);
  CHECK((*again)->exec("SELECT 1::bigint")->integer(0, 0) == 1);
}

TEST_CASE("while the server is away, the pool backs off: a lease fails at once, and connects again later",
          "[postgres][driver]") {
  storage::pg::Pool pool("host=127.0.0.1 port=1 user=dsr dbname=x connect_timeout=2", 2);
  auto refused = pool.lease();
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == ErrorCode::unavailable);
  // At once: the last failure, and when the pool tries again.
  auto started = std::chrono::steady_clock::now();
  auto backing_off = pool.lease();
  REQUIRE_FALSE(backing_off.ok());
  CHECK(backing_off.error().message.find("connecting again in") != std::string::npos);
  CHECK(backing_off.error().message.find("Connection refused") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(50));
  // Past the pause, it tries the server again (and is refused again).
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  auto tried = pool.lease();
  REQUIRE_FALSE(tried.ok());
  CHECK(tried.error().message.find("connecting again in") == std::string::npos);
}

TEST_CASE("a password never appears in an error", "[postgres][driver]") {
  auto refused = Connection::open("host=127.0.0.1 port=1 user=dsr password=s3kr1t-pw dbname=x connect_timeout=2");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == ErrorCode::unavailable);
  CHECK(refused.error().message.find("s3kr1t-pw") == std::string::npos);
  CHECK(refused.error().message.find("check the host, port") != std::string::npos);
  auto malformed = Connection::open("postgresql://dsr:s3kr1t-pw@127.0.0.1:1/x?nonsense=s3kr1t-pw");
  REQUIRE_FALSE(malformed.ok());
  CHECK(malformed.error().message.find("s3kr1t-pw") == std::string::npos);
}

TEST_CASE("two nodes migrating at once apply each migration once", "[postgres][migrations]") {
  test::PgDatabase db;
  std::vector<Status> results(4, ok_status());
  std::vector<std::thread> nodes;
  for (std::size_t i = 0; i < results.size(); ++i)
    nodes.emplace_back([&, i] {
      auto c = Connection::open(db.conninfo());
      results[i] = c ? storage::pg::migrate(**c) : Status(fail(c.error()));
    });
  for (auto& t : nodes) t.join();
  for (const auto& r : results) CHECK(r.ok());
  auto c = must_connect(db.conninfo());
  CHECK(c->exec("SELECT COUNT(*) FROM schema_migrations")->integer(0, 0) == storage::pg::latest_schema_version());
  CHECK(storage::pg::schema_version(*c).value() == storage::pg::latest_schema_version());
  // Once more: nothing to do.
  REQUIRE(storage::pg::migrate(*c).ok());
  // A database from a newer dsr is refused, not touched.
  REQUIRE(c->exec("INSERT INTO schema_migrations VALUES (999, 'from the future', 0)").ok());
  auto newer = storage::pg::migrate(*c);
  REQUIRE_FALSE(newer.ok());
  CHECK(newer.error().message.find("newer than this dsr knows") != std::string::npos);
}
