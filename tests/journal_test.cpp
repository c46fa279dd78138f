// The journal is tamper-evident: any edit, deletion or reordering of a past
// row, done behind dsr's back with plain SQL (as with the sqlite3 shell), is
// found and the first broken event named.
#include <catch2/catch.hpp>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <set>

#include "engine/request_service.hpp"
#include "engine/merkle.hpp"
#include "storage/audit_leaf.hpp"
#include "storage/audit_tree.hpp"
#include "storage/journal.hpp"
#include "storage/migrations.hpp"
#include "storage/package_signer.hpp"
#include "storage/sqlite_store.hpp"
#include "storage_support.hpp"
#include "test_support.hpp"

using namespace dsr;
using test::actor;

namespace {

// Three requests, eight events in the chain.
void fill(const std::string& path) {
  auto db = test::open_database(path);
  storage::SqliteStore store(*db);
  SystemClock clock;
  int next = 0;
  RequestService service(test::shipped_workflows(), test::shipped_policies(), store, clock,
                         [&] { return "r" + std::to_string(++next); });
  for (int i = 0; i < 3; ++i) REQUIRE(test::submit(service).ok());
  REQUIRE(test::fire(service, "r1", "verify", actor(Role::subject, "subject"), 1).ok());
  REQUIRE(test::fire(service, "r2", "verify", actor(Role::subject, "subject"), 1).ok());
  REQUIRE(test::fire(service, "r1", "approve", actor(Role::reviewer, "rita"), 2).ok());
  REQUIRE(test::fire(service, "r1", "fulfil", actor(Role::system, "dsr"), 3).ok());
  REQUIRE(test::fire(service, "r3", "reject", actor(Role::verifier, "vera"), 1, "not the subject").ok());
}

storage::JournalVerdict verify(const std::string& path, const storage::Key& key = test::test_key()) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  storage::MasterKey keys(key);
  auto verdict = storage::verify_journal(db);
  REQUIRE(verdict.ok());
  return *verdict;
}

void tamper(const std::string& path, const std::string& sql) {
  SQLite::Database db(path, SQLite::OPEN_READWRITE);
  db.exec(sql);
}

}  // namespace

TEST_CASE("an untouched journal verifies", "[storage][journal]") {
  test::TempDir dir;
  std::string path = dir.file("dsr.db");
  fill(path);
  auto v = verify(path);
  CHECK(v.ok);
  CHECK(v.events == 8);
  CHECK_FALSE(v.first_bad_event.has_value());
}

TEST_CASE("an edited past event is named", "[storage][journal][tamper]") {
  test::TempDir dir;
  std::string path = dir.file("dsr.db");
  fill(path);
  tamper(path, "UPDATE journal SET reason = 'approved by the director' WHERE seq = 6");
  auto v = verify(path);
  CHECK_FALSE(v.ok);
  CHECK(v.first_bad_event == 6);
  CHECK(v.first_bad_request == "r1");
}

TEST_CASE("an edited actor or time is named too", "[storage][journal][tamper]") {
  test::TempDir dir;
  std::string path = dir.file("dsr.db");
  fill(path);
  tamper(path, "UPDATE journal SET at = at - 86400 WHERE seq = 2");
  CHECK(verify(path).first_bad_event == 2);
}

TEST_CASE("a deleted past event is found", "[storage][journal][tamper]") {
  test::TempDir dir;
  std::string path = dir.file("dsr.db");
  fill(path);
  tamper(path, "DELETE FROM journal WHERE seq = 4");
  auto v = verify(path);
  CHECK_FALSE(v.ok);
  CHECK(v.first_bad_event == 4);
  CHECK(v.problem.find("missing") != std::string::npos);
}

TEST_CASE("a deleted and renumbered event is found", "[storage][journal][tamper]") {
  test::TempDir dir;
  std::string path = dir.file("dsr.db");
  fill(path);
  tamper(path, "DELETE FROM journal WHERE seq = 4; UPDATE journal SET seq = seq - 1 WHERE seq > 4");
  auto v = verify(path);
  CHECK_FALSE(v.ok);
  CHECK(v.first_bad_event == 4);
}

TEST_CASE("reordered events are found", "[storage][journal][tamper]") {
  test::TempDir dir;
  std::string path = dir.file("dsr.db");
  fill(path);
  tamper(path, "UPDATE journal SET seq = -1 WHERE seq = 5; UPDATE journal SET seq = 5 WHERE seq = 6; "
               "UPDATE journal SET seq = 6 WHERE seq = -1");
  auto v = verify(path);
  CHECK_FALSE(v.ok);
  CHECK(v.first_bad_event == 5);
}

