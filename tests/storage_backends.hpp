// The two storage backends as the contract suite and the report tests
// drive them, each with every port it has: SQLite on a file, and
// PostgreSQL in a database of its own in ctest's throwaway cluster
// (postgres_support.hpp). Helpers to build and commit changes by hand.
#pragma once

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <future>
#include <set>
#include <thread>

#include "app/outbox_worker.hpp"
#include "engine/request_service.hpp"
#include "engine/subject_notices.hpp"
#include "postgres_support.hpp"
#include "engine/merkle.hpp"
#include "storage/journal.hpp"
#include "storage/log_checkpoints.hpp"
#include "storage/sqlite_audit_log.hpp"
#include "storage/postgres/pg_audit.hpp"
#include "storage/postgres/pg_audit_log.hpp"
#include "storage/postgres/pg_backend.hpp"
#include "storage/postgres/pg_retention.hpp"
#include "storage/postgres/pg_migrations.hpp"
#include "storage/postgres/pg_sequencer.hpp"
#include "storage/postgres/pg_store.hpp"
#include "storage/postgres/pg_delivery.hpp"
#include "storage/postgres/pg_receipts.hpp"
#include "storage/postgres/pg_registries.hpp"
#include "storage/postgres/pg_staff_certificate_rows.hpp"
#include "storage/postgres/pg_token_rows.hpp"
#include "storage/postgres/pg_vault.hpp"
#include "storage/sqlite_store.hpp"
#include "storage/filing_receipts.hpp"
#include "storage/outbox.hpp"
#include "storage/package_signer.hpp"
#include "storage/recipient_notices.hpp"
#include "storage/registries.hpp"
#include "storage/retention_sweep.hpp"
#include "storage/sqlite_vault.hpp"
#include "storage/staff_certificates.hpp"
#include "storage/token_registry.hpp"
#include "storage_support.hpp"
#include "test_support.hpp"

#include "storage/postgres/pg_reports.hpp"
#include "storage/sla_report_query.hpp"

namespace dsr::test {

// SQLite on a file: the journal is sequenced as it is written.
struct SqliteBackend {
  test::TempDir dir;
  std::unique_ptr<storage::Database> db = test::open_database(dir.file("dsr.db"));
  storage::SqliteStore store{*db};
  storage::SqliteVault vault{*db};
  storage::TokenRegistry tokens{*db};
  storage::SqliteDisclosures disclosures{*db};
  storage::VerificationCodes codes{*db};
  storage::Outbox outbox{*db};
  storage::SqliteNotificationLedger notices{*db};
  storage::FilingReceipts receipts{*db};
  // Another process on the same database, as `dsr token revoke` is.
  std::unique_ptr<storage::Database> other_db = test::open_database(dir.file("dsr.db"));
  storage::TokenRegistry other_tokens{*other_db};
  storage::StaffCertificates staff_certificates{*db};
  storage::StaffCertificates other_staff_certificates{*other_db};

