// The master key rotation (storage/master_key_rotation.hpp) on both
// backends: a "server" node opened on the key file keeps reading and
// writing while a "command" node rotates, rows under the old and the new
// key are read side by side, new rows follow the announced key, and once
// every row is re-wrapped the new key alone opens everything (blind
// indexes and token hashes included, since the purpose keys stay).
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "storage/master_key_file.hpp"
#include "storage/package_signer.hpp"
#include "storage/sqlite_key_rotation.hpp"
#include "storage/postgres/pg_key_rotation.hpp"
#include "storage/postgres/pg_token_rows.hpp"
#include "storage/postgres/pg_vault.hpp"
#include "storage/sqlite_vault.hpp"
#include "storage/token_registry.hpp"
#include "postgres_support.hpp"
#include "storage_support.hpp"

namespace dsr {
namespace {

void write_key_file(const std::string& path, const storage::MasterKeySet& keys) {
  std::filesystem::remove(path);
  {
    std::ofstream out(path, std::ios::binary);
    if (!keys.previous) out.write(reinterpret_cast<const char*>(keys.current.data()), keys.current.size());
    else out << storage::format_master_keys(keys);
  }
  ::chmod(path.c_str(), 0600);
}

std::function<Result<storage::MasterKeySet>()> reader(const std::string& path) {
  return [path] { return storage::load_master_keys(path); };
}

SubjectRecord numbered(int i) {
  SubjectRecord r = test::budi();
  r.nik = fmt::format("31710123038{:05d}", i);
  r.email = fmt::format("pegawai{}@example.go.id", i);
  r.name = fmt::format("Pegawai {}", i);
  return r;
}

// One process (or node) on a SQLite file.
struct SqliteNode {
  explicit SqliteNode(std::unique_ptr<storage::Database> opened) : db(std::move(opened)) {}
  std::unique_ptr<storage::Database> db;
  storage::SqliteVault vault{*db};
  storage::TokenRegistry tokens{*db};
  std::unique_ptr<storage::MasterKeyRotation> rotation = storage::sqlite_master_key_rotation(*db);
  const storage::MasterKey& keys() const { return db->keys(); }
  std::unique_ptr<storage::Ed25519Signer> signer() {
    auto opened = storage::Ed25519Signer::open(*db);
    REQUIRE(opened.ok());
    return std::move(opened).value();
  }
};

struct SqliteSite {
  test::TempDir dir;
  std::string db_path = dir.file("dsr.db");
  Result<std::unique_ptr<SqliteNode>> open(const std::string& key_file) {
    auto keys = storage::load_master_keys(key_file);
    if (!keys) return fail(keys.error());
    auto db = storage::Database::open(db_path, *keys, reader(key_file), {});
    if (!db) return fail(db.error());
    auto node = std::make_unique<SqliteNode>(std::move(db).value());
    return node;
  }
  std::int64_t count(const std::string& sql) {
    SQLite::Database raw(db_path, SQLite::OPEN_READONLY);
    return raw.execAndGet(sql).getInt64();
  }
  void tamper(const std::string& sql) {
    SQLite::Database raw(db_path, SQLite::OPEN_READWRITE);
    raw.exec(sql);
  }
};

struct PgNode {
  explicit PgNode(std::unique_ptr<storage::pg::Backend> opened) : backend(std::move(opened)) {}
  std::unique_ptr<storage::pg::Backend> backend;
  storage::pg::PgVault vault{backend->pool(), backend->keys(), backend->executor()};
  storage::TokenRegistry tokens{std::make_unique<storage::pg::PgTokenRows>(backend->pool(), backend->executor()),
                                backend->keys()};
  std::unique_ptr<storage::MasterKeyRotation> rotation = storage::pg::master_key_rotation(*backend);
  const storage::MasterKey& keys() const { return backend->keys(); }
  std::unique_ptr<storage::Ed25519Signer> signer() {
    auto opened = storage::pg::open_signer(*backend);
    REQUIRE(opened.ok());
    return std::move(opened).value();
  }
};

struct PgSite {
  test::TempDir dir;
  test::PgDatabase pg;
  Result<std::unique_ptr<PgNode>> open(const std::string& key_file) {
    auto keys = storage::load_master_keys(key_file);
    if (!keys) return fail(keys.error());
    auto backend = storage::pg::Backend::open(pg.conninfo(), *keys, reader(key_file), 2);
    if (!backend) return fail(backend.error());
    return std::make_unique<PgNode>(std::move(backend).value());
  }
  std::int64_t count(const std::string& sql) {
    auto c = storage::pg::Connection::open(pg.conninfo());
    REQUIRE(c.ok());
    auto n = (*c)->exec(sql);
    REQUIRE(n.ok());
    return n->integer(0, 0);
  }
  void tamper(const std::string& sql) {
    auto c = storage::pg::Connection::open(pg.conninfo());
    REQUIRE(c.ok());
    REQUIRE((*c)->run_script(sql).ok());
  }
};

template <class Node>
std::vector<std::string> put_subjects(Node& node, int from, int to) {
  std::vector<std::string> refs;
  for (int i = from; i < to; ++i) {
    auto ref = test::put(node.vault, numbered(i));
    REQUIRE(ref.ok());
    refs.push_back(*ref);
  }
  return refs;
}

template <class Node>
void check_every_record(Node& node, const std::vector<std::string>& refs) {
  for (std::size_t i = 0; i < refs.size(); ++i) {
    auto record = node.vault.get(refs[i]);
    REQUIRE(record.ok());
    CHECK(record->name == numbered(static_cast<int>(i)).name);
    // The blind index did not move with the master key.
    CHECK(node.vault.find_by_nik(numbered(static_cast<int>(i)).nik)->value() == refs[i]);
  }
}

}  // namespace

TEMPLATE_TEST_CASE("key rotation contract: rows under the old and the new key are read side by side while a rotation "
                   "runs, new rows follow the announced key, and the new key alone opens everything after it",
                   "[storage][contract][keys]", SqliteSite, PgSite) {
  TestType site;
  std::string key_file = site.dir.file("master.key");
  storage::Key old_key = test::test_key(3);
  write_key_file(key_file, {old_key, std::nullopt});
  auto server = site.open(key_file);
  REQUIRE(server.ok());
  auto refs = put_subjects(**server, 0, 12);
  auto token = (*server)->tokens.create_sync({"ana", Role::reviewer, ""});
  REQUIRE(token.ok());
  std::string old_id = storage::master_key_id(old_key);
  CHECK((*server)->keys().current_id() == old_id);
  CHECK(site.count("SELECT COUNT(*) FROM subjects WHERE wrap_key_id = '" + old_id + "'") == 12);
  // Half the rows as a release before key ids wrote them: no id.
  site.tamper("UPDATE subjects SET wrap_key_id = '' WHERE ref IN (SELECT ref FROM subjects ORDER BY ref DESC LIMIT 6)");

  // The command: its own connection, the key file with both keys.
  auto command = site.open(key_file);
  REQUIRE(command.ok());
  storage::Key new_key = test::test_key(4);
  std::string new_id = storage::master_key_id(new_key);
  write_key_file(key_file, {new_key, old_key});
  { auto reread = (*command)->keys().reload(); INFO((reread ? std::string() : reread.error().message)); REQUIRE(reread.ok()); }
  REQUIRE((*command)->rotation->announce().ok());
  auto first = (*command)->rotation->rewrap("", 5);
  REQUIRE(first.ok());
  CHECK(first->rewrapped == 5);
  // Mixed rows: five under the new key, seven under the first key (six of
  // them without an id).
  CHECK(site.count("SELECT COUNT(*) FROM subjects WHERE wrap_key_id = '" + new_id + "'") == 5);
  CHECK(site.count("SELECT COUNT(*) FROM subjects WHERE wrap_key_id = '" + old_id + "'") == 1);
  CHECK(site.count("SELECT COUNT(*) FROM subjects WHERE wrap_key_id = ''") == 6);
  CHECK(*(*command)->rotation->left_under_other_keys() == 7);

  // The server has not read the new key file yet: a row naming the new key
  // makes it read the file again, and every record opens.
  check_every_record(**server, refs);
  CHECK((*server)->tokens.authenticate(token->token).ok());
  // A row the server writes now is wrapped under the announced key.
  auto late = put_subjects(**server, 12, 13);
  CHECK((*server)->keys().current_id() == new_id);
  CHECK(site.count("SELECT COUNT(*) FROM subjects WHERE ref = '" + late[0] + "' AND wrap_key_id = '" + new_id + "'") == 1);
  refs.insert(refs.end(), late.begin(), late.end());

  // The rest, from where the first batch ended; nothing then remains.
  auto rest = (*command)->rotation->rewrap(first->last_ref, 100);
  REQUIRE(rest.ok());
  CHECK(rest->rewrapped == 7);
  CHECK(*(*command)->rotation->left_under_other_keys() == 0);
  write_key_file(key_file, {new_key, std::nullopt});

  // A node started on the new key alone reads everything, indexes and
  // token hashes too; the old key alone is refused at the door.
  auto after = site.open(key_file);
  REQUIRE(after.ok());
  check_every_record(**after, refs);
  CHECK((*after)->tokens.authenticate(token->token).ok());
  std::string old_file = site.dir.file("old.key");
  write_key_file(old_file, {old_key, std::nullopt});
  auto refused = site.open(old_file);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == ErrorCode::forbidden);

