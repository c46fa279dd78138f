// Fuzz target: any bytes as what a client writes on a connection, through
// the transport's parser (Beast's request_parser with the server's header
// and body limits, a fresh parser per pipelined message, as server.cpp
// reads) and its conversion (api/wire_message.hpp), into the real router
// with every route, over the real storage on an in-memory database
// (fuzzed_api.hpp). Input the parser refuses is skipped: the transport
// answers it 400 or 413 itself, and tests/server_test.cpp covers that.
//
// Bearer and tracking tokens are random secrets the fuzzer cannot guess:
// inputs write placeholders ("Authorization: Bearer @admin", "@tracking",
// "@id"; FuzzedApi::substitute) that are replaced before parsing. A
// placeholder in a body changes its length, so seeds keep them to the
// request line and headers.
//
// The oracle, checked on every answer (abort with what broke):
//  - exactly one answer per request, within 5 s (FuzzedApi::call);
//  - a status Beast knows, 200 to 599, and never 500: an internal error is
//    a finding;
//  - the transport can write it (write_response_head: no body on 204 or 304) and it reads back,
//    with no CR or LF in any header (no header injection);
//  - a JSON content type has a body that parses as JSON; every status from
//    400 is application/problem+json with a string "type" and "title" and
//    a "status" equal to the HTTP status;
//  - 401 carries WWW-Authenticate, 405 an Allow that names other methods;
//  - a 2xx only where the route's access rule admits the caller: public
//    routes, a staff role the route lists, the tracking token's holder on
//    a subject route; never an unknown token;
//  - to callers who are not staff (anonymous, or a tracking token), no
//    NIK (a run of exactly 16 digits) the input did not send: never another
//    subject's data. The holder of a planted request's tracking token may
//    see that subject's NIK (its access package). What earlier inputs sent
//    may come back (the subject's own messages), so those are remembered
//    until the reset.
//
// State carries over from input to input (requests filed, transitions
// fired), which is how the fuzzer reaches deep states; every kResetEvery
// inputs the API starts afresh so that the database stays small.
//
// DSR_FUZZ_RESET_EVERY=N starts afresh every N inputs instead.
// DSR_FUZZ_STATS=1: at each fresh start, the memory figures on stderr
// (live heap, the database, the numbers remembered, rss), and every
// request that took over a second or raised rss by 8 MB or more, so that
// memory growth can be told apart: the harness's state, dsr, or
// libFuzzer's own (docs/reliability.md).
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <sanitizer/allocator_interface.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "api/server.hpp"
#include "api/wire_message.hpp"
#include "fuzzed_api.hpp"

namespace {

namespace http = boost::beast::http;
using dsr::api::HttpRequest;
using dsr::api::HttpResponse;

constexpr int kResetEvery = 5000;    // inputs between fresh databases
constexpr int kMaxPipelined = 16;    // requests read from one input
const std::string kPeer = "203.0.113.7";  // also the trusted proxy: X-Forwarded-For is read

[[noreturn]] void broken(const HttpRequest& request, const HttpResponse& response, const std::string& what) {
  std::fprintf(stderr, "fuzz_http_request: %s\n  request: %s %s\n  answer: %d %s\n  body: %.2000s\n", what.c_str(),
               request.method.c_str(), request.target.c_str(), response.status, response.content_type.c_str(),
               response.body.c_str());
  std::abort();
}

// Maximal runs of at least `min` digits.
std::vector<std::string> digit_runs(std::string_view text, std::size_t min) {
  std::vector<std::string> runs;
  for (std::size_t i = 0; i < text.size();) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
    if (end - i >= min) runs.emplace_back(text.substr(i, end - i));
    i = end;
  }
  return runs;
}

// Digit runs the fuzzer has sent since the last reset, decoded as the API
// decodes them (percent-escapes in the target, JSON escapes in a body).
class SentNumbers {
 public:
  // Everything the input says, as bytes, and each request as the API reads it.
  void add(std::string_view wire) { remember(wire); }
  void add(const HttpRequest& request) {
    std::string text = request.method + " " + request.target;
    if (auto decoded = dsr::api::url_decode(request.target, true)) text += " " + *decoded;
    for (const auto& [name, value] : request.headers) text += " " + value;
    text += " " + request.body;
    boost::system::error_code ec;
    auto body = boost::json::parse(request.body, ec);
    if (!ec) text += " " + boost::json::serialize(body);
    remember(text);
  }
  std::size_t size() const { return runs_.size(); }
  bool sent(const std::string& nik) const {
    return std::any_of(runs_.begin(), runs_.end(), [&](const std::string& run) { return run.find(nik) != std::string::npos; });
  }
  void clear() { runs_.clear(); }

 private:
  void remember(std::string_view text) {
    for (auto& run : digit_runs(text, 16))
      if (runs_.size() < 100000) runs_.insert(std::move(run));
  }

  std::set<std::string> runs_;
};