  storage::SqliteAuditLog audit_log{*db};
  storage::SqliteSlaReports reports{*db, test::shipped_policies()};
  Result<std::optional<std::uint64_t>> sign(const storage::LogSigningKeys& key) {
    return storage::sign_checkpoint(*db, key);
  }
  Status remember(const storage::LogKey& key) { return storage::remember_log_key(*db, key); }
  Status rotate_log(const storage::LogKeyRotation& r) { return storage::rotate_log_key(*db, r); }
  Result<storage::Checkpoint> now_checkpoint(const std::string& origin) {
    return db->read("tree", [&](SQLite::Database& c) { return storage::current_checkpoint(c, origin); });
  }
  AuditVerdict audit() {
    auto v = db->read("auditing", [](SQLite::Database& c) { return storage::verify_audit_log(c); });
    REQUIRE(v.ok());
    return *v;
  }
  Result<storage::RetentionSweep> sweep(const RetentionRules& rules, TimePoint now) {
    return storage::sweep_retention(*db, test::shipped_policies(), rules, now);
  }
  static std::string blob(const std::string& hex) { return "X'" + hex + "'"; }
  std::int64_t count(const std::string& sql) {
    SQLite::Database raw(dir.file("dsr.db"), SQLite::OPEN_READONLY);
    return raw.execAndGet(sql).getInt64();
  }
  // Plain SQL behind dsr's back, as with the sqlite3 shell.
  void tamper(const std::string& sql) {
    SQLite::Database raw(dir.file("dsr.db"), SQLite::OPEN_READWRITE);
    raw.exec(sql);
  }
  // Waits for what was sent to the writer without waiting (notes of use).
  void settle() { REQUIRE(db->writer().run([](storage::WriteConnection&) { return ok_status(); }).ok()); }
  void sequence() {}
  // The log needs no sequencer on SQLite.
  struct Sequencing {};
  Sequencing keep_sequencing() { return {}; }
  storage::JournalVerdict verify() {
    auto v = db->read("verifying", [](SQLite::Database& c) { return storage::verify_journal(c); });
    REQUIRE(v.ok());
    return *v;
  }
};

// PostgreSQL: a database of its own, migrated; entries are sequenced by
// the sequencer, run here until it has nothing left.
struct PostgresBackend {
  test::PgDatabase pg;
  std::unique_ptr<storage::pg::Backend> opened = must_open(pg.conninfo());
  storage::pg::Pool& pool = opened->pool();
  const storage::MasterKey& keys = opened->keys();
  storage::pg::Executor& executor = opened->executor();
  storage::pg::PgStore store{pool, keys, executor};
  storage::pg::PgVault vault{pool, keys, executor};
  storage::TokenRegistry tokens{std::make_unique<storage::pg::PgTokenRows>(pool, executor), keys};
  storage::pg::PgDisclosures disclosures{pool, keys, executor};
  storage::pg::PgVerificationCodes codes{pool, keys, executor};
  storage::pg::PgOutbox outbox{pool, keys, {"node-a", std::chrono::seconds(60)}};
  storage::pg::PgNotificationLedger notices{pool, keys, executor, {"node-a", std::chrono::seconds(60)}};
  storage::pg::PgFilingReceipts receipts{pool, keys, {"node-a", std::chrono::seconds(10)}};
  storage::pg::Pool other_pool{pg.conninfo(), 2};  // another node
  storage::pg::Executor other_executor{2};
  storage::TokenRegistry other_tokens{std::make_unique<storage::pg::PgTokenRows>(other_pool, other_executor), keys};
  storage::StaffCertificates staff_certificates{std::make_unique<storage::pg::PgStaffCertificateRows>(pool)};
  storage::StaffCertificates other_staff_certificates{std::make_unique<storage::pg::PgStaffCertificateRows>(other_pool)};

  storage::pg::PgAuditLog audit_log{pool, executor};
  storage::pg::PgSlaReports reports{pool, test::shipped_policies()};
  Result<std::optional<std::uint64_t>> sign(const storage::LogSigningKeys& key) {
    return storage::pg::sign_checkpoint(pool, key);
  }
  Status remember(const storage::LogKey& key) { return storage::pg::remember_log_key(pool, key); }
  Status rotate_log(const storage::LogKeyRotation& r) { return storage::pg::rotate_log_key(pool, r); }
  Result<storage::Checkpoint> now_checkpoint(const std::string& origin) {
    return pool.with([&](storage::pg::Connection& c) { return storage::pg::current_checkpoint(c, origin); });
  }
  AuditVerdict audit() {
    auto v = pool.with([](storage::pg::Connection& c) { return storage::pg::verify_audit_log(c); });
    REQUIRE(v.ok());
    return *v;
  }
  Result<storage::RetentionSweep> sweep(const RetentionRules& rules, TimePoint now) {
    return storage::pg::sweep_retention(pool, test::shipped_policies(), rules, now);
  }
  static std::string blob(const std::string& hex) { return "'\\x" + hex + "'::bytea"; }
  std::int64_t count(const std::string& sql) {
    auto n = pool.with([&](storage::pg::Connection& c) { return c.exec(sql); });
    REQUIRE(n.ok());
    return n->integer(0, 0);
  }
  // Plain SQL behind dsr's back, as with psql.
  void tamper(const std::string& sql) { REQUIRE(pool.with([&](storage::pg::Connection& c) { return c.run_script(sql); }).ok()); }
  void settle() {}

