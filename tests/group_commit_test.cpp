// Group commit: commands that wait together are committed together, each
// caller hears about its own command, and one refused command does not undo
// the others in its batch.
#include <catch2/catch.hpp>

#include <SQLiteCpp/Statement.h>

#include <future>
#include <latch>
#include <thread>

#include "storage_support.hpp"

using namespace dsr;

namespace {

storage::GroupCommitWriter::Job insert_meta(std::string key) {
  return [key](storage::WriteConnection& db) -> Status {
    SQLite::Statement& s = db.prepared("INSERT INTO meta (key, value) VALUES (?, x'00')");
    s.bind(1, key);
    s.exec();
    return ok_status();
  };
}

}  // namespace

TEST_CASE("commands waiting together share one transaction", "[storage][group-commit]") {
  test::TempDir dir;
  auto db = test::open_database(dir.file("dsr.db"));
  auto& writer = db->writer();
  auto before = writer.stats();

  // Hold the writer in a first batch while N commands queue up behind it.
  constexpr int kCommands = 32;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::latch holding(1);
  std::promise<Status> first_done;
  writer.submit([&](storage::WriteConnection&) -> Status {
    holding.count_down();
    released.wait();
    return ok_status();
  }, [&](Status s) { first_done.set_value(s); });
  holding.wait();

  std::vector<std::promise<Status>> results(kCommands);
  std::vector<std::thread> submitters;
  std::latch queued(kCommands);
  for (int i = 0; i < kCommands; ++i) {
    submitters.emplace_back([&, i] {
      writer.submit(insert_meta("k" + std::to_string(i)), [&, i](Status s) { results[static_cast<std::size_t>(i)].set_value(s); });
      queued.count_down();
    });
  }
  queued.wait();
  release.set_value();
  for (auto& t : submitters) t.join();
  CHECK(first_done.get_future().get().ok());
  for (auto& r : results) CHECK(r.get_future().get().ok());

  auto after = writer.stats();
  CHECK(after.jobs - before.jobs == kCommands + 1);
  CHECK(after.transactions - before.transactions == 2);  // the held batch, then all 32 at once
  auto rows = db->read("count", [](SQLite::Database& c) -> Result<int> {
    return c.execAndGet("SELECT COUNT(*) FROM meta WHERE key LIKE 'k%'").getInt();
  });
  CHECK(*rows == kCommands);
}

TEST_CASE("a refused command in a batch leaves the others committed", "[storage][group-commit]") {
  auto db = test::open_database(":memory:");
  auto& writer = db->writer();
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::latch holding(1);
  writer.submit([&](storage::WriteConnection&) -> Status {
    holding.count_down();
    released.wait();
    return ok_status();
  }, [](Status) {});
  holding.wait();

  std::promise<Status> a, b, c;
  writer.submit(insert_meta("a"), [&](Status s) { a.set_value(s); });
  writer.submit([](storage::WriteConnection& d) -> Status {
    d.db().exec("INSERT INTO meta (key, value) VALUES ('b', x'00')");
    return fail(Error::conflict("refused after writing"));  // must be undone
  }, [&](Status s) { b.set_value(s); });
  writer.submit(insert_meta("a"), [&](Status s) { c.set_value(s); });  // duplicate key: throws
  release.set_value();
  CHECK(a.get_future().get().ok());
  auto refused = b.get_future().get();
  CHECK(refused.error().code == ErrorCode::conflict);
  auto duplicate = c.get_future().get();
  CHECK(duplicate.error().code == ErrorCode::conflict);
  auto keys = db->read("keys", [](SQLite::Database& d) -> Result<std::string> {
    return d.execAndGet("SELECT group_concat(key) FROM meta WHERE key IN ('a', 'b')").getString();
  });
  CHECK(*keys == "a");
}
