// A thin C++ layer over libpq 15: one connection, RAII handles, typed
// parameters and results in binary (a bytea is its bytes, an integer its
// eight), every statement prepared once per connection, and pipelines that
// send a whole transaction in one round trip (libpq's pipeline mode).
// Errors come back as the engine's Errors, mapped from SQLSTATE
// (storage/postgres/pg_error.hpp). Never a password in a message.
//
// Thread-safety: one thread at a time per Connection (a pool leases them).
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "engine/result.hpp"
#include "engine/time.hpp"
#include "storage/crypto.hpp"

namespace dsr::storage::pg {

// A parameter: NULL, bigint, boolean, text or bytea.
using Param = std::variant<std::nullptr_t, std::int64_t, bool, std::string, Bytes>;
using Params = std::vector<Param>;

// "{a,b,c}" for a text[] parameter (ids are dsr's own: letters, digits, '-').
inline std::string text_array(const std::vector<std::string>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ",\"" : "\"") + items[i] + "\"";
  return out + "}";
}

// The rows a statement returned, in binary. Reading a column as a type it
// is not throws std::logic_error: that is a bug in the statement, not data.
class Rows {
 public:
  Rows() = default;
  explicit Rows(PGresult* result) : result_(result, &PQclear) {}

  int size() const { return result_ ? PQntuples(result_.get()) : 0; }
  bool empty() const { return size() == 0; }
  // Rows changed by an INSERT, UPDATE or DELETE.
  std::int64_t affected() const;

  bool null(int row, int column) const;
  std::int64_t integer(int row, int column) const;  // bigint, integer or smallint
  bool boolean(int row, int column) const;
  std::string text(int row, int column) const;
  Bytes bytes(int row, int column) const;

 private:
  // The raw value; throws for a row or column out of range, or NULL.
  const char* value(int row, int column, const char* wanted) const;
  std::shared_ptr<PGresult> result_;
};

// A column of unix seconds that may be NULL.
std::optional<TimePoint> optional_time(const Rows& rows, int row, int column);

// One statement of a pipeline.
struct Statement {
  std::string sql;
  Params params;
};

class Connection {
 public:
  // Connects with a libpq connection URI or key=value string; the password
  // comes from it, PGPASSWORD or ~/.pgpass, as libpq finds it.
  static Result<std::unique_ptr<Connection>> open(const std::string& conninfo);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one statement (prepared on first use) and returns its rows.
  Result<Rows> exec(const std::string& sql, const Params& params = {});
  // Runs SQL text of one or more statements, unprepared, without
  // parameters (migrations, SET, LISTEN).
  Status run_script(const std::string& sql);
  // Runs the statements as one transaction in one round trip (BEGIN, the
  // statements, COMMIT, in pipeline mode): all or nothing. The rows of
  // each statement, in order; the first error otherwise, with the
  // transaction rolled back.
  Result<std::vector<Rows>> transaction(const std::vector<Statement>& statements);
  // The same for a transaction already begun (BEGIN, then reads that decide
  // what to write): the statements and COMMIT in one round trip; on an
  // error, ROLLBACK.
  Result<std::vector<Rows>> finish(const std::vector<Statement>& statements);

  // False once the connection is lost; the pool then opens a new one.
  bool usable() const;
  // The server's session id, for diagnostics and tests.
  int backend_pid() const { return PQbackendPID(conn_); }

 private:
  explicit Connection(PGconn* conn) : conn_(conn) {}
  // The name of `sql`'s prepared statement, and whether it is yet to be prepared.
  std::pair<std::string, bool> statement_name(const std::string& sql);
  Error error_of(const PGresult* result, std::string_view doing) const;
  Result<std::vector<Rows>> pipelined(const std::vector<Statement>& statements, bool with_begin);

  PGconn* conn_;
  std::unordered_map<std::string, std::string> prepared_;  // sql -> name
};

// Runs `f(c)` between `begin` and COMMIT, or ROLLBACK when it fails; for
// transactions whose reads decide what they write (else: transaction()).
// `f` answers a Result or a Status.
template <class F>
auto in_transaction(Connection& c, F&& f, const char* begin = "BEGIN") -> decltype(f(c)) {
  if (Status begun = c.run_script(begin); !begun) return fail(begun.error());
  auto result = f(c);
  if (!result) {
    (void)c.run_script("ROLLBACK");
    return result;
  }
  if (Status committed = c.run_script("COMMIT"); !committed) return fail(committed.error());
  return result;
}

}  // namespace dsr::storage::pg
