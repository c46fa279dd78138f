#include "postgres_support.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cstdlib>
#include <fstream>

#include "storage/crypto.hpp"
#include "storage/postgres/pg_connection.hpp"

namespace dsr::test {

PgDatabase::PgDatabase() {
  const char* file = std::getenv("DSR_TEST_POSTGRES");
  if (file == nullptr)
    FAIL("no PostgreSQL cluster: run through ctest (fixture \"postgres\"), or start one with tests/pg_cluster.sh "
         "start DIR and set DSR_TEST_POSTGRES=DIR/conninfo");
  std::ifstream in(file);
  std::getline(in, admin_);
  if (admin_.empty()) FAIL(fmt::format("DSR_TEST_POSTGRES names {}, which holds no connection string", file));
  name_ = "dsr_test_" + storage::to_hex(storage::random_bytes(6));
  auto admin = storage::pg::Connection::open(admin_);
  if (!admin) FAIL(admin.error().message);
  auto made = (*admin)->run_script("CREATE DATABASE " + name_);
  if (!made) FAIL(made.error().message);
  conninfo_ = admin_;
  conninfo_.replace(conninfo_.find("dbname=postgres"), std::string("dbname=postgres").size(), "dbname=" + name_);
}

PgDatabase::~PgDatabase() {
  auto admin = storage::pg::Connection::open(admin_);
  if (admin) (void)(*admin)->run_script("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
}

}  // namespace dsr::test
