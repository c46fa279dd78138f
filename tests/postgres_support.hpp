// A database of its own for each PostgreSQL test, in the throwaway cluster
// that ctest starts (tests/pg_cluster.sh, fixture "postgres"): made empty
// when the test begins, dropped when it ends. Outside ctest, start one by
// hand and point DSR_TEST_POSTGRES at its conninfo file:
//   tests/pg_cluster.sh start /tmp/pg && DSR_TEST_POSTGRES=/tmp/pg/conninfo build/debug/tests/dsr_postgres_tests
#pragma once

#include <string>
#include <vector>

namespace dsr::test {

class PgDatabase {
 public:
  PgDatabase();   // fails the test, saying what to do, without a cluster
  ~PgDatabase();  // drops it, ending any session still on it
  PgDatabase(const PgDatabase&) = delete;
  PgDatabase& operator=(const PgDatabase&) = delete;

  // A libpq connection string for this database.
  const std::string& conninfo() const { return conninfo_; }
  const std::string& name() const { return name_; }

 private:
  std::string admin_;  // the cluster's superuser, on database postgres
  std::string name_;
  std::string conninfo_;
};

// The text of `pg_dump --no-owner` of the database, for tests that look
// for what must not be in it.
std::string pg_dump(const std::string& conninfo);

// True when the server tests run `dsr serve` on PostgreSQL: ctest's
// "server-postgres:" run, which sets DSR_TEST_POSTGRES (the SQLite run
// does not).
bool server_tests_on_postgres();

}  // namespace dsr::test
