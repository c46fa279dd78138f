// The only translation unit that includes Beast and Asio (see server.hpp).
#include "api/server.hpp"

#include "api/rate_limiter.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/optional.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <ctime>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "api/problem.hpp"
#include "api/wire_message.hpp"

namespace dsr::api {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

struct Server::Impl {
  class SessionBase;
  template <class Stream>
  class Session;
  struct Worker;

  Impl(ServerOptions o, const Router& r);

  std::size_t thread_count() const {
    if (options.threads > 0) return options.threads;
    return std::max(1u, std::thread::hardware_concurrency());
  }

  // How often each worker looks for sessions past their deadline: a tenth
  // of the shortest timeout, between 50 ms and 1 s.
  Clock::duration sweep_interval() const {
    auto shortest = std::min<Clock::duration>(options.read_timeout, options.idle_timeout) / 10;
    return std::clamp<Clock::duration>(shortest, std::chrono::milliseconds(50), std::chrono::seconds(1));
  }

  Status listen();
  void accept();
  void sweep(Worker& worker);
  void shutdown();
  bool admit_connection(const std::string& client);
  void release_connection(const std::string& client);

  // Declared before the workers, so destroyed after them: destroying an
  // io_context destroys the handlers it still holds, and with them the last
  // sessions, whose destructors use these.
  ServerOptions options;
  const Router& router;
  RateLimiter limiter;
  RateLimiter auth_failures;  // refused credentials, per client
  std::atomic<bool> stopping{false};
  std::uint16_t bound_port = 0;
  std::mutex connections_mutex;
  std::map<std::string, std::size_t> connections;  // per client, guarded by connections_mutex
  std::unique_ptr<net::ssl::context> tls;          // set when serving HTTPS

  std::vector<std::unique_ptr<Worker>> workers;
  std::size_t next_worker = 0;  // round robin, on the acceptor's thread
  boost::optional<tcp::acceptor> acceptor;     // on the first worker
  boost::optional<net::signal_set> signals;    // on the first worker
};

// What a worker needs of a session, whatever its stream.
class Server::Impl::SessionBase {
 public:
  virtual ~SessionBase() = default;
  virtual void start() = 0;
  virtual void close_if_idle() = 0;
  // Closes the connection if its deadline has passed (the worker's sweep).
  virtual void expire_if_late(Clock::time_point now) = 0;
};

// One io_context run by one thread. Each session lives on one worker: its
// reads, writes, timeouts and answers all run on that worker's thread, so
// a session needs no strand and no lock. Timeouts are deadlines that the
// worker's sweep checks a few times a second, not a timer per read and
// write: arming and cancelling a timer per operation cost more than the
// whole router in the profile (docs/performance.md).
struct Server::Impl::Worker {
  // Declared before the io_context, so destroyed after it: destroying it
  // destroys the handlers it holds, and with them sessions, whose
  // destructors take themselves out of this map.
  std::mutex sessions_mutex;  // sessions start on the acceptor's thread
  std::map<const SessionBase*, std::weak_ptr<SessionBase>> sessions;  // guarded by sessions_mutex
  net::io_context ioc{1};
  net::steady_timer sweeper{ioc};

  // The sessions still alive, held: one that ends meanwhile ends when its
  // holder lets go, outside the lock its destructor takes.
  std::vector<std::shared_ptr<SessionBase>> live_sessions() {
    std::vector<std::shared_ptr<SessionBase>> live;
    std::lock_guard lock(sessions_mutex);
    live.reserve(sessions.size());
    for (const auto& [unused, weak] : sessions)
      if (auto s = weak.lock()) live.push_back(std::move(s));
    return live;
  }

  // The Date header (RFC 9110 6.6.1), made again once a second.
  std::string_view date() {
    std::time_t now = std::time(nullptr);
    if (now != date_second_) {
      std::tm utc{};
      gmtime_r(&now, &utc);
      date_length_ = std::strftime(date_.data(), date_.size(), "%a, %d %b %Y %H:%M:%S GMT", &utc);
      date_second_ = now;
    }
    return {date_.data(), date_length_};
  }

 private:
  std::array<char, 64> date_{};
  std::size_t date_length_ = 0;
  std::time_t date_second_ = -1;
};

Server::Impl::Impl(ServerOptions o, const Router& r)
    : options(std::move(o)), router(r), limiter(options.public_rate_per_minute),
      auth_failures(options.auth_failures_per_minute) {
  for (std::size_t i = 0; i < thread_count(); ++i) workers.push_back(std::make_unique<Worker>());
  acceptor.emplace(workers.front()->ioc);
  signals.emplace(workers.front()->ioc, SIGINT, SIGTERM);
}

// One connection: plain TCP or TLS (ssl_stream over the socket); the
// protocol logic is the same.
template <class Stream>
class Server::Impl::Session final : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, tcp::socket>;

