#include "server_process.hpp"

#include <arpa/inet.h>
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <openssl/ssl.h>
#include <cstdio>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <thread>

#include "storage/postgres/pg_connection.hpp"

namespace dsr::test {

FakeTime::FakeTime() {
  if (std::string(DSR_LIBFAKETIME).empty() || !std::filesystem::exists(DSR_LIBFAKETIME))
    FAIL("libfaketime is missing: run scripts/setup (it installs Debian's faketime), then cmake again");
}

std::vector<std::string> FakeTime::environment() const {
  // "+<seconds>": relative to the real clock, which keeps running. A cache
  // longer than any test: the offset is parsed once, before any thread.
  std::string offset = (offset_.count() >= 0 ? "+" : "") + std::to_string(offset_.count());  // "-<seconds>" back
  return {std::string("LD_PRELOAD=") + DSR_LIBFAKETIME, "FAKETIME=" + offset,
          "FAKETIME_CACHE_DURATION=1000000000", "FAKETIME_DONT_FAKE_MONOTONIC=1"};
}

int ServerProcess::restart(std::vector<std::string> environment) {
  int stopped = stop();
  environment_ = std::move(environment);
  start();
  return stopped;
}

ServerProcess::ServerProcess(std::vector<std::string> extra_args, std::string scheme, std::vector<std::string> environment)
    : scheme_(std::move(scheme)), environment_(std::move(environment)) {
  args_ = {DSR_BINARY, "serve", "--listen", "127.0.0.1:0", "--db", db_, "--key-file", key_file(), "--threads", "2"};
  if (std::find(extra_args.begin(), extra_args.end(), "--message-sink") == extra_args.end())
    args_.insert(args_.end(), {"--message-sink", "dir:" + dir_.file("var/outbox")});
  args_.insert(args_.end(), extra_args.begin(), extra_args.end());
  start();
}

void ServerProcess::kill() {
  REQUIRE(pid_ > 0);
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

void ServerProcess::start() {
  REQUIRE(pid_ <= 0);
  port_ = 0;
  std::string err_path = dir_.file("serve.err");
  std::vector<std::string> args = args_;
  pid_ = ::fork();
  REQUIRE(pid_ >= 0);
  if (pid_ == 0) {
    int out = ::open(dir_.file("access.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(out, 1);
    ::dup2(err, 2);
    for (auto& e : environment_) ::putenv(e.data());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  // Wait for "listening on http://127.0.0.1:PORT".
  std::regex listening("listening on " + scheme_ + "://127\\.0\\.0\\.1:([0-9]+)");
  for (int i = 0; i < 200 && port_ == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    std::ifstream in(err_path);
    std::stringstream text;
    text << in.rdbuf();
    std::smatch m;
    std::string s = text.str();
    if (std::regex_search(s, m, listening)) port_ = static_cast<std::uint16_t>(std::stoi(m[1]));
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      FAIL("dsr serve exited at start: " << s);
    }
  }
  REQUIRE(port_ != 0);
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) stop();
  if (std::uncaught_exceptions() == 0) {
    check_logs_hold_no_personal_data();
    if (pg_) check_database_holds_no_personal_data();
  }
}

namespace {

// A NIK, a NIP, an e-mail address, an Indonesian phone number in the
// international form, the names the tests file requests under. Not a run
// of digits after '-': dsr's own ids ("rcp-" and 16 random hex digits) are
// all digits now and then.
const char* const kPersonal =
    R"((^|[^0-9A-Za-z-])[0-9]{16}([^0-9A-Za-z]|$))"
    R"(|(^|[^0-9A-Za-z-])[0-9]{18}([^0-9A-Za-z]|$))"
    R"(|\+62[0-9]{6,})"
    R"(|Budi|Santoso|Wirawan)";
// Apart, and only on lines with an '@': on a dump's long hex runs the
// pattern would backtrack from every position (quadratic), for nothing.
const char* const kEmail = R"([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z.]{2,})";

bool holds_email(const std::string& line) {
  static const std::regex email(kEmail);
  return line.find('@') != std::string::npos && std::regex_search(line, email);
}

// In a log, also a phone number in the local form (08...). Not in a
// database dump: its hex-encoded binary values hold such runs by chance.
const std::regex& personal_in_logs() {
  static const std::regex personal(std::string(kPersonal) + R"(|(^|[^0-9])08[0-9]{8,})");
  return personal;
}

}  // namespace

namespace {

// The columns of the COPY block a dump line starts ("COPY public.t (a, b)
// FROM stdin;"), or nothing for any other line.
std::optional<std::vector<std::string>> copy_columns(const std::string& line) {
  if (!line.starts_with("COPY ")) return std::nullopt;
  auto open = line.find('('), close = line.find(')');
  std::vector<std::string> columns;
  if (open == std::string::npos || close == std::string::npos) return columns;
  std::istringstream list(line.substr(open + 1, close - open - 1));
  for (std::string column; std::getline(list, column, ',');) columns.push_back(column.substr(column.find_first_not_of(' ')));
  return columns;
}

// A key's id (a master key's wrap_key_id, a signing key's key_id) is 16 hex
// digits of a hash: all digits for about one key in 1,850, which the NIK
// pattern cannot tell from a NIK. Such a column holds no personal data by
// construction, so its field is blanked before the row is searched.
std::string without_key_ids(const std::string& row, const std::vector<std::string>& columns) {
  std::string kept;
  std::size_t start = 0;
  for (std::size_t i = 0; start <= row.size(); ++i) {
    std::size_t end = std::min(row.find('\t', start), row.size());
    bool key_id = i < columns.size() && (columns[i] == "key_id" || columns[i].ends_with("_key_id"));
    if (i > 0) kept += '\t';
    if (!key_id) kept.append(row, start, end - start);
    start = end + 1;
  }
  return kept;
}

}  // namespace

std::vector<std::string> personal_lines_in_dump(const std::string& dump_text) {
  static const std::regex personal(kPersonal);
  std::vector<std::string> found;
  std::istringstream dump(dump_text);
  std::vector<std::string> columns;  // of the COPY block being read, if any
  for (std::string line; std::getline(dump, line);) {
    bool row = !columns.empty() && line != "\\.";
    std::string searched = row ? without_key_ids(line, columns) : line;
    if (std::regex_search(searched, personal) || holds_email(searched)) found.push_back(line);
    if (auto copy = copy_columns(line)) columns = std::move(*copy);
    else if (line == "\\.") columns.clear();
  }
  return found;
}

// On PostgreSQL, what the server stored (policy E.5: encrypted at rest):
// a pg_dump after the test holds none of it either.
void ServerProcess::check_database_holds_no_personal_data() {
  for (const auto& line : personal_lines_in_dump(pg_dump(db_))) {
    FAIL_CHECK("the pg_dump holds what looks like personal data: " << line);
  }
}

// Every server a test runs is checked on the way out (policy E.4: no
// personal data in transient logs): its access log and its stderr must
// hold no NIK, NIP, e-mail address, Indonesian phone number, nor the names
// the tests file requests under.
void ServerProcess::check_logs_hold_no_personal_data() {
  for (const char* name : {"access.log", "serve.err"}) {
    std::ifstream in(dir_.file(name));
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
      INFO(name << " line " << n << ": " << line);
      CHECK_FALSE((std::regex_search(line, personal_in_logs()) || holds_email(line)));
    }
  }
}

int ServerProcess::stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (code != 0) {
    std::ifstream in(dir_.file("serve.err"));
    std::stringstream text;
    text << in.rdbuf();
    WARN("dsr serve exited with " << code << "; its stderr:\n" << text.str());
  }
  return code;
}

std::string ServerProcess::token(const std::string& role, const std::string& name, const std::string& institution) {
  std::string cmd = std::string(DSR_BINARY) + " token create --role " + role + " --name " + name + " --db " +
                    db_argument() + " --key-file " + key_file();
  if (!institution.empty()) cmd += " --institution '" + institution + "'";
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::array<char, 256> buf{};
  std::string out;
  while (std::fgets(buf.data(), buf.size(), p)) out += buf.data();
  REQUIRE(::pclose(p) == 0);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

int connect_loopback(std::uint16_t port, const char* from) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  if (from != nullptr) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_addr.s_addr = ::inet_addr(from);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) == 0);
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  return fd;
}