bool has_line_break(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

void check_problem(const HttpRequest& request, const HttpResponse& response) {
  if (!response.content_type.starts_with("application/problem+json"))
    broken(request, response, "an error answer is not application/problem+json");
  boost::system::error_code ec;
  auto body = boost::json::parse(response.body, ec);
  if (ec) broken(request, response, "the problem body is not JSON: " + ec.message());
  auto* object = body.if_object();
  if (object == nullptr) broken(request, response, "the problem body is not a JSON object");
  for (const char* field : {"type", "title"})
    if (object->if_contains(field) == nullptr || !object->at(field).is_string())
      broken(request, response, std::string("the problem has no string \"") + field + "\"");
  auto* status = object->if_contains("status");
  if (status == nullptr || !status->is_int64() || status->as_int64() != response.status)
    broken(request, response, "the problem's \"status\" is not the HTTP status");
}

// Who the router will take the caller for, from the token the request carries.
struct Caller {
  enum class Kind { anonymous, staff, ours, theirs, unknown } kind = Kind::anonymous;
  dsr::Role role{};
};

Caller caller_of(const dsr::fuzz::FuzzedApi& api, const HttpRequest& request) {
  auto header = request.headers.find("Authorization");
  if (header == request.headers.end()) return {};
  std::string_view value = header->second;
  constexpr std::string_view kBearer = "bearer ";
  std::string prefix(value.substr(0, kBearer.size()));
  std::transform(prefix.begin(), prefix.end(), prefix.begin(), [](unsigned char c) { return std::tolower(c); });
  if (prefix != kBearer) return {Caller::Kind::unknown};
  std::string token(value.substr(kBearer.size()));
  if (auto role = api.staff_role(token)) return {Caller::Kind::staff, *role};
  if (token == api.ours().tracking_token) return {Caller::Kind::ours};
  if (token == api.theirs().tracking_token) return {Caller::Kind::theirs};
  return {Caller::Kind::unknown};
}

void check_access(const dsr::fuzz::FuzzedApi& api, const HttpRequest& request, const HttpResponse& response,
                  const Caller& caller) {
  if (response.status < 200 || response.status >= 300) return;
  std::string pattern = api.router().pattern_of(request);
  const dsr::api::Route* route = nullptr;
  for (const auto& r : api.router().routes())
    if (r.method == (request.method == "HEAD" ? "GET" : request.method) && r.pattern == pattern) route = &r;
  if (route == nullptr) broken(request, response, "a 2xx for a request no route takes");
  const auto& access = route->access;
  if (caller.kind == Caller::Kind::unknown) broken(request, response, "a 2xx for an unknown or malformed token");
  if (access.public_route) return;
  switch (caller.kind) {
    case Caller::Kind::anonymous: broken(request, response, "a 2xx without credentials on " + pattern);
    case Caller::Kind::staff:
      if (std::find(access.staff.begin(), access.staff.end(), caller.role) == access.staff.end())
        broken(request, response, "a 2xx for the role " + std::string(dsr::to_string(caller.role)) + " on " + pattern);
      return;
    case Caller::Kind::ours:
    case Caller::Kind::theirs:
      if (!access.subject) broken(request, response, "a 2xx for a tracking token on the staff route " + pattern);
      return;
    case Caller::Kind::unknown: return;
  }
}

void check_no_leak(const dsr::fuzz::FuzzedApi& api, const HttpRequest& request, const HttpResponse& response,
                   const Caller& caller, const SentNumbers& sent) {
  if (caller.kind == Caller::Kind::staff) return;
  for (const auto& run : digit_runs(response.body, 16)) {
    if (run.size() != 16) continue;
    if (caller.kind == Caller::Kind::ours && run == api.ours().nik) continue;
    if (caller.kind == Caller::Kind::theirs && run == api.theirs().nik) continue;
    if (!sent.sent(run)) broken(request, response, "the answer holds a NIK the caller did not send: " + run);
  }
}

void check(const dsr::fuzz::FuzzedApi& api, const HttpRequest& request, const HttpResponse& response,
           const SentNumbers& sent) {
  int status = response.status;
  if (status < 200 || status > 599 || http::int_to_status(static_cast<unsigned>(status)) == http::status::unknown)
    broken(request, response, "not a valid HTTP status");
  if (status == 500) broken(request, response, "an internal error");
  if (has_line_break(response.content_type)) broken(request, response, "a line break in Content-Type");
  for (const auto& [name, value] : response.headers)
    if (has_line_break(name) || has_line_break(value)) broken(request, response, "a line break in the header " + name);
  std::string written;
  if (!dsr::api::write_response_head(written, response, 11, true, false, "Sun, 06 Dec 2026 12:00:00 GMT"))
    broken(request, response, "the transport cannot write this answer's head");
  // What is written must read back as the same answer (Beast's own parser).
  http::response_parser<http::string_body> reader;
  reader.skip(request.method == "HEAD");  // 204 and 304 the parser knows to have no body
  boost::system::error_code wire_ec;
  written += response.body;
  reader.put(boost::asio::buffer(written), wire_ec);
  if (wire_ec || !reader.is_header_done() || reader.get().result_int() != static_cast<unsigned>(status))
    broken(request, response, "the written answer does not read back: " + wire_ec.message());
  // HEAD: GET's status and headers, never a body (RFC 9110 9.3.2).
  const bool head = request.method == "HEAD";
  if (head && !response.body.empty()) broken(request, response, "an answer to HEAD with a body");
  if (!head && (response.content_type.starts_with("application/json") ||
                response.content_type.starts_with("application/problem+json"))) {
    boost::system::error_code ec;
    (void)boost::json::parse(response.body, ec);
    if (ec) broken(request, response, "a JSON answer that does not parse: " + ec.message());
  }
  if (status >= 400 && !head) check_problem(request, response);
  auto header = [&](std::string_view name) -> const std::string* {
    for (const auto& [n, v] : response.headers)
      if (n == name) return &v;
    return nullptr;
  };
  if (status == 401 && header("WWW-Authenticate") == nullptr) broken(request, response, "a 401 without WWW-Authenticate");
  if (status == 405) {
    const std::string* allow = header("Allow");
    if (allow == nullptr || allow->empty()) broken(request, response, "a 405 without Allow");
    if ((", " + *allow + ",").find(" " + request.method + ",") != std::string::npos)
      broken(request, response, "a 405 whose Allow names the method refused");
  }
  Caller caller = caller_of(api, request);
  check_access(api, request, response, caller);
  check_no_leak(api, request, response, caller, sent);
}

// The resident set, in MB (what libFuzzer's "rss:" shows, there as the peak).
long rss_mb() {
  long pages = 0, resident = 0;
  if (std::FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return resident * sysconf(_SC_PAGESIZE) / (1 << 20);
}

struct Session {
  std::unique_ptr<dsr::fuzz::FuzzedApi> api;
  SentNumbers sent;
  int inputs = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Session session;
  // DSR_FUZZ_STATS=1: memory figures (see the top of this file).
  static const bool stats = std::getenv("DSR_FUZZ_STATS") != nullptr;
  static const auto started = std::chrono::steady_clock::now();
  // DSR_FUZZ_RESET_EVERY=N: a fresh start every N inputs instead, to compare.
  static const int reset_every = [] {
    const char* n = std::getenv("DSR_FUZZ_RESET_EVERY");
    return n != nullptr && std::atoi(n) > 0 ? std::atoi(n) : kResetEvery;
  }();
  if (session.inputs++ % reset_every == 0) {
    if (stats && session.api)
      std::fprintf(stderr, "[stats] %.0f s, input %d: live heap %zu MB, database %lld KB, %zu numbers remembered, rss %ld MB\n",
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(), session.inputs - 1,
                   __sanitizer_get_current_allocated_bytes() >> 20,
                   static_cast<long long>(session.api->database_bytes() >> 10), session.sent.size(), rss_mb());
    session.api.reset();
    session.api = std::make_unique<dsr::fuzz::FuzzedApi>();
    session.sent.clear();
  }
  dsr::fuzz::FuzzedApi& api = *session.api;
  static const dsr::api::ServerOptions limits;
  // DSR_FUZZ_TRACE=1: each answer on stderr, for writing seeds.
  static const bool trace = std::getenv("DSR_FUZZ_TRACE") != nullptr;
  std::string wire = api.substitute(std::string(reinterpret_cast<const char*>(data), size));
  session.sent.add(wire);
  std::size_t offset = 0;
  for (int n = 0; n < kMaxPipelined && offset < wire.size(); ++n) {
    // A fresh parser per message, with the server's limits (server.cpp do_read).
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits.header_limit));
    parser.body_limit(limits.body_limit);
    parser.eager(true);
    boost::system::error_code ec;
    while (!parser.is_done() && offset < wire.size()) {
      std::size_t used = parser.put(boost::asio::buffer(wire.data() + offset, wire.size() - offset), ec);
      offset += used;
      if (ec || used == 0) break;
    }
    if (ec || !parser.is_done()) return 0;  // refused (the transport's 400 or 413) or waiting for more
    auto message = parser.release();
    bool keep_alive = message.keep_alive();
    HttpRequest request = dsr::api::to_http_request(message, kPeer, kPeer);
    session.sent.add(request);
    auto before = std::chrono::steady_clock::now();
    long rss_before = stats ? rss_mb() : 0;
    HttpResponse response = api.call(request);
    if (stats) {
      double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - before).count();
      long rss_after = rss_mb();
      if (seconds > 1 || rss_after - rss_before >= 8)
        std::fprintf(stderr, "[stats] %.2f s, rss %ld -> %ld MB: %s %.200s\n", seconds, rss_before, rss_after,
                     request.method.c_str(), request.target.c_str());
    }
    if (trace) std::fprintf(stderr, "[%d] %d %s %s %.300s\n", session.inputs, response.status, request.method.c_str(), request.target.c_str(), response.body.c_str());
    check(api, request, response, session.sent);
    if (!keep_alive) return 0;  // the server closes after this answer
  }
  return 0;
}
