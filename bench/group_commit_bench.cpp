// Durable commands per second through the group-commit writer, for 1, 8 and
// 64 concurrent submitters, next to the rate of single-row
// synchronous=FULL commits on the same disk, measured in the same run.
// A "command" is filing a request through RequestService: deadline, version
// check, request row, journal entry with its place in the audit log's tree,
// one fsync'd commit shared with whatever else is waiting.
//
//   group_commit_bench [--seconds N] [--runs N] [--dir PATH]
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <thread>
#include <vector>

#include "app/definition_files.hpp"
#include "engine/request_service.hpp"
#include "storage/connection.hpp"
#include "storage/database.hpp"
#include "storage/sqlite_store.hpp"

using namespace dsr;
using Stopwatch = std::chrono::steady_clock;

namespace {

struct Options {
  double seconds = 3;
  int runs = 3;
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "dsr-bench";
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// One transaction per row, as an application without group commit would do.
double single_commit_rate(const std::filesystem::path& path, double seconds) {
  std::filesystem::remove(path);
  auto db = storage::open_writer(path.string());
  db->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB NOT NULL)");
  SQLite::Statement insert(*db, "INSERT INTO t (v) VALUES (randomblob(200))");
  auto end = Stopwatch::now() + std::chrono::duration<double>(seconds);
  long commits = 0;
  auto start = Stopwatch::now();
  while (Stopwatch::now() < end) {
    db->exec("BEGIN IMMEDIATE");
    insert.exec();
    insert.reset();
    db->exec("COMMIT");
    ++commits;
  }
  return commits / std::chrono::duration<double>(Stopwatch::now() - start).count();
}

struct GroupResult {
  double rate;
  double batch;  // commands per transaction
};

GroupResult group_commit_rate(const std::filesystem::path& path, int submitters, double seconds,
                              const app::Definitions& defs) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
  storage::Key key{};
  key.fill(9);
  auto db = storage::Database::open(path.string(), key);
  if (!db) throw std::runtime_error(db.error().message);
  storage::SqliteStore store(**db);
  SystemClock clock;
  std::atomic<long> ids{0};
  RequestService service(defs.workflows, defs.policies, store, clock, [&] { return "r" + std::to_string(++ids); });

  std::atomic<bool> running{true};
  std::atomic<long> done{0};
  auto before = (*db)->writer().stats();
  auto start = Stopwatch::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < submitters; ++i) {
    threads.emplace_back([&] {
      while (running.load(std::memory_order_relaxed)) {
        std::promise<bool> p;
        service.submit({"access", "id-pdp", "s-bench", {"subject", Role::subject}, std::nullopt, {}},
                       [&p](Result<Request> r) { p.set_value(r.ok()); });
        if (!p.get_future().get()) throw std::runtime_error("a command failed");
        done.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  running = false;
  for (auto& t : threads) t.join();
  double elapsed = std::chrono::duration<double>(Stopwatch::now() - start).count();
  auto after = (*db)->writer().stats();
  double batch = static_cast<double>(after.jobs - before.jobs) / static_cast<double>(std::max<std::uint64_t>(1, after.transactions - before.transactions));
  return {done.load() / elapsed, batch};
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--seconds") o.seconds = std::stod(argv[i + 1]);
    else if (flag == "--runs") o.runs = std::stoi(argv[i + 1]);
    else if (flag == "--dir") o.dir = argv[i + 1];
    else {
      fmt::print(stderr, "usage: group_commit_bench [--seconds N] [--runs N] [--dir PATH]\n");
      return 2;
    }
  }
  std::filesystem::create_directories(o.dir);
  auto defs = app::load_definitions(app::embedded_definition_files());
  if (!defs) return 1;

  fmt::print("group commit benchmark: {} run(s) of {} s each, files in {}, medians shown\n", o.runs, o.seconds,
             o.dir.string());
  std::vector<double> single;
  std::vector<std::vector<double>> group(3), batches(3);
  const int submitters[] = {1, 8, 64};
  for (int run = 0; run < o.runs; ++run) {
    // Interleaved, so that drift in the machine's load hits both alike.
    single.push_back(single_commit_rate(o.dir / "single.db", o.seconds));
    for (std::size_t i = 0; i < 3; ++i) {
      auto r = group_commit_rate(o.dir / "group.db", submitters[i], o.seconds, *defs);
      group[i].push_back(r.rate);
      batches[i].push_back(r.batch);
    }
  }
  double base = median(single);
  fmt::print("{:<44} {:>12} {:>10} {:>16}\n", "path", "commands/s", "x single", "commands/commit");
  fmt::print("{:<44} {:>12.0f} {:>10.2f} {:>16.1f}\n", "single-row synchronous=FULL commit", base, 1.0, 1.0);
  for (std::size_t i = 0; i < 3; ++i) {
    double rate = median(group[i]);
    fmt::print("{:<44} {:>12.0f} {:>10.2f} {:>16.1f}\n",
               fmt::format("group commit, {} submitter(s), file a request", submitters[i]), rate, rate / base,
               median(batches[i]));
  }
  std::filesystem::remove_all(o.dir);
  return 0;
}