 public:
  template <class... Args>
  Session(tcp::socket&& socket, Impl& server, Worker& worker, std::string client, Args&&... args)
      : stream_(std::move(socket), std::forward<Args>(args)...), server_(server), worker_(worker),
        client_(std::move(client)) {}

  ~Session() override {
    {
      std::lock_guard lock(worker_.sessions_mutex);
      worker_.sessions.erase(this);
    }
    server_.release_connection(client_);
  }

  using std::enable_shared_from_this<Session<Stream>>::shared_from_this;

  // On the worker's thread.
  void start() override {
    if (server_.stopping) return close();  // accepted as the server began to stop
    if constexpr (kTls) {
      deadline_ = Clock::now() + server_.options.read_timeout;
      stream_.async_handshake(net::ssl::stream_base::server, [self = shared_from_this()](beast::error_code ec) {
        if (ec) return self->close();
        self->next_message();
      });
    } else {
      next_message();
    }
  }

  // From shutdown(): an idle session closes now; a busy one after its answer.
  void close_if_idle() override {
    net::post(worker_.ioc, [self = shared_from_this()] {
      if (!self->busy_) self->close();
    });
  }

  void expire_if_late(Clock::time_point now) override {
    if (now < deadline_) return;
    deadline_ = Clock::time_point::max();
    // The pending read or write ends with operation_aborted, and its
    // handler finishes the session.
    close();
  }

 private:
  tcp::socket& lowest() { return beast::get_lowest_layer(stream_); }

  void close() {
    beast::error_code ec;
    lowest().shutdown(tcp::socket::shutdown_both, ec);
    lowest().close(ec);
  }

