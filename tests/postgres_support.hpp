// A database of its own for each PostgreSQL test, in the throwaway cluster
// that ctest starts (tests/pg_cluster.sh, fixture "postgres"): made empty
// when the test begins, dropped when it ends. Outside ctest, start one by
// hand and point DSR_TEST_POSTGRES at its conninfo file:
//   tests/pg_cluster.sh start /tmp/pg && DSR_TEST_POSTGRES=/tmp/pg/conninfo build/debug/tests/dsr_postgres_tests
#pragma once

#include <string>

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

}  // namespace dsr::test