  // A second rotation re-wraps the purpose keys kept since the first.
  storage::Key third_key = test::test_key(5);
  write_key_file(key_file, {third_key, new_key});
  REQUIRE((*after)->keys().reload().ok());
  REQUIRE((*after)->rotation->announce().ok());
  while ((*after)->rotation->rewrap("", 4)->rewrapped > 0) {
  }
  CHECK(*(*after)->rotation->left_under_other_keys() == 0);
  write_key_file(key_file, {third_key, std::nullopt});
  auto third = site.open(key_file);
  REQUIRE(third.ok());
  check_every_record(**third, refs);
  CHECK((*third)->tokens.authenticate(token->token).ok());
}

TEMPLATE_TEST_CASE("key rotation contract: once a new key is announced, a node whose key file lacks it cannot wrap "
                   "a row under the old key",
                   "[storage][contract][keys]", SqliteSite, PgSite) {
  TestType site;
  std::string key_file = site.dir.file("master.key"), stale_file = site.dir.file("stale.key");
  storage::Key old_key = test::test_key(3), new_key = test::test_key(4);
  write_key_file(key_file, {old_key, std::nullopt});
  write_key_file(stale_file, {old_key, std::nullopt});
  auto stale = site.open(stale_file);  // a node nobody copied the new key file to
  REQUIRE(stale.ok());
  auto refs = put_subjects(**stale, 0, 2);
  auto command = site.open(key_file);
  REQUIRE(command.ok());
  write_key_file(key_file, {new_key, old_key});
  { auto reread = (*command)->keys().reload(); INFO((reread ? std::string() : reread.error().message)); REQUIRE(reread.ok()); }
  REQUIRE((*command)->rotation->announce().ok());

  auto refused = test::put((*stale)->vault, numbered(7));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == ErrorCode::unavailable);
  // Only the two rows from before the announcement are under the old key.
  CHECK(site.count("SELECT COUNT(*) FROM subjects WHERE wrap_key_id = '" + storage::master_key_id(old_key) + "'") == 2);
  // It still reads rows under the old key until the rotation moves them.
  CHECK((*stale)->vault.get(refs[0]).ok());
}