  // Reading. A fresh parser per message, with the header and body limits.
  // The first byte may take the idle time (the read timeout on a new
  // connection); from it, the whole message must come within the read
  // timeout, so slow clients are cut off.
  void next_message() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_.options.header_limit));
    parser_->body_limit(server_.options.body_limit);
    // Not eager until the header is in: put() stops after it, so that its
    // Expect is answered before the body is parsed (parse()).
    parser_->eager(false);
    message_started_ = false;
    expectation_seen_ = false;
    deadline_ = Clock::now() + (requests_ == 0 ? server_.options.read_timeout : server_.options.idle_timeout);
    parse();  // a pipelined message may already be in the buffer
  }

  void parse() {
    while (buffer_.size() > 0) {
      if (!message_started_) {
        message_started_ = true;
        deadline_ = Clock::now() + server_.options.read_timeout;
      }
      beast::error_code ec;
      std::size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec == http::error::need_more) {
        // The parser waits for a whole line. Beast bounds the header block
        // (header_limit) but not a chunk's size line or the trailer: left
        // alone, a client could grow this buffer for the whole read timeout.
        if (buffer_.size() > server_.options.header_limit)
          return answer_unread(problem(400, "bad_request", text::kBadRequest.in(Locale::id),
                                       fmt::format("a chunk's size line or the trailer runs past {} bytes",
                                                   server_.options.header_limit)));
        break;
      }
      if (ec) return on_error(ec);
      if (parser_->is_header_done() && !expectation_seen_) {
        expectation_seen_ = true;
        parser_->eager(true);
        auto expect = parser_->get()[http::field::expect];
        if (!expect.empty() && !beast::iequals(expect, "100-continue"))
          return answer_unread(problem(417, "expectation_failed", text::kExpectationFailed.in(Locale::id),
                                       fmt::format("Expect: {} is not understood; only 100-continue is",
                                                   std::string_view(expect.data(), expect.size()))));
        // RFC 9110 10.1.1: a client that asked waits (curl for a second)
        // before it sends the body. Not owed once body bytes have come.
        if (!expect.empty() && parser_->get().version() == 11 && !parser_->is_done() && buffer_.size() == 0)
          return send_continue();
      }
      if (parser_->is_done()) return on_message();
      if (used == 0) break;
    }
    read_more();
  }

  // The interim answer to "Expect: 100-continue": the headers were within
  // the limits (a Content-Length past the body limit was refused at the
  // header, without it), so the client may send the body.
  void send_continue() {
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return self->close();
                       self->read_more();
                     });
  }

  void read_more() {
    stream_.async_read_some(buffer_.prepare(kReadSize), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      if (ec) return self->on_error(ec);
      self->buffer_.commit(n);
      self->parse();
    });
  }
  static constexpr std::size_t kReadSize = 16 * 1024;

  // A message that cannot be read to its end is answered, and the
  // connection closed after a lingering read (linger()).
  void on_error(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      return answer_unread(problem(413, "too_large", text::kTooLarge.in(Locale::id),
                                   fmt::format("the body may be at most {} bytes", server_.options.body_limit)));
    }
    if (ec == http::error::header_limit) {
      // RFC 6585 section 5: the header block, not the body, is too large.
      return answer_unread(problem(431, "headers_too_large", text::kHeadersTooLarge.in(Locale::id),
                                   fmt::format("the headers may be at most {} bytes", server_.options.header_limit)));
    }
    if (ec == http::error::bad_target || ec == http::error::bad_method || ec == http::error::bad_version ||
        ec == http::error::bad_field || ec == http::error::bad_value || ec == http::error::bad_line_ending ||
        ec == http::error::bad_content_length || ec == http::error::bad_chunk || ec == http::error::bad_transfer_encoding) {
      return answer_unread(problem(400, "bad_request", text::kBadRequest.in(Locale::id), ec.message()));
    }
    // End of stream, timeouts (operation_aborted), resets: nothing to answer.
    close();
  }

  void answer_unread(HttpResponse r) {
    busy_ = true;
    unread_ = true;
    pending_ = Pending{11, false, Clock::now(), std::to_string(r.status), "unread", client_, false};
    write(std::move(r));
  }

  // A lingering close, after an answer to a message left unread (a body past
  // the limit): closing a socket with unread bytes makes the kernel send a
  // reset, which can reach a client still sending before it has read the
  // answer, and destroy the answer in its receive buffer (Python's
  // http.client sends the whole body before it reads). So the server reads
  // on and throws away what comes, until the client closes or kLingerBytes
  // or kLingerTime have passed, and only then closes. Over plain TCP the
  // answer's end is marked first (FIN), so a client reading to the close
  // does not wait; over TLS the close_notify follows the lingering read.
  static constexpr std::size_t kLingerBytes = 4 * 1024 * 1024;
  static constexpr std::chrono::seconds kLingerTime{2};

  void linger() {
    if constexpr (!kTls) {
      beast::error_code ignored;
      lowest().shutdown(tcp::socket::shutdown_send, ignored);
    }
    deadline_ = Clock::now() + kLingerTime;
    lingered_ = 0;
    linger_read();
  }

  void linger_read() {
    if (lingered_ >= kLingerBytes || Clock::now() >= deadline_ || server_.stopping) return end_linger();
    discard_.resize(16 * 1024);
    stream_.async_read_some(net::buffer(discard_), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      self->lingered_ += n;
      if (ec) return self->end_linger();
      self->linger_read();
    });
  }

  void end_linger() {
    if constexpr (kTls) {
      close_tls();
    } else {
      close();
    }
  }

  void close_tls() {
    deadline_ = Clock::now() + std::chrono::seconds(2);
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) { self->close(); });
  }

  // A whole message has been read: check the transport's limits, then
  // hand it to the router.
  void on_message() {
    busy_ = true;
    deadline_ = Clock::time_point::max();  // the handler takes what it takes
    ++requests_;
    auto message = parser_->release();
    HttpRequest request = to_http_request(message, client_, server_.options.trusted_proxy);
    if constexpr (kTls) {
      if (const auto* verifier = server_.options.client_certificates) {
        verifier->check(stream_.native_handle(), certificate_);
        request.client_certificate = certificate_.certificate;
      }
    }
    RouteMatch where = server_.router.find(request);
    pending_ = Pending{message.version(), message.keep_alive() && !server_.stopping, Clock::now(), request.method,
                       where.pattern(), request.client_address, request.headers.contains("Authorization")};

    auto rate_limited = [&](int wait, std::string detail) {
      HttpResponse r = problem(429, "rate_limited", text::kRateLimited.in(locale_of(request)), std::move(detail));
      r.headers.emplace_back("Retry-After", std::to_string(wait));
      write(std::move(r));
    };
    if (request.method == "POST" && where.pattern() == "/v1/requests") {
      if (int wait = server_.limiter.admit(request.client_address); wait > 0)
        return rate_limited(wait, fmt::format("at most {} filings a minute from one address",
                                              server_.options.public_rate_per_minute));
    }
    if (pending_.credentials) {
      if (int wait = server_.auth_failures.wait(request.client_address); wait > 0)
        return rate_limited(wait, fmt::format("more than {} refused credentials a minute from one address; wait "
                                              "and check the token", server_.options.auth_failures_per_minute));
    }
    // The handler answers here, or later on another thread (a storage
    // writer's, after a durable commit). Either way the answer is written
    // on this session's worker. The callback holds the session alone, and
    // the request's details wait in the session (pending_), not in it.
    server_.router.dispatch(request, std::move(where), [self = shared_from_this()](HttpResponse response) mutable {
      net::io_context& home = self->worker_.ioc;
      if (home.get_executor().running_in_this_thread()) return self->answer(std::move(response));
      // Moved along, so that this callback, destroyed later on the other
      // thread, no longer owns the session.
      net::post(home, [self = std::move(self), response = std::move(response)]() mutable {
        self->answer(std::move(response));
      });
    });
  }

  void answer(HttpResponse response) {
    if (pending_.credentials && response.status == 401) server_.auth_failures.admit(pending_.client);  // a guess, counted
    write(std::move(response));
  }

  void write(HttpResponse r) {
    // The router answers HEAD without a body; so do the transport's own answers (429).
    if (pending_.method == "HEAD" && !r.head_of_length) r = head_answer(std::move(r));
    bool keep_alive = pending_.keep_alive && !server_.stopping;
    if (!write_response_head(head_, r, pending_.version, keep_alive, kTls, worker_.date())) {
      // A handler's mistake, never the client's: say so, and send what can be sent.
      std::fprintf(stderr, "dsr serve: the answer of %s %s (status %d) cannot be sent as it is\n",
                   pending_.method.c_str(), pending_.pattern.c_str(), r.status);
      r = problem(500, "internal", text::kInternal.in(Locale::id), "the answer could not be sent");
      if (pending_.method == "HEAD") r = head_answer(std::move(r));
      write_response_head(head_, r, pending_.version, keep_alive, kTls, worker_.date());
    }
    body_ = std::move(r.body);
    auto micros = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - pending_.started);
    if (server_.options.metrics) server_.options.metrics->record(pending_.method, pending_.pattern, r.status, micros);
    // Route pattern, not path: a path may hold a NIK. No client address.
    if (server_.options.request_log) server_.options.request_log->append(pending_.method, pending_.pattern, r.status, micros);
    deadline_ = Clock::now() + server_.options.read_timeout;
    auto written = [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
      self->on_write(ec, keep_alive);
    };
    if constexpr (kTls) {
      // One buffer over TLS: Beast's ssl_stream (flat_stream) writes a
      // sequence of buffers a piece at a time, and a body past 16 KiB after
      // the head stalled in the middle (tests/console_certificate_browser_test.sh).
      // The copy costs little beside the encryption.
      head_ += body_;
      net::async_write(stream_, net::buffer(head_), std::move(written));
    } else {
      // Plain TCP: head and body in one sendmsg, the body not copied.
      std::array<net::const_buffer, 2> buffers{net::buffer(head_), net::buffer(body_)};
      net::async_write(stream_, buffers, std::move(written));
    }
  }

  void on_write(beast::error_code ec, bool keep_alive) {
    busy_ = false;
    if (ec) return close();
    if (unread_) return linger();
    if (!keep_alive || server_.stopping) {
      if constexpr (kTls) {
        close_tls();
      } else {
        beast::error_code ignored;
        lowest().shutdown(tcp::socket::shutdown_send, ignored);
      }
      return;
    }
    next_message();
  }

  // The request being answered: what the answer's head, the log and the
  // metrics need of it.
  struct Pending {
    unsigned version = 11;
    bool keep_alive = false;
    Clock::time_point started;
    std::string method;
    std::string pattern;
    std::string client;        // the peer, or X-Forwarded-For from the trusted proxy
    bool credentials = false;  // it carried Authorization: a 401 counts as a guess
  };

  Stream stream_;
  Impl& server_;
  Worker& worker_;
  std::string client_;
  beast::flat_buffer buffer_;
  boost::optional<http::request_parser<http::string_body>> parser_;
  bool message_started_ = false;  // a byte of the next message has come
  bool expectation_seen_ = false; // its Expect header has been answered
  Clock::time_point deadline_ = Clock::time_point::max();  // worker's thread only
  Pending pending_;
  std::string head_;  // the answer's head, reused
  std::string body_;  // the answer's body, until written
  bool busy_ = false;    // a request is being answered
  bool unread_ = false;  // the answer is to a message not read to its end: linger, then close
  std::size_t lingered_ = 0;  // bytes thrown away while lingering
  std::vector<char> discard_;
  std::size_t requests_ = 0;  // on this connection
  ClientCertificateVerifier::Checked certificate_;  // the client's certificate, if asked for (TLS only)
};