TEST_CASE("a request row that disagrees with its journal is found", "[storage][journal][tamper]") {
  test::TempDir dir;
  std::string path = dir.file("dsr.db");
  fill(path);
  tamper(path, "UPDATE requests SET state = 'completed' WHERE id = 'r2'");
  auto v = verify(path);
  CHECK_FALSE(v.ok);
  CHECK(v.first_bad_request == "r2");
}

TEST_CASE("a leaf changes with every field of its event, and with its salt", "[storage][journal][audit-log]") {
  Event e;
  e.sequence = 2;
  e.name = "approve";
  e.actor = {"rita", Role::reviewer};
  e.at = test::at("2025-03-03T02:15:00Z");
  e.from_state = "in_review";
  e.to_state = "fulfilling";
  const std::string salt = storage::to_base64(storage::Bytes(storage::kLeafSaltSize, 7));
  auto base = storage::event_leaf("r1", e, salt);
  auto changed = [&](auto mutate) {
    Event m = e;
    mutate(m);
    return storage::event_leaf("r1", m, salt) != base;
  };
  CHECK(changed([](Event& m) { m.sequence = 3; }));
  CHECK(changed([](Event& m) { m.actor.principal = "rudi"; }));
  CHECK(changed([](Event& m) { m.actor.role = Role::supervisor; }));
  CHECK(changed([](Event& m) { m.reason = "x"; }));
  CHECK(changed([](Event& m) { m.reason_public = true; }));
  CHECK(changed([](Event& m) { m.clock = ClockEffect::pause; }));
  CHECK(changed([](Event& m) { m.data["assignee"] = "rita"; }));
  CHECK(changed([](Event& m) { m.at += std::chrono::seconds(1); }));
  CHECK(storage::event_leaf("r2", e, salt) != base);
  CHECK(storage::event_leaf("r1", e, storage::to_base64(storage::Bytes(storage::kLeafSaltSize, 8))) != base);
  // A reason blanked by an erasure, its salted hash kept: the same leaf.
  Event reasoned = e;
  reasoned.reason = "rita's cousin works at the CA";
  Event erased = e;
  CHECK(storage::event_leaf("r1", erased, salt, storage::salted_reason(salt, reasoned.reason)) ==
        storage::event_leaf("r1", reasoned, salt));
  // A salt dsr never made is refused, not hashed.
  CHECK_THROWS(storage::event_leaf("r1", e, "c2FsdA=="));
  // JSON, not concatenation: moving a character between fields changes the leaf.
  Event a = e, b = e;
  a.from_state = "in_reviewf";
  a.to_state = "ulfilling";
  CHECK(storage::event_leaf("r1", a, salt) != storage::event_leaf("r1", b, salt));
}

TEST_CASE("every journal entry is a leaf of the audit log's tree, with no personal data in it", "[storage][journal][audit-log]") {
  test::TempDir dir;
  std::string path = dir.file("dsr.db");
  fill(path);
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  CHECK(storage::stored_tree_size(db) == 8);
  SQLite::Statement rows(db, std::string("SELECT ") + storage::kLeafColumns + " FROM journal ORDER BY seq");
  std::set<std::string> salts;
  std::vector<merkle::Hash> hashes;
  while (rows.executeStep()) {
    auto leaf = storage::row_leaf(rows, 0);
    REQUIRE(leaf.ok());
    // The reason given and who gave it are committed to, never written out.
    CHECK(leaf->find("not the subject") == std::string::npos);
    CHECK(leaf->find("vera") == std::string::npos);
    CHECK(leaf->find("rita") == std::string::npos);
    CHECK(leaf->find("\"v\":\"dsr-leaf-v1\"") != std::string::npos);
    std::string salt = rows.getColumn(13).getString();
    CHECK(leaf->find("\"salt\":\"" + salt + "\"") != std::string::npos);
    salts.insert(salt);
    hashes.push_back(merkle::leaf_hash(storage::as_bytes(*leaf)));
  }
  CHECK(salts.size() == 8);  // a fresh salt for each leaf
  // The root is that of RFC 6962 over the leaf hashes.
  auto nodes = storage::stored_nodes(db);
  merkle::Hash left = merkle::node_hash(merkle::node_hash(hashes[0], hashes[1]), merkle::node_hash(hashes[2], hashes[3]));
  merkle::Hash right = merkle::node_hash(merkle::node_hash(hashes[4], hashes[5]), merkle::node_hash(hashes[6], hashes[7]));
  CHECK(merkle::root(8, nodes) == merkle::node_hash(left, right));
}

