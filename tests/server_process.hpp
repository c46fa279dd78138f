// The real `dsr serve`, started in its own temporary directory on a free
// loopback port, and a small blocking HTTP/1.1 client to talk to it. For the
// integration tests: everything a client meets goes through the wire.
#pragma once

#include <boost/json/value.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "postgres_support.hpp"
#include "storage_support.hpp"

namespace dsr::test {

struct WireReply {
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  boost::json::value json;  // null if the body is not JSON
};

// A wall clock the test moves for the servers it starts: libfaketime
// (Debian's faketime, preloaded into `dsr serve`) adds a fixed offset to
// it. Monotonic time is left alone, so timeouts and timers run as usual;
// only what dsr takes for "now" (deadlines, prohibitions, due messages)
// moves. The offset is read once, as the server starts: to move the clock,
// advance() it and restart the server with the new environment(). (Moving
// it under a running server, through FAKETIME_TIMESTAMP_FILE, races inside
// libfaketime 0.9.10's re-reading of the file in a multithreaded process,
// and crashed `dsr serve` under load.)
class FakeTime {
 public:
  FakeTime();
  void advance(std::chrono::seconds by) { offset_ += by; }
  // The environment of a process that runs on this clock now.
  std::vector<std::string> environment() const;
  std::chrono::seconds offset() const { return offset_; }

 private:
  std::chrono::seconds offset_{0};
};

class ServerProcess {
 public:
  // `environment`: further NAME=value pairs for the server (a FakeTime's).
  explicit ServerProcess(std::vector<std::string> extra_args = {}, std::string scheme = "http",
                         std::vector<std::string> environment = {});
  ~ServerProcess();  // SIGTERM, then waits

  // A bearer token made with `dsr token create` against this server's database.
  std::string token(const std::string& role, const std::string& name, const std::string& institution = "");
  WireReply call(const std::string& method, const std::string& target, const std::string& body = "",
                 const std::string& token = "", std::vector<std::string> extra_headers = {});
  // Sends raw bytes on a new connection and returns what came back before
  // the server closed it (or the timeout passed).
  std::string raw(const std::string& bytes, int timeout_ms = 3000);
  // The same over TLS (the server must run with --tls-cert/--tls-key); the
  // certificate is not checked here, the test only proves HTTPS works.
  WireReply https_call(const std::string& method, const std::string& target);
  // SIGTERM and the exit status.
  int stop();
  // SIGKILL, as a crash would; start() again on the same files (a new port).
  void kill();
  void start();
  // SIGTERM, then start again on the same files with `environment` (a
  // FakeTime's, moved on): the exit status of the run that stopped.
  int restart(std::vector<std::string> environment);
  // The verification code last written to the dir: message sink for a request.
  std::string code_for(const std::string& request_id);
  // A message the dir: sink delivered for a request, by its template's name
  // (to, locale, subject, text, variables); fails the test if none comes.
  boost::json::value message_for(const std::string& request_id, const std::string& name);
  // Every such message delivered so far, without waiting.
  std::vector<boost::json::value> messages_for(const std::string& request_id, const std::string& name);

  std::uint16_t port() const { return port_; }
  const TempDir& dir() const { return dir_; }
  // The server's --db and --key-file, quoted for a shell: a SQLite file in
  // dir(), or a database of its own in ctest's PostgreSQL cluster when the
  // tests run on PostgreSQL (server_tests_on_postgres()).
  std::string db_argument() const { return "'" + db_ + "'"; }
  std::string key_file() const { return dir_.file("var/master.key"); }
  bool on_postgres() const { return pg_ != nullptr; }
  // On PostgreSQL, plain SQL on the server's database, as with psql.
  void run_sql(const std::string& sql);

 private:
  void check_logs_hold_no_personal_data();
  void check_database_holds_no_personal_data();

  TempDir dir_;
  std::unique_ptr<PgDatabase> pg_ = server_tests_on_postgres() ? std::make_unique<PgDatabase>() : nullptr;
  std::string db_ = pg_ ? pg_->conninfo() : dir_.file("var/dsr.db");
  std::vector<std::string> args_;
  std::string scheme_;
  std::vector<std::string> environment_;
  int pid_ = -1;
  std::uint16_t port_ = 0;
};

// The lines of a pg_dump that look like personal data (a NIK, a NIP, an
// e-mail address, an Indonesian phone number, a test subject's name); a
// column that names a key's id is not searched (a hash's hex digits).
std::vector<std::string> personal_lines_in_dump(const std::string& dump_text);

// A connection to the server on 127.0.0.1, from `from` if given (another
// loopback address, such as 127.0.0.2, is a client of its own).
int connect_loopback(std::uint16_t port, const char* from = nullptr);
WireReply parse_reply(const std::string& raw);
// One exchange on a fresh connection to 127.0.0.1:port, safe to call from
// many threads (no Catch2 assertions, which are not). nullopt when the
// server is gone: a refused connection, a reset, or no answer in time.
std::optional<WireReply> exchange(std::uint16_t port, const std::string& method, const std::string& target,
                                  const std::string& body = "", const std::string& token = "");

}  // namespace dsr::test