Status Server::Impl::listen() {
  beast::error_code ec;
  if (!options.tls_certificate.empty()) {
    tls = std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
    tls->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                     net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1 |
                     net::ssl::context::single_dh_use);
    tls->use_certificate_chain_file(options.tls_certificate, ec);
    if (ec) return fail(Error::invalid_argument(fmt::format("cannot use the TLS certificate {}: {}", options.tls_certificate, ec.message())));
    tls->use_private_key_file(options.tls_private_key, net::ssl::context::pem, ec);
    if (ec) return fail(Error::invalid_argument(fmt::format("cannot use the TLS key {}: {}", options.tls_private_key, ec.message())));
    if (options.client_certificates) options.client_certificates->configure(tls->native_handle());
  }
  auto address = net::ip::make_address(options.address, ec);
  if (ec) return fail(Error::invalid_argument(fmt::format("\"{}\" is not an IP address", options.address)));
  tcp::endpoint endpoint{address, options.port};
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    return fail(Error::unavailable(fmt::format("cannot listen on {}:{}: {}", options.address, options.port, ec.message())));
  bound_port = acceptor->local_endpoint().port();
  return ok_status();
}

bool Server::Impl::admit_connection(const std::string& client) {
  std::lock_guard lock(connections_mutex);
  auto& n = connections[client];
  if (n >= options.connections_per_client) return false;
  ++n;
  return true;
}

