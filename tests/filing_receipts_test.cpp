// Receipts to subjects, derived from the stored filings: each filing gets
// one, in commit order, after a restart too; a receipt the sink refuses is
// retried from the outbox; a database from before the change does not send
// its old receipts again.
#include <catch2/catch.hpp>

#include <SQLiteCpp/Database.h>

#include <chrono>
#include <future>
#include <mutex>
#include <thread>

#include "app/outbox_worker.hpp"
#include "engine/request_service.hpp"
#include "engine/subject_notices.hpp"
#include "storage/filing_receipts.hpp"
#include "storage/migrations.hpp"
#include "storage/outbox.hpp"
#include "storage/sqlite_store.hpp"
#include "storage/sqlite_vault.hpp"
#include "storage_support.hpp"
#include "test_support.hpp"

using namespace dsr;
using namespace std::chrono_literals;

namespace {

// A filing from the portal by someone dsr holds no record of: the receipt
// goes to the address on the form.
std::string form_for(const std::string& email) {
  return R"({"contact_given":{"email":")" + email + R"("},"locale":"en"})";
}

struct Service {
  explicit Service(storage::Database& db) : store(db), vault(db), outbox(db), filings(db) {}

  Request file(const std::string& email, std::string type = "access") {
    Filing filing;
    filing.details_json = form_for(email);
    std::promise<Result<Request>> filed;
    service.submit({std::move(type), "id-pdp", "s-" + email, {"subject", Role::subject}, filing, {}},
                   [&](Result<Request> r) { filed.set_value(std::move(r)); });
    auto r = filed.get_future().get();
    REQUIRE(r.ok());
    return *r;
  }

  storage::SqliteStore store;
  storage::SqliteVault vault;
  storage::Outbox outbox;
  storage::FilingReceipts filings;
  SystemClock clock;
  SubjectNotices notices{test::shipped_messages(), test::shipped_policies(), vault, store};
  int next = 0;
  RequestService service{test::shipped_workflows(), test::shipped_policies(), store, clock,
                         [this] { return "r" + std::to_string(++next); }, {&notices, nullptr}};
};

// Takes what it is given, or refuses everything while `down`.
class RecordingSink final : public MessageSink {
 public:
  Status send(const OutgoingMessage& message) override {
    std::lock_guard lock(mutex_);
    if (down_) return fail(Error::internal("the mail gateway is down"));
    sent_.push_back(message);
    return ok_status();
  }
  void set_down(bool down) {
    std::lock_guard lock(mutex_);
    down_ = down;
  }
  std::vector<OutgoingMessage> sent() const {
    std::lock_guard lock(mutex_);
    return sent_;
  }

