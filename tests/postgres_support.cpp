#include "postgres_support.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

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

std::string pg_dump(const std::string& conninfo) {
  char dir[] = "/tmp/dsr-pg-dump-XXXXXX";
  if (::mkdtemp(dir) == nullptr) FAIL("cannot make a temporary directory for pg_dump");
  std::string file = std::string(dir) + "/dump.sql";
  std::string command = "/usr/lib/postgresql/15/bin/pg_dump --no-owner '" + conninfo + "' > " + file;
  int status = std::system(command.c_str());
  std::ifstream in(file, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::filesystem::remove_all(dir);
  if (status != 0) FAIL("pg_dump failed: " << command);
  if (text.find("CREATE TABLE public.journal") == std::string::npos) FAIL("the dump holds no journal table");
  return text;
}

bool server_tests_on_postgres() {
  return std::getenv("DSR_TEST_POSTGRES") != nullptr;
}

}  // namespace dsr::test