TEST_CASE("an edited leaf or tree node is named", "[storage][journal][audit-log][tamper]") {
  test::TempDir dir;
  std::string path = dir.file("dsr.db");
  fill(path);
  SECTION("a leaf that no longer matches its event: another row's salt") {
    tamper(path, "UPDATE journal SET salt = (SELECT salt FROM journal WHERE seq = 5) WHERE seq = 6");
    auto v = verify(path);
    CHECK_FALSE(v.ok);
    CHECK(v.first_bad_event == 6);
    CHECK(v.problem.find("leaf in the audit log does not match") != std::string::npos);
  }
  SECTION("a stored node that proofs would be made from") {
    // Node (2, 1) is completed by leaf 7, so entry 8 keeps it, after (1, 3).
    tamper(path, "UPDATE journal SET nodes = substr(nodes, 1, 32) || zeroblob(32) || substr(nodes, 65) WHERE seq = 8");
    auto v = verify(path);
    CHECK_FALSE(v.ok);
    CHECK(v.first_bad_event == 8);
    CHECK(v.problem.find("stored nodes of leaf 7") != std::string::npos);
  }
}

TEST_CASE("a journal written before the tree gets its leaves, in order, when dsr opens it", "[storage][journal][audit-log]") {
  test::TempDir dir;
  std::string path = dir.file("dsr.db");
  fill(path);
  tamper(path, "UPDATE journal SET salt = NULL, leaf_hash = NULL, nodes = NULL");
  CHECK_FALSE(verify(path).ok);
  test::open_database(path);  // opening migrates and fills in the tree
  auto v = verify(path);
  CHECK(v.ok);
  CHECK(v.events == 8);
}

TEST_CASE("an erasure blanks the reasons of the subject's events and the log still verifies", "[storage][journal][audit-log]") {
  test::TempDir dir;
  std::string path = dir.file("dsr.db");
  fill(path);
  {
    auto db = test::open_database(path);
    REQUIRE(db->writer().run([](storage::WriteConnection& c) {
      storage::erase_reasons_of(c, "s-test");
      return ok_status();
    }).ok());
  }
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  SQLite::Statement reason(db, "SELECT reason, erased_reason FROM journal WHERE seq = 8");
  REQUIRE(reason.executeStep());
  CHECK(reason.getColumn(0).getString().empty());  // "not the subject" is gone
  CHECK_FALSE(reason.getColumn(1).isNull());
  auto v = verify(path);
  CHECK(v.ok);
  CHECK(v.events == 8);
}

TEST_CASE("a journal that kept whole leaves (schema 12) keeps their salts and its tree", "[storage][journal][audit-log]") {
  test::TempDir dir;
  std::string path = dir.file("dsr.db");
  Event e;
  e.sequence = 1;
  e.name = "submit";
  e.actor = {"subject", Role::subject};
  e.at = test::at("2025-03-03T02:15:00Z");
  e.to_state = "verifying";
  const std::string salt = storage::new_leaf_salt();
  const std::string leaf = storage::event_leaf("r1", e, salt);
  {
    SQLite::Database raw(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    REQUIRE(storage::migrate(raw, 12).ok());
    raw.exec("INSERT INTO requests (id, type, policy, subject_ref, state, version, received_at, updated_at) "
             "VALUES ('r1', 'access', 'uu-pdp', 's-test', 'verifying', 1, 0, 0)");
    SQLite::Statement row(raw, "INSERT INTO journal (seq, request_id, request_seq, name, principal, role, at, reason, "
                               "reason_public, from_state, to_state, clock, outcome, data, leaf) "
                               "VALUES (1, 'r1', 1, 'submit', 'subject', 'subject', ?, '', 0, '', 'verifying', 'none', '', ?, ?)");
    row.bind(1, static_cast<std::int64_t>(e.at.time_since_epoch().count()));
    storage::Bytes data = storage::encode_event_data({});
    row.bind(2, data.data(), static_cast<int>(data.size()));
    row.bind(3, leaf.data(), static_cast<int>(leaf.size()));
    row.exec();
    SQLite::Statement node(raw, "INSERT INTO log_nodes (level, idx, hash) VALUES (0, 0, ?)");
    merkle::Hash h = merkle::leaf_hash(storage::as_bytes(leaf));
    node.bind(1, h.data(), static_cast<int>(h.size()));
    node.exec();
  }
  test::open_database(path);  // migrates to the salt column
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  SQLite::Statement kept(db, "SELECT salt FROM journal WHERE seq = 1");
  REQUIRE(kept.executeStep());
  CHECK(kept.getColumn(0).getString() == salt);
  auto v = verify(path);
  CHECK(v.ok);
}