 private:
  mutable std::mutex mutex_;
  bool down_ = false;
  std::vector<OutgoingMessage> sent_;
};

// Polls `condition` for up to five seconds (the worker runs on its own thread).
template <typename F>
bool eventually(F condition) {
  for (int i = 0; i < 250; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return condition();
}

std::vector<std::string> request_ids(const std::vector<storage::OwedReceipt>& owed) {
  std::vector<std::string> out;
  for (const auto& o : owed) out.push_back(o.request.id);
  return out;
}

}  // namespace

TEST_CASE("filings owe their receipts in commit order until handled", "[storage][receipts]") {
  auto db = test::open_database(":memory:");
  Service s(*db);
  s.file("ani@example.org");
  s.file("budi@example.org", "erasure");
  s.file("citra@example.org");

  auto owed = s.filings.owed(10);
  REQUIRE(owed.ok());
  CHECK(request_ids(*owed) == std::vector<std::string>{"r1", "r2", "r3"});
  CHECK((*owed)[1].request.type == "erasure");
  CHECK((*owed)[1].details_json == form_for("budi@example.org"));  // opened from its sealed row

  REQUIRE(s.filings.handled((*owed)[1].position, {}).ok());
  CHECK(request_ids(*s.filings.owed(10)) == std::vector<std::string>{"r3"});
  // The mark never moves back (a late or repeated call changes nothing).
  REQUIRE(s.filings.handled((*owed)[0].position, {}).ok());
  CHECK(request_ids(*s.filings.owed(10)) == std::vector<std::string>{"r3"});
  CHECK(s.store.stats(s.clock.now())->receipts_owed == 1);
  // Nothing was queued in the outbox for any of them.
  CHECK(*s.outbox.pending_count() == 0);
}

TEST_CASE("an undelivered receipt is queued in the outbox with its first attempt counted", "[storage][receipts]") {
  auto db = test::open_database(":memory:");
  Service s(*db);
  Request r1 = s.file("ani@example.org");
  Request r2 = s.file("budi@example.org");
  auto owed = s.filings.owed(10);
  REQUIRE(owed->size() == 2);
  auto m1 = s.service.receipt((*owed)[0].request, (*owed)[0].received_at, (*owed)[0].details_json);
  auto m2 = s.service.receipt((*owed)[1].request, (*owed)[1].received_at, (*owed)[1].details_json);
  REQUIRE(m1);
  REQUIRE(m2);
  TimePoint retry_at = r1.received_at + 1min;
  REQUIRE(s.filings.handled((*owed)[1].position,
                            {{(*owed)[0].request, *m1, {r1.received_at, "gateway said 503", retry_at}},
                             {(*owed)[1].request, *m2, {r2.received_at, "gateway said 503", std::nullopt}}})
              .ok());

  CHECK(s.filings.owed(10)->empty());
  CHECK(s.outbox.due(retry_at - 1s, 10)->empty());  // not before its retry
  auto due = s.outbox.due(retry_at, 10);
  REQUIRE(due->size() == 1);  // the other was past its horizon: a dead letter
  CHECK((*due)[0].attempts == 1);
  CHECK((*due)[0].created_at == r1.received_at);  // the horizon counts from the filing
  CHECK((*due)[0].message.to == "ani@example.org");
  CHECK((*due)[0].message.template_name == "request_received");
  auto stats = s.store.stats(s.clock.now());
  CHECK(stats->outbox[{"subject_message", "failed"}] == 1);
  CHECK(stats->outbox[{"subject_message", "pending"}] == 1);
  CHECK(stats->receipts_owed == 0);
}

TEST_CASE("the outbox worker sends each receipt once, and retries one the sink refused", "[storage][receipts]") {
  test::TempDir dir;
  auto db = test::open_database(dir.file("dsr.db"));
  Service s(*db);
  RecordingSink sink;
  SystemClock clock;
  RetrySchedule retries{1s, 1s, 1h};
  {
    app::OutboxWorker worker(s.outbox, {s.filings, s.service}, sink, clock, retries);
    s.file("ani@example.org");
    s.file("budi@example.org");
    REQUIRE(eventually([&] { return sink.sent().size() == 2; }));
    CHECK(sink.sent()[0].to == "ani@example.org");
    CHECK(sink.sent()[1].to == "budi@example.org");
    CHECK(sink.sent()[1].template_name == "request_received");

    sink.set_down(true);
    s.file("citra@example.org");
    REQUIRE(eventually([&] { return s.filings.owed(10)->empty(); }));
    CHECK(*s.outbox.pending_count() == 1);  // moved to the outbox, to be retried
    sink.set_down(false);
    REQUIRE(eventually([&] { return sink.sent().size() == 3; }));
    CHECK(sink.sent()[2].to == "citra@example.org");
    REQUIRE(eventually([&] { return *s.outbox.pending_count() == 0; }));
  }
  // A restart sends nothing again.
  app::OutboxWorker restarted(s.outbox, {s.filings, s.service}, sink, clock, retries);
  std::this_thread::sleep_for(500ms);
  CHECK(sink.sent().size() == 3);
}

TEST_CASE("a database from before derived receipts does not send its old filings' receipts again",
          "[storage][receipts][migrations]") {
  test::TempDir dir;
  std::string path = dir.file("dsr.db");
  {  // as dsr left it at schema version 5: two filings, their receipts queued in the outbox then
    SQLite::Database raw(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    REQUIRE(storage::migrate(raw, 5).ok());
    raw.exec("INSERT INTO requests (id, type, policy, subject_ref, state, version, received_at, updated_at) VALUES "
             "('r1', 'access', 'id-pdp', 's-1', 'verifying', 1, 1700000000, 1700000000), "
             "('r2', 'access', 'id-pdp', 's-2', 'verifying', 1, 1700000001, 1700000001)");
  }
  auto db = test::open_database(path);
  Service s(*db);
  s.next = 2;
  CHECK(s.filings.owed(10)->empty());
  s.file("citra@example.org");
  CHECK(request_ids(*s.filings.owed(10)) == std::vector<std::string>{"r3"});
}

TEST_CASE("while deliveries cannot be recorded, the outbox worker sends nothing twice, and records them later",
          "[storage][receipts]") {
  test::TempDir dir;
  auto db = test::open_database(dir.file("dsr.db"));
  Service s(*db);
  RecordingSink sink;
  SystemClock clock;
  RetrySchedule retries{1s, 1s, 1h};
  // query_only makes every write of the writer's connection fail, as a
  // read-only or full disk would.
  auto writes_fail = [&db](bool fail) {
    db->writer().with_connection([fail](SQLite::Database& c) { c.exec(fail ? "PRAGMA query_only=ON" : "PRAGMA query_only=OFF"); });
  };
  s.file("ani@example.org");
  writes_fail(true);
  app::OutboxWorker worker(s.outbox, {s.filings, s.service}, sink, clock, retries);
  REQUIRE(eventually([&] { return sink.sent().size() == 1; }));
  std::this_thread::sleep_for(1s);  // five runs of the worker, each failing to record the receipt
  CHECK(sink.sent().size() == 1);
  writes_fail(false);
  REQUIRE(eventually([&] { return s.filings.owed(10)->empty(); }));
  CHECK(sink.sent().size() == 1);

  // A queued message (a receipt the sink refused once) goes the same way.
  sink.set_down(true);
  s.file("budi@example.org");
  REQUIRE(eventually([&] { return *s.outbox.pending_count() == 1; }));
  writes_fail(true);
  sink.set_down(false);
  REQUIRE(eventually([&] { return sink.sent().size() == 2; }));  // the retry, a second later
  std::this_thread::sleep_for(1500ms);
  CHECK(sink.sent().size() == 2);
  writes_fail(false);
  REQUIRE(eventually([&] { return *s.outbox.pending_count() == 0; }));
  CHECK(sink.sent().size() == 2);
  CHECK(sink.sent()[1].to == "budi@example.org");
}
