// A test driver for the storage layer, run as a separate process by the
// crash and audit tests:
//   storage_driver submit DB KEY [THREADS]  file and advance requests until
//                                          killed, printing "ack ID VERSION"
//                                          once each command is durable
//   storage_driver fill DB KEY N            N requests with a few events each,
//                                          and a checkpoint of the audit log
//                                          signed with log.key beside DB
//   storage_driver check DB KEY ACKS        every acknowledged command is in
//                                          the database, integrity_check is
//                                          ok, the journal verifies
//   storage_driver subjects DB KEY N        N subject records (numbered_nik)
//   storage_driver read-subjects DB KEY N   every one of them opens and is
//                                          found by its NIK, with the key
//                                          file as it is (one key or two)
#include <SQLiteCpp/Database.h>
#include <fmt/format.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "app/definition_files.hpp"
#include "engine/request_service.hpp"
#include "storage/database.hpp"
#include "storage/log_checkpoints.hpp"
#include "storage/log_key.hpp"
#include "storage/master_key_file.hpp"
#include "storage/sqlite_store.hpp"
#include "storage/sqlite_vault.hpp"

using namespace dsr;

namespace {

struct World {
  std::unique_ptr<storage::Database> db;
  std::unique_ptr<storage::SqliteStore> store;
  app::Definitions definitions;
  SystemClock clock;
  std::unique_ptr<RequestService> service;
};

World open_world(const std::string& db_path, const std::string& key_path) {
  auto key = storage::load_or_create_master_key(key_path);
  if (!key) throw std::runtime_error(key.error().message);
  auto db = storage::Database::open(db_path, *key);
  if (!db) throw std::runtime_error(db.error().message);
  auto definitions = app::load_definitions(app::embedded_definition_files());
  if (!definitions) throw std::runtime_error("embedded definitions are invalid");
  World w{std::move(db).value(), nullptr, std::move(definitions).value(), {}, nullptr};
  w.store = std::make_unique<storage::SqliteStore>(*w.db);
  w.service = std::make_unique<RequestService>(w.definitions.workflows, w.definitions.policies, *w.store, w.clock,
                                               [] { return "r-" + storage::random_id(8); });
  return w;
}

Result<Request> wait(std::function<void(RequestService::Done)> call) {
  std::promise<Result<Request>> p;
  call([&p](Result<Request> r) { p.set_value(std::move(r)); });
  return p.get_future().get();
}

// One request through verify, approve and fulfil; `ack` after each durable step.
void advance_one(RequestService& service, const std::function<void(const Request&)>& ack) {
  auto r = wait([&](auto done) { service.submit({"access", "id-pdp", "s-driver", {"subject", Role::subject}, std::nullopt, {}}, done); });
  if (!r) throw std::runtime_error(r.error().message);
  ack(*r);
  const std::pair<const char*, Actor> steps[] = {{"verify", {"subject", Role::subject}},
                                                 {"approve", {"rita", Role::reviewer}},
                                                 {"fulfil", {"dsr", Role::system}}};
  for (const auto& step : steps) {
    std::string id = r->id;
    std::int64_t version = r->version;
    r = wait([&](auto done) { service.fire(id, Command{step.first, step.second, "", version, {}, {}}, done); });
    if (!r) throw std::runtime_error(r.error().message);
    ack(*r);
  }
}

int submit(const std::string& db, const std::string& key, int threads) {
  World w = open_world(db, key);
  std::mutex out;
  auto ack = [&](const Request& r) {
    std::lock_guard lock(out);
    std::printf("ack %s %lld\n", r.id.c_str(), static_cast<long long>(r.version));
    std::fflush(stdout);
  };
  std::vector<std::thread> workers;
  for (int i = 0; i < threads; ++i)
    workers.emplace_back([&] {
      for (;;) advance_one(*w.service, ack);
    });
  for (auto& t : workers) t.join();
  return 0;
}

int fill(const std::string& db, const std::string& key, int n) {
  World w = open_world(db, key);
  for (int i = 0; i < n; ++i) advance_one(*w.service, [](const Request&) {});
  auto log_key = storage::LogKey::load(std::filesystem::path(db).parent_path() / "log.key", "bsre.test/dsr-log", true);
  if (!log_key || !storage::remember_log_key(*w.db, *log_key) || !storage::sign_checkpoint(*w.db, *log_key)) {
    std::fprintf(stderr, "cannot sign a checkpoint of %s\n", db.c_str());
    return 1;
  }
  return 0;
}

int check(const std::string& db_path, const std::string& key_path, const std::string& acks_path) {
  World w = open_world(db_path, key_path);
  std::map<std::string, long long> acked;  // id -> highest acknowledged version
  std::ifstream acks(acks_path);
  std::string line;
  while (std::getline(acks, line)) {
    std::istringstream words(line);
    std::string tag, id;
    long long version = 0;
    if (!(words >> tag >> id >> version) || tag != "ack") continue;  // a line cut by the kill
    acked[id] = std::max(acked[id], version);
  }
  int lost = 0;
  for (const auto& [id, version] : acked) {
    auto r = w.store->load(id);
    if (!r || r->version < version) {
      std::fprintf(stderr, "LOST: %s acknowledged at version %lld, stored %s\n", id.c_str(), version,
                   r ? std::to_string(r->version).c_str() : r.error().message.c_str());
      ++lost;
    }
  }
  auto integrity = w.db->read("integrity", [](SQLite::Database& c) -> Result<std::string> {
    return c.execAndGet("PRAGMA integrity_check").getString();
  });
  auto verdict = w.db->read("verify", [&](SQLite::Database& c) {
    return storage::verify_journal(c);
  });
  bool ok = lost == 0 && integrity && *integrity == "ok" && verdict && verdict->ok;
  std::printf("%s: %zu acknowledged requests, %d lost, integrity %s, journal %s (%lld events)\n",
              ok ? "ok" : "FAILED", acked.size(), lost, integrity ? integrity->c_str() : "error",
              verdict && verdict->ok ? "intact" : "BROKEN", verdict ? static_cast<long long>(verdict->events) : 0LL);
  return ok ? 0 : 1;
}

std::unique_ptr<storage::Database> open_with_key_file(const std::string& db_path, const std::string& key_path) {
  auto keys = storage::load_master_keys(key_path);
  if (!keys) throw std::runtime_error(keys.error().message);
  auto db = storage::Database::open(db_path, *keys, [key_path] { return storage::load_master_keys(key_path); }, {});
  if (!db) throw std::runtime_error(db.error().message);
  return std::move(db).value();
}

// A NIK the API takes as plausible: region 317101, a birth date, a serial.
std::string numbered_nik(int i) {
  int serial = 1 + i % 9999, day = 1 + (i / 9999) % 28, month = 1 + (i / 9999 / 28) % 12;
  return fmt::format("317101{:02d}{:02d}85{:04d}", day, month, serial);
}

// Many puts in flight at once, so the group-commit writer makes few
// transactions of them.
int subjects(const std::string& db_path, const std::string& key_path, int n) {
  auto key = storage::load_or_create_master_key(key_path);
  if (!key) throw std::runtime_error(key.error().message);
  auto db = open_with_key_file(db_path, key_path);
  storage::SqliteVault vault(*db);
  std::atomic<int> failed{0};
  std::promise<void> all;
  std::atomic<int> left{n};
  for (int i = 0; i < n; ++i) {
    SubjectRecord r;
    r.name = fmt::format("Pegawai {}", i);
    r.nik = numbered_nik(i);
    r.email = fmt::format("pegawai{}@example.go.id", i);
    r.organization = "BSSN";
    vault.put(r, [&](Result<std::string> ref) {
      if (!ref) ++failed;
      if (--left == 0) all.set_value();
    });
  }
  if (n > 0) all.get_future().wait();
  if (failed > 0) {
    std::fprintf(stderr, "storage_driver: %d puts failed\n", failed.load());
    return 1;
  }
  std::printf("%d subjects\n", n);
  return 0;
}

int read_subjects(const std::string& db_path, const std::string& key_path, int n) {
  auto db = open_with_key_file(db_path, key_path);
  storage::SqliteVault vault(*db);
  int bad = 0;
  for (int i = 0; i < n; ++i) {
    auto ref = vault.find_by_nik(numbered_nik(i));
    if (!ref || !ref->has_value()) {
      if (bad++ < 3) std::fprintf(stderr, "subject %d: not found by NIK\n", i);
      continue;
    }
    auto record = vault.get(**ref);
    if (!record || record->name != fmt::format("Pegawai {}", i)) {
      if (bad++ < 3) std::fprintf(stderr, "subject %d: %s\n", i, record ? "wrong name" : record.error().message.c_str());
    }
  }
  if (bad > 0) {
    std::printf("%d of %d subjects unreadable\n", bad, n);
    return 1;
  }
  std::printf("all %d subjects read\n", n);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> a(argv + 1, argv + argc);
  try {
    if (a.size() >= 3 && a[0] == "submit") return submit(a[1], a[2], a.size() > 3 ? std::stoi(a[3]) : 8);
    if (a.size() == 4 && a[0] == "fill") return fill(a[1], a[2], std::stoi(a[3]));
    if (a.size() == 4 && a[0] == "check") return check(a[1], a[2], a[3]);
    if (a.size() == 4 && a[0] == "subjects") return subjects(a[1], a[2], std::stoi(a[3]));
    if (a.size() == 4 && a[0] == "read-subjects") return read_subjects(a[1], a[2], std::stoi(a[3]));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "storage_driver: %s\n", e.what());
    return 2;
  }
  std::fprintf(stderr, "usage: storage_driver submit DB KEY [THREADS] | fill DB KEY N | check DB KEY ACKS | subjects DB KEY N | "
                       "read-subjects DB KEY N\n");
  return 2;
}
