// The audit log's signed checkpoints against those who would change the
// past: a checkpoint forged without the log key, the log cut back, and the
// insider who holds every key and rebuilds the log differently, caught by
// a checkpoint kept from before (as every access package carries one).
#include <catch2/catch.hpp>

#include <future>
#include <optional>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "engine/request_service.hpp"
#include "storage/audit_tree.hpp"
#include "storage/journal.hpp"
#include "storage/log_checkpoints.hpp"
#include "storage/log_key.hpp"
#include "storage/sqlite_audit_log.hpp"
#include "storage/sqlite_store.hpp"
#include "storage_support.hpp"
#include "test_support.hpp"

using namespace dsr;
using test::actor;

namespace {

struct Log {
  test::TempDir dir;
  std::string path = dir.file("dsr.db");
  std::unique_ptr<storage::Database> db = test::open_database(path);
  storage::SqliteStore store{*db};
  SystemClock clock;
  int next = 0;
  RequestService service{test::shipped_workflows(), test::shipped_policies(), store, clock,
                         [this] { return "r" + std::to_string(++next); }};
  storage::LogKey key = must_key(dir.file("log.key"));

  static storage::LogKey must_key(const std::string& file) {
    auto k = storage::LogKey::load(file, "bsre.test/dsr-log", true);
    REQUIRE(k.ok());
    return std::move(k).value();
  }
  void file_requests(int n) {
    for (int i = 0; i < n; ++i) REQUIRE(test::submit(service).ok());
  }
  std::uint64_t sign() {
    auto s = storage::sign_checkpoint(*db, key);
    REQUIRE(s.ok());
    REQUIRE(s->has_value());
    return **s;
  }
  storage::CheckpointVerdict verify() {
    SQLite::Database c(path, SQLite::OPEN_READONLY);
    auto v = storage::verify_checkpoints(c, {key.verifier_key()});
    REQUIRE(v.ok());
    return *v;
  }
  storage::CheckpointVerdict consistent_with(const std::string& note) {
    SQLite::Database c(path, SQLite::OPEN_READONLY);
    auto v = storage::verify_consistent_with(c, note, {key.verifier_key()});
    REQUIRE(v.ok());
    return *v;
  }
};

}  // namespace

TEST_CASE("a checkpoint is a C2SP signed note that the log key verifies", "[storage][audit-log]") {
  Log log;
  log.file_requests(3);
  CHECK(log.sign() == 3);
  auto again = storage::sign_checkpoint(*log.db, log.key);
  REQUIRE(again.ok());
  CHECK_FALSE(again->has_value());  // not grown: no second checkpoint for one size
  auto note = storage::latest_checkpoint(*log.db);
  REQUIRE((note.ok() && note->has_value()));
  CHECK(note->value().starts_with("bsre.test/dsr-log\n3\n"));
  CHECK(note->value().find("\n\n\u2014 bsre.test/dsr-log ") != std::string::npos);
  auto opened = storage::open_checkpoint(**note, log.key.verifier_key());
  REQUIRE(opened.ok());
  CHECK(opened->size == 3);
  // Another key of the same name does not open it.
  auto other = storage::LogKey::load(log.dir.file("other.key"), "bsre.test/dsr-log", true);
  REQUIRE(other.ok());
  CHECK_FALSE(storage::open_checkpoint(**note, other->verifier_key()).ok());
  CHECK(log.verify().ok);
  CHECK(log.verify().checkpoints == 1);
}

TEST_CASE("a forged checkpoint is named", "[storage][audit-log][tamper]") {
  Log log;
  log.file_requests(2);
  log.sign();
  // A checkpoint at a new size, signed by a key that is not the log's.
  log.file_requests(1);
  auto forger = storage::LogKey::load(log.dir.file("forger.key"), "bsre.test/dsr-log", true);
  REQUIRE(forger.ok());
  auto forged = storage::sign_checkpoint(*log.db, *forger);
  REQUIRE(forged.ok());
  auto v = log.verify();
  CHECK_FALSE(v.ok);
  CHECK(v.first_bad_checkpoint == 3);
  // The message names the key the forged signature claims.
  CHECK(v.problem.find("signed by none of the log's keys (its signatures name bsre.test/dsr-log+" + forger->key_id() +
                       ")") != std::string::npos);
}

TEST_CASE("a checkpoint whose text was changed under its signature is named", "[storage][audit-log][tamper]") {
  Log log;
  log.file_requests(2);
  log.sign();
  {
    SQLite::Database c(log.path, SQLite::OPEN_READWRITE);
    std::string note = c.execAndGet("SELECT note FROM log_checkpoints WHERE size = 2").getString();
    note[note.find('\n', note.find('\n') + 1) + 1] ^= 1;  // one bit of the root's first character
    SQLite::Statement update(c, "UPDATE log_checkpoints SET note = ? WHERE size = 2");
    update.bind(1, note);
    update.exec();
  }
  auto v = log.verify();
  CHECK_FALSE(v.ok);
  CHECK(v.first_bad_checkpoint == 2);
  CHECK(v.problem.find("does not verify") != std::string::npos);
}

