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
using test::eventually;
using test::RecordingSink;

namespace {

// A filing from the portal by someone on file under this address: the
// receipt goes to the address on record.
std::string form_for(const std::string& email) {
  return R"({"contact_given":{"email":")" + email + R"("},"locale":"en"})";
}

struct Service {
  explicit Service(storage::Database& db) : store(db), vault(db), outbox(db), filings(db) {}

  Request file(const std::string& email, std::string type = "access") {
    Filing filing;
    filing.details_json = form_for(email);
    std::promise<Result<Request>> filed;
    service.submit({std::move(type), "id-pdp", test::on_file(vault, email), {"subject", Role::subject}, filing, {}},
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

std::vector<std::string> request_ids(const std::vector<storage::OwedReceipt>& owed) {
  std::vector<std::string> out;
  for (const auto& o : owed) out.push_back(o.request.id);
  return out;
}

}  // namespace

// Owing, handling, queueing a refused receipt and the worker's sending are
// storage contract cases, run on both backends (store_contract_test.cpp).

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