void Server::Impl::release_connection(const std::string& client) {
  std::lock_guard lock(connections_mutex);
  if (auto it = connections.find(client); it != connections.end() && --it->second == 0) connections.erase(it);
}

// Connections go to the workers in turn; each is accepted straight onto
// its worker's io_context, and starts on that worker's thread.
void Server::Impl::accept() {
  Worker& worker = *workers[next_worker];
  next_worker = (next_worker + 1) % workers.size();
  acceptor->async_accept(worker.ioc, [this, &worker](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (!stopping && ec != net::error::operation_aborted) accept();
      return;
    }
    socket.set_option(tcp::no_delay(true), ec);
    beast::error_code peer_ec;
    auto peer = socket.remote_endpoint(peer_ec);
    std::string client = peer_ec ? "unknown" : peer.address().to_string();
    if (stopping || !admit_connection(client)) {
      socket.close(peer_ec);  // too many connections from one client, or the server is stopping
    } else {
      std::shared_ptr<SessionBase> session;
      if (tls) {
        session = std::make_shared<Session<beast::ssl_stream<tcp::socket>>>(std::move(socket), *this, worker, client, *tls);
      } else {
        session = std::make_shared<Session<tcp::socket>>(std::move(socket), *this, worker, client);
      }
      {
        std::lock_guard lock(worker.sessions_mutex);
        worker.sessions.emplace(session.get(), session);
      }
      net::post(worker.ioc, [session] { session->start(); });
    }
    accept();
  });
}

// Closes the worker's sessions that are past their deadline, and runs
// again until the server stops and the worker's last session has ended;
// then nothing keeps the worker's io_context running.
void Server::Impl::sweep(Worker& worker) {
  worker.sweeper.expires_after(sweep_interval());
  worker.sweeper.async_wait([this, &worker](beast::error_code ec) {
    if (ec) return;
    auto live = worker.live_sessions();
    auto now = Clock::now();
    for (const auto& s : live) s->expire_if_late(now);
    if (stopping && live.empty()) return;
    sweep(worker);
  });
}

void Server::Impl::shutdown() {
  if (stopping.exchange(true)) return;
  net::post(workers.front()->ioc, [this] {
    beast::error_code ec;
    acceptor->close(ec);
    signals->cancel(ec);
  });
  for (auto& worker : workers)
    for (const auto& s : worker->live_sessions()) s->close_if_idle();
}

Server::Server(ServerOptions options, const Router& router) : impl_(std::make_unique<Impl>(std::move(options), router)) {}
Server::~Server() = default;

Status Server::listen() { return impl_->listen(); }
std::uint16_t Server::port() const { return impl_->bound_port; }

void Server::run() {
  impl_->signals->async_wait([this](beast::error_code ec, int) {
    if (!ec) impl_->shutdown();
  });
  impl_->accept();
  for (auto& worker : impl_->workers) impl_->sweep(*worker);
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < impl_->workers.size(); ++i)
    threads.emplace_back([worker = impl_->workers[i].get()] { worker->ioc.run(); });
  impl_->workers.front()->ioc.run();
  for (auto& t : threads) t.join();
}

void Server::stop() { impl_->shutdown(); }

}  // namespace dsr::api