TEMPLATE_TEST_CASE("key rotation contract: a rotated signing key is listed as retired with its time, what it signed "
                   "still verifies with it, and every node then signs with the new key",
                   "[storage][contract][keys]", SqliteSite, PgSite) {
  TestType site;
  std::string key_file = site.dir.file("master.key");
  write_key_file(key_file, {test::test_key(3), std::nullopt});
  auto node = site.open(key_file);
  REQUIRE(node.ok());
  auto signer = (*node)->signer();
  auto before = signer->in_force();
  std::string signature = before.sign("an access package");
  CHECK(signer->keys().size() == 1);

  TimePoint now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  auto rotated = signer->rotate(now);
  REQUIRE(rotated.ok());
  CHECK(rotated->key_id != before.key_id);
  CHECK(signer->in_force().key_id == rotated->key_id);
  auto listed = signer->keys();
  REQUIRE(listed.size() == 2);
  CHECK(listed[0].key_id == rotated->key_id);
  CHECK_FALSE(listed[0].retired_at.has_value());
  CHECK(listed[1].key_id == before.key_id);
  CHECK(listed[1].public_key == before.public_key);
  CHECK(listed[1].retired_at == now);
  // What the retired key signed verifies with its listed public key only.
  CHECK(storage::verify_signature("an access package", signature, listed[1].public_key));
  CHECK_FALSE(storage::verify_signature("an access package", signature, listed[0].public_key));
  CHECK(storage::verify_signature("a later package", signer->sign("a later package"), listed[0].public_key));

  // Another node (or a restarted one) signs with the new key.
  auto other = site.open(key_file);
  REQUIRE(other.ok());
  auto other_signer = (*other)->signer();
  CHECK(other_signer->in_force().key_id == rotated->key_id);
  // A second rotation retires the next key; the newest retired comes first.
  auto third = other_signer->rotate(now + std::chrono::seconds(60));
  REQUIRE(third.ok());
  auto all = other_signer->keys();
  REQUIRE(all.size() == 3);
  CHECK(all[0].key_id == third->key_id);
  CHECK(all[1].key_id == rotated->key_id);
  CHECK(all[2].key_id == before.key_id);
}

}  // namespace dsr
