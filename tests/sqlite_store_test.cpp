// The engine's RequestService over the SQLite store: what is acknowledged is
// stored, survives a restart, and a stale version is refused.
#include <catch2/catch.hpp>

#include <SQLiteCpp/Database.h>

#include <future>

#include "engine/request_service.hpp"
#include "storage/sqlite_store.hpp"
#include "storage_support.hpp"
#include "test_support.hpp"

using namespace dsr;
using test::actor;

namespace {

struct Service {
  explicit Service(storage::Database& db) : store(db) {}
  storage::SqliteStore store;
  SystemClock clock;
  int next = 0;
  RequestService service{test::shipped_workflows(), test::shipped_policies(), store, clock,
                         [this] { return "r" + std::to_string(++next); }};
};

}  // namespace

TEST_CASE("requests round-trip through SQLite, in memory and on file", "[storage][store]") {
  test::TempDir dir;
  for (std::string path : {std::string(":memory:"), dir.file("dsr.db")}) {
    SECTION(path == ":memory:" ? "in memory" : "on file") {
      auto db = test::open_database(path);
      Service s(*db);
      auto filed = test::submit(s.service, "erasure");
      REQUIRE(filed.ok());
      REQUIRE(test::fire(s.service, "r1", "verify", actor(Role::subject, "subject"), 1).ok());
      REQUIRE(test::fire(s.service, "r1", "approve", actor(Role::reviewer, "rita"), 2).ok());
      auto loaded = s.store.load("r1");
      REQUIRE(loaded.ok());
      CHECK(loaded->state == "second_review");
      CHECK(loaded->version == 3);
      CHECK(loaded->events.size() == 3);
      CHECK(loaded->events[2].actor == actor(Role::reviewer, "rita"));
      CHECK(loaded->subject_ref == "s-test");
    }
  }
}

TEST_CASE("an acknowledged request is there after a restart", "[storage][store]") {
  test::TempDir dir;
  std::string path = dir.file("dsr.db");
  Request before;
  {
    auto db = test::open_database(path);
    Service s(*db);
    REQUIRE(test::submit(s.service).ok());
    auto fired = test::fire(s.service, "r1", "verify", actor(Role::subject, "subject"), 1);
    REQUIRE(fired.ok());
    before = *fired;
  }
  auto db = test::open_database(path);
  storage::SqliteStore store(*db);
  auto after = store.load("r1");
  REQUIRE(after.ok());
  CHECK(after->state == before.state);
  CHECK(after->events == before.events);
}

TEST_CASE("a stale version is refused and nothing is written", "[storage][store]") {
  auto db = test::open_database(":memory:");
  Service s(*db);
  REQUIRE(test::submit(s.service).ok());
  REQUIRE(test::fire(s.service, "r1", "verify", actor(Role::subject, "subject"), 1).ok());

  // Two reviewers loaded version 2; the first wins.
  Request seen = *s.store.load("r1");
  REQUIRE(test::fire(s.service, "r1", "approve", actor(Role::reviewer, "rita"), 2).ok());
  Status late = fail(Error::internal("not called"));
  std::promise<void> finished;
  Event stale = seen.events.back();
  stale.sequence = 3;
  stale.name = "reject";
  s.store.commit({{"r1", "access", "id-pdp", "s-test"}, 2, {stale}, std::nullopt, std::nullopt, {}, std::nullopt, {}, {}}, [&](Status st) {
    late = st;
    finished.set_value();
  });
  finished.get_future().wait();
  REQUIRE_FALSE(late.ok());
  CHECK(late.error().code == ErrorCode::conflict);
  CHECK(late.error().kind == "stale_version");
  auto now = s.store.load("r1");
  CHECK(now->state == "fulfilling");
  CHECK(now->version == 3);
}

TEST_CASE("the cached row carries the due date for queues and reports", "[storage][store]") {
  test::TempDir dir;
  std::string path = dir.file("dsr.db");
  auto db = test::open_database(path);
  Service s(*db);
  auto filed = test::submit(s.service, "access", "id-pdp");
  REQUIRE(filed.ok());
  SQLite::Database check(path, SQLite::OPEN_READONLY);
  SQLite::Statement q(check, "SELECT due_at - received_at, state, version FROM requests WHERE id = 'r1'");
  REQUIRE(q.executeStep());
  CHECK(q.getColumn(0).getInt64() == 72 * 3600);
  CHECK(q.getColumn(1).getString() == "verifying");
  CHECK(q.getColumn(2).getInt64() == 1);
}

TEST_CASE("a request that does not exist is not found", "[storage][store]") {
  auto db = test::open_database(":memory:");
  storage::SqliteStore store(*db);
  auto missing = store.load("nope");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == ErrorCode::not_found);
}

TEST_CASE("the cached row follows every kind of change, whether or not it touches an indexed column",
          "[storage][store]") {
  // The row is written in two statements, the second only when a column the
  // queue and the report index changes; each step of a long life must leave
  // it equal to what the journal says.
  test::TempDir dir;
  std::string path = dir.file("dsr.db");
  auto db = test::open_database(path);
  Service s(*db);
  REQUIRE(test::submit(s.service, "erasure", "id-pdp").ok());
  SQLite::Database check(path, SQLite::OPEN_READONLY);
  const Workflow* erasure = test::shipped_workflows().find("erasure");

  auto step = [&](const std::string& event, const Actor& who, std::map<std::string, std::string> data = {}) {
    INFO(event);
    auto current = s.service.get("r1");
    REQUIRE(current.ok());
    std::promise<Result<Request>> fired;
    s.service.fire("r1", Command{event, who, "because", current->version, {}, std::move(data)},
                   [&](Result<Request> r) { fired.set_value(std::move(r)); });
    auto after = fired.get_future().get();
    REQUIRE(after.ok());
    RequestMilestones m = milestones_of(*after, *erasure);
    SQLite::Statement row(check, "SELECT state, version, assignee, extended, closed_at, verified_at, "
                                 "awaiting_subject_seconds, awaiting_since, due_at FROM requests WHERE id = 'r1'");
    REQUIRE(row.executeStep());
    CHECK(row.getColumn(0).getString() == after->state);
    CHECK(row.getColumn(1).getInt64() == after->version);
    CHECK((row.getColumn(2).isNull() ? std::optional<std::string>() : row.getColumn(2).getString()) == after->assignee);
    CHECK((row.getColumn(3).getInt() != 0) == after->extended);
    auto instant = [&](int i) {
      return row.getColumn(i).isNull() ? std::optional<TimePoint>() : TimePoint{std::chrono::seconds{row.getColumn(i).getInt64()}};
    };
    CHECK(instant(4) == m.closed_at);
    CHECK(instant(5) == m.verified_at);
    CHECK(row.getColumn(6).getInt64() == m.awaiting_subject_seconds);
    CHECK(instant(7) == m.awaiting_since);
    auto deadline = s.service.deadline(*after);
    REQUIRE(deadline.ok());
    if (!deadline->paused_now) CHECK(instant(8) == deadline->due_at);
  };
  const Actor budi = actor(Role::subject, "budi"), rita = actor(Role::reviewer, "rita"), sari = actor(Role::supervisor, "sari");
  step("verify", budi);
  step("message", rita);  // changes no indexed column
  step("assign", rita, {{"assignee", "rita"}});
  step("assign", sari, {{"assignee", "sari"}});
  step("request_info", rita);
  step("message", budi);
  step("reply", budi);
  step("extend", sari);
  step("hold", sari);
  step("resume", sari);
  step("approve", rita);
  step("approve", sari);  // the second pair of eyes
  step("message", sari);
  step("complete_partially", sari);
}