std::string ServerProcess::raw(const std::string& bytes, int timeout_ms) {
  int fd = connect_loopback(port_);
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    auto n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may answer and close before reading it all
    sent += static_cast<std::size_t>(n);
  }
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) break;
    std::array<char, 8192> buf{};
    auto n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n <= 0) break;
    out.append(buf.data(), static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

WireReply parse_reply(const std::string& raw) {
  WireReply r;
  auto end = raw.find("\r\n\r\n");
  if (raw.size() < 12 || end == std::string::npos) return r;
  r.status = std::stoi(raw.substr(9, 3));
  std::istringstream head(raw.substr(0, end));
  std::string line;
  std::getline(head, line);
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    auto value = line.find_first_not_of(' ', colon + 1);  // a value may be empty
    r.headers[name] = value == std::string::npos ? "" : line.substr(value);
  }
  r.body = raw.substr(end + 4);
  boost::system::error_code ec;
  r.json = boost::json::parse(r.body, ec);
  if (ec) r.json = nullptr;
  return r;
}

WireReply ServerProcess::call(const std::string& method, const std::string& target, const std::string& body,
                              const std::string& token, std::vector<std::string> extra_headers) {
  std::string request = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  if (!token.empty()) request += "Authorization: Bearer " + token + "\r\n";
  for (const auto& h : extra_headers) request += h + "\r\n";
  if (!body.empty() || method == "POST" || method == "PUT")
    request += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  request += "\r\n" + body;
  return parse_reply(raw(request, 10000));
}

