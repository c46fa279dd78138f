// Durable filings per second, and their latency, through dsr's PostgreSQL
// store (RequestService over PgStore: one pipelined transaction per
// filing), with 1, 8 or 64 clients each filing in a loop and waiting for
// each answer. bench/pg_bench.sh runs it beside pgbench running the same
// writes (bench/pgbench/filing.sql), on the same server, in the same run.
//
//   pg_filing_bench --conninfo STRING --clients N [--seconds S]
//   pg_filing_bench --conninfo STRING --migrate-only   (the schema only, for pgbench's database)
//   pg_filing_bench --conninfo STRING --fill N          (N filings, their ids in bench_ids(n, id) for pgbench)
//   pg_filing_bench --conninfo STRING --clients N --read [--seconds S]
//                    (each client loads a request chosen at random among those in bench_ids, as GET /v1/requests/{id} does)
// Prints one line: "clients N filings/s R p50_ms A p99_ms B".
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "app/definition_files.hpp"
#include "engine/request_service.hpp"
#include "storage/crypto.hpp"
#include "storage/postgres/pg_backend.hpp"
#include "storage/postgres/pg_sequencer.hpp"
#include "storage/postgres/pg_store.hpp"

using namespace dsr;
using Stopwatch = std::chrono::steady_clock;

int main(int argc, char** argv) {
  std::string conninfo;
  int clients = 1;
  double seconds = 5;
  bool migrate_only = false, read = false;
  int fill = 0;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--migrate-only" || flag == "--read") {
      (flag == "--read" ? read : migrate_only) = true;
      continue;
    }
    if (i + 1 == argc) flag = "?";
    if (flag == "--conninfo") conninfo = argv[++i];
    else if (flag == "--clients") clients = std::stoi(argv[++i]);
    else if (flag == "--fill") fill = std::stoi(argv[++i]);
    else if (flag == "--seconds") seconds = std::stod(argv[++i]);
    else {
      fmt::print(stderr, "usage: pg_filing_bench --conninfo STRING (--clients N [--seconds S] | --migrate-only)\n");
      return 2;
    }
  }
  auto defs = app::load_definitions(app::embedded_definition_files());
  if (!defs) return 1;
  storage::Key key{};
  key.fill(9);
  auto backend = storage::pg::Backend::open(conninfo, key, static_cast<std::size_t>(clients) + 2);
  if (!backend) {
    fmt::print(stderr, "pg_filing_bench: {}\n", backend.error().message);
    return 1;
  }
  if (migrate_only) return 0;
  auto& b = **backend;
  storage::pg::PgStore store(b.pool(), b.keys(), b.executor());
  SystemClock clock;
  RequestService service(defs->workflows, defs->policies, store, clock,
                         [] { return storage::time_ordered_id("r-"); });
  auto file_one = [&] {
    // A filing as the portal makes one: a form and a tracking token.
    Filing filing;
    filing.details_json = R"({"contact_given":{"email":"budi@example.go.id"},"locale":"id"})";
    filing.tracking_token = "trk_bench." + storage::random_id(16);
    std::promise<Result<Request>> p;
    service.submit({"access", "id-pdp", "s-bench", {"subject", Role::subject}, filing, {}},
                   [&p](Result<Request> r) { p.set_value(std::move(r)); });
    auto r = p.get_future().get();
    if (!r) throw std::runtime_error("a filing failed: " + r.error().message);
    return r->id;
  };
  if (fill > 0) {
    auto made = b.pool().with([](storage::pg::Connection& c) {
      return c.run_script("CREATE TABLE IF NOT EXISTS bench_ids (n bigserial PRIMARY KEY, id text NOT NULL)");
    });
    if (!made) throw std::runtime_error(made.error().message);
    for (int i = 0; i < fill; ++i) {
      std::string id = file_one();
      auto noted = b.pool().with([&](storage::pg::Connection& c) { return c.exec("INSERT INTO bench_ids (id) VALUES ($1)", {id}); });
      if (!noted) throw std::runtime_error(noted.error().message);
    }
    return 0;
  }
  std::vector<std::string> ids;
  if (read) {
    auto rows = b.pool().with([](storage::pg::Connection& c) { return c.exec("SELECT id FROM bench_ids ORDER BY n"); });
    if (!rows || rows->empty()) {
      fmt::print(stderr, "pg_filing_bench: --read needs requests made with --fill first\n");
      return 2;
    }
    for (int i = 0; i < rows->size(); ++i) ids.push_back(rows->text(i, 0));
  }
  std::atomic<bool> running{true};
  std::mutex latencies_mutex;
  std::vector<double> latencies;
  // The sequencer runs as a node's duty does, sharing the server.
  std::thread sequencer([&] {
    storage::pg::Sequencer s(b.pool(), "bench");
    while (running) {
      auto n = s.run_once();
      if (n && *n == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  auto start = Stopwatch::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&, seed = i] {
      std::vector<double> mine;
      std::uint64_t next = static_cast<std::uint64_t>(seed) * 7919 + 17;
      while (running.load(std::memory_order_relaxed)) {
        auto began = Stopwatch::now();
        if (read) {
          next = next * 6364136223846793005ULL + 1442695040888963407ULL;  // a cheap generator, one per client
          auto loaded = store.load(ids[(next >> 33) % ids.size()]);
          if (!loaded) throw std::runtime_error("a read failed: " + loaded.error().message);
        } else {
          file_one();
        }
        mine.push_back(std::chrono::duration<double, std::milli>(Stopwatch::now() - began).count());
      }
      std::lock_guard lock(latencies_mutex);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  running = false;
  for (auto& t : threads) t.join();
  double elapsed = std::chrono::duration<double>(Stopwatch::now() - start).count();
  sequencer.join();
  std::sort(latencies.begin(), latencies.end());
  auto at = [&](double q) { return latencies.empty() ? 0.0 : latencies[static_cast<std::size_t>(q * static_cast<double>(latencies.size() - 1))]; };
  fmt::print("clients {} {}/s {:.0f} p50_ms {:.2f} p99_ms {:.2f}\n", clients, read ? "reads" : "filings",
             static_cast<double>(latencies.size()) / elapsed, at(0.5), at(0.99));
  return 0;
}