  static std::unique_ptr<storage::pg::Backend> must_open(const std::string& conninfo) {
    auto b = storage::pg::Backend::open(conninfo, test::test_key());
    REQUIRE(b.ok());
    return std::move(b).value();
  }
  // Until every entry has its place. An entry becomes eligible once every
  // transaction older than it has ended, in the whole cluster: the tests
  // running beside this one can hold that back for a moment.
  void sequence(const std::string& owner = "test") {
    storage::pg::Sequencer sequencer(pool, owner);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    for (;;) {
      auto n = sequencer.run_once();
      REQUIRE(n.ok());
      if (*n > 0) continue;
      if (unsequenced() == 0) return;
      if (std::chrono::steady_clock::now() > deadline) FAIL("entries still unsequenced after 15 s");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  // A node's sequencer running beside the test, as `dsr serve` runs it.
  class Sequencing {
   public:
    explicit Sequencing(storage::pg::Pool& pool) : thread_([this, &pool] {
      storage::pg::Sequencer sequencer(pool, "test");
      while (!stop_) {
        (void)sequencer.run_once();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }) {}
    ~Sequencing() {
      stop_ = true;
      thread_.join();
    }

   private:
    std::atomic<bool> stop_{false};
    std::thread thread_;
  };
  std::unique_ptr<Sequencing> keep_sequencing() { return std::make_unique<Sequencing>(pool); }
  std::int64_t unsequenced() {
    auto n = pool.with([](storage::pg::Connection& c) { return c.exec("SELECT COUNT(*) FROM journal WHERE seq IS NULL"); });
    REQUIRE(n.ok());
    return n->integer(0, 0);
  }
  storage::JournalVerdict verify() {
    auto v = pool.with([](storage::pg::Connection& c) { return storage::pg::verify_journal(c); });
    REQUIRE(v.ok());
    CHECK(v->unsequenced == 0);
    return v->journal;
  }
};

template <class Backend>
struct World {
  Backend backend;
  SystemClock clock;
  std::atomic<int> next{0};
  RequestService service{test::shipped_workflows(), test::shipped_policies(), backend.store, clock,
                         [this] { return "r" + std::to_string(++next); }};
};

// The next change of a loaded request: one event, with a reason, carrying
// `fulfilment` (what the workflow's effects would ask).
inline RequestChange next_change(const Request& r, Fulfilment fulfilment, std::string reason = "") {
  Event e;
  e.sequence = r.version + 1;
  e.name = "note";
  e.actor = actor(Role::reviewer, "rita");
  e.at = r.events.back().at;
  e.reason = std::move(reason);
  e.from_state = r.state;
  e.to_state = r.state;
  RequestChange c;
  c.header = {r.id, r.type, r.policy, r.subject_ref};
  c.expected_version = r.version;
  c.events = {e};
  c.fulfilment = std::move(fulfilment);
  return c;
}

// Waits for a call that completes through a callback.
template <class T, class Call>
T wait_for(Call call) {
  std::promise<T> answer;
  call([&answer](T r) { answer.set_value(std::move(r)); });
  return answer.get_future().get();
}

inline Status commit(Store& store, RequestChange change) {
  std::promise<Status> done;
  store.commit(std::move(change), [&](Status s) { done.set_value(s); });
  return done.get_future().get();
}


}  // namespace dsr::test