WireReply ServerProcess::https_call(const std::string& method, const std::string& target) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  REQUIRE(ctx != nullptr);
  int fd = connect_loopback(port_);
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  std::string out;
  if (SSL_connect(ssl) == 1) {
    std::string request = method + " " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    SSL_write(ssl, request.data(), static_cast<int>(request.size()));
    std::array<char, 8192> buf{};
    for (int n; (n = SSL_read(ssl, buf.data(), static_cast<int>(buf.size()))) > 0;) out.append(buf.data(), static_cast<std::size_t>(n));
    REQUIRE(std::string(SSL_get_version(ssl)) >= "TLSv1.2");
  }
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  ::close(fd);
  return parse_reply(out);
}

boost::json::value ServerProcess::message_for(const std::string& request_id, const std::string& name) {
  for (int i = 0; i < 100; ++i) {  // the outbox worker delivers within moments
    if (auto delivered = messages_for(request_id, name); !delivered.empty()) return delivered.front();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  FAIL("no message " << name << " was delivered for " << request_id);
  return {};
}

void ServerProcess::run_sql(const std::string& sql) {
  REQUIRE(pg_ != nullptr);
  auto c = storage::pg::Connection::open(db_);
  REQUIRE(c.ok());
  REQUIRE((*c)->run_script(sql).ok());
}

std::vector<boost::json::value> ServerProcess::messages_for(const std::string& request_id, const std::string& name) {
  std::vector<boost::json::value> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_.file("var/outbox"), ec)) {
    std::string file = entry.path().filename().string();
    // Only "<time>-<request>-<template>-<n>.json" files are messages.
    if (file.starts_with(".") || file.find(request_id + "-" + name + "-") == std::string::npos) continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    out.push_back(boost::json::parse(text.str()));
  }
  return out;
}

std::string ServerProcess::code_for(const std::string& request_id) {
  return std::string(message_for(request_id, "verification_code").at("variables").at("code").as_string());
}

std::optional<WireReply> exchange(std::uint16_t port, const std::string& method, const std::string& target,
                                  const std::string& body, const std::string& token) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return std::nullopt;
  timeval limit{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string request = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  if (!token.empty()) request += "Authorization: Bearer " + token + "\r\n";
  request += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  std::string raw;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
    char buf[8192];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) raw.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  WireReply reply = test::parse_reply(raw);
  if (reply.status == 0) return std::nullopt;
  return reply;
}

}  // namespace dsr::test