TEST_CASE("a log cut back below a checkpoint is named", "[storage][audit-log][tamper]") {
  Log log;
  log.file_requests(4);
  log.sign();
  {
    SQLite::Database c(log.path, SQLite::OPEN_READWRITE);
    // The last entry and its request, so that the journal alone is in order.
    c.exec("DELETE FROM journal WHERE seq = 4; DELETE FROM requests WHERE id = 'r4'");
  }
  auto v = log.verify();
  CHECK_FALSE(v.ok);
  CHECK(v.problem.find("removed from the end") != std::string::npos);
}

TEST_CASE("the insider's rewrite, with every key, is caught by a checkpoint kept from before", "[storage][audit-log][tamper]") {
  test::TempDir elsewhere;
  std::string kept;
  Log log;
  log.file_requests(3);
  log.sign();
  kept = storage::latest_checkpoint(*log.db).value().value();  // as a citizen's access package holds it
  CHECK(log.consistent_with(kept).ok);

  // The insider cuts the log back and rebuilds it differently: the same
  // number of requests, other facts, re-signed with the real log key. The
  // database alone now verifies...
  {
    SQLite::Database c(log.path, SQLite::OPEN_READWRITE);
    c.exec("DELETE FROM log_checkpoints; UPDATE journal SET salt = NULL, leaf_hash = NULL, nodes = NULL;"
           "UPDATE journal SET at = at + 3600");  // history moved by an hour
  }
  log.db.reset();
  log.db = test::open_database(log.path);  // rebuilds every leaf and node, as dsr would
  log.sign();
  CHECK(log.verify().ok);
  // ...but not against the checkpoint the citizen kept.
  auto v = log.consistent_with(kept);
  CHECK_FALSE(v.ok);
  CHECK(v.first_bad_checkpoint == 3);
  CHECK(v.problem.find("rewritten") != std::string::npos);
}

TEST_CASE("an access package's proofs: one checkpoint covering every event, a tlog-proof for each", "[storage][audit-log]") {
  Log log;
  log.file_requests(3);
  REQUIRE(test::fire(log.service, "r2", "verify", actor(Role::subject, "subject"), 1).ok());
  storage::SqliteAuditLog audit(*log.db);
  audit.set_key(&log.key);
  std::promise<Result<RequestLogProofs>> answered;
  audit.proofs_for("r2", [&](Result<RequestLogProofs> r) { answered.set_value(std::move(r)); });
  auto proofs = answered.get_future().get();  // no checkpoint yet: one is signed for it
  REQUIRE(proofs.ok());
  CHECK(proofs->verifier_key == log.key.verifier_key());
  REQUIRE(proofs->entries.size() == 2);
  auto checkpoint = storage::open_checkpoint(proofs->checkpoint, log.key.verifier_key());
  REQUIRE(checkpoint.ok());
  CHECK(checkpoint->size == 4);
  SQLite::Database c(log.path, SQLite::OPEN_READONLY);
  for (const auto& e : proofs->entries) {
    INFO(e.proof);
    CHECK(e.proof.starts_with("c2sp.org/tlog-proof@v1\nindex " + std::to_string(e.leaf_index) + "\n"));
    CHECK(e.proof.ends_with(proofs->checkpoint));
    // The proof's hashes lead from the leaf to the checkpoint's root.
    auto proof = merkle::inclusion_proof(e.leaf_index, checkpoint->size, storage::stored_nodes(c));
    CHECK(merkle::verify_inclusion(e.leaf_index, checkpoint->size, merkle::leaf_hash(storage::as_bytes(e.leaf)), proof,
                                   checkpoint->root));
  }
  CHECK(proofs->entries[0].leaf_index == 1);  // r2's filing was the second entry
  CHECK(proofs->entries[1].leaf_index == 3);
}

TEST_CASE("an access package's proofs use the latest checkpoint when it covers the request", "[storage][audit-log]") {
  Log log;
  log.file_requests(3);
  REQUIRE(storage::sign_checkpoint(*log.db, log.key).ok());
  REQUIRE(test::fire(log.service, "r3", "verify", actor(Role::subject, "subject"), 1).ok());  // after it
  storage::SqliteAuditLog audit(*log.db);
  audit.set_key(&log.key);
  std::optional<Result<RequestLogProofs>> answered;
  audit.proofs_for("r1", [&](Result<RequestLogProofs> r) { answered = std::move(r); });
  REQUIRE(answered.has_value());  // at once, without the writer
  REQUIRE(answered->ok());
  CHECK(storage::open_checkpoint((*answered)->checkpoint, log.key.verifier_key())->size == 3);
  std::optional<Result<RequestLogProofs>> unknown;
  audit.proofs_for("r9", [&](Result<RequestLogProofs> r) { unknown = std::move(r); });
  REQUIRE(unknown.has_value());
  CHECK(unknown->error().code == ErrorCode::not_found);
}
