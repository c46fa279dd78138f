// The only translation unit that includes Beast and Asio (see server.hpp).
#include "api/server.hpp"

#include "api/rate_limiter.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/optional.hpp>
#include <fmt/format.h>

#include <atomic>
#include <cstdio>
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

struct Server::Impl {
  class SessionBase;
  template <class Stream>
  class Session;

  Impl(ServerOptions o, const Router& r)
      : options(std::move(o)), router(r), limiter(options.public_rate_per_minute),
        auth_failures(options.auth_failures_per_minute),
        ioc(static_cast<int>(thread_count())), acceptor(net::make_strand(ioc)), signals(ioc, SIGINT, SIGTERM) {}

  std::size_t thread_count() const {
    if (options.threads > 0) return options.threads;
    return std::max(1u, std::thread::hardware_concurrency());
  }

  Status listen();
  void accept();
  template <class S>
  void start_session(std::shared_ptr<S> session);
  void shutdown();
  bool admit_connection(const std::string& client);
  void release_connection(const SessionBase* session, const std::string& client);

  // Declared before the io_context, so destroyed after it: destroying the
  // io_context destroys the handlers it still holds, and with them the last
  // sessions, whose destructors use these.
  ServerOptions options;
  const Router& router;
  RateLimiter limiter;
  RateLimiter auth_failures;  // refused credentials, per client
  std::atomic<bool> stopping{false};
  std::uint16_t bound_port = 0;
  std::mutex sessions_mutex;
  std::map<std::string, std::size_t> connections;  // per client, guarded by sessions_mutex
  std::map<const SessionBase*, std::weak_ptr<SessionBase>> sessions;  // live sessions, guarded by sessions_mutex
  std::unique_ptr<net::ssl::context> tls;  // set when serving HTTPS

  net::io_context ioc;
  tcp::acceptor acceptor;
  net::signal_set signals;
};

// What shutdown() needs of a session, whatever its stream.
class Server::Impl::SessionBase {
 public:
  virtual ~SessionBase() = default;
  virtual void close_if_idle() = 0;
};

// One connection: plain TCP (beast::tcp_stream) or TLS
// (ssl_stream<tcp_stream>); the protocol logic is the same.
template <class Stream>
class Server::Impl::Session final : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  template <class... Args>
  Session(tcp::socket&& socket, Impl& server, std::string client, Args&&... args)
      : stream_(std::move(socket), std::forward<Args>(args)...), server_(server), client_(std::move(client)) {}

  ~Session() override { server_.release_connection(this, client_); }

  using std::enable_shared_from_this<Session<Stream>>::shared_from_this;

  void start() {
    if constexpr (kTls) {
      lowest().expires_after(server_.options.read_timeout);
      stream_.async_handshake(net::ssl::stream_base::server, [self = shared_from_this()](beast::error_code ec) {
        if (ec) return self->close();
        self->do_read();
      });
    } else {
      net::dispatch(stream_.get_executor(), beast::bind_front_handler(&Session::do_read, shared_from_this()));
    }
  }

  // From shutdown(): an idle session closes now; a busy one after its answer.
  void close_if_idle() override {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      if (!self->busy_) self->close();
    });
  }

 private:
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  void close() {
    beast::error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    lowest().close();
  }

  void do_read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_.options.header_limit));
    parser_->body_limit(server_.options.body_limit);
    // The first byte may take the idle time; the rest of the message must
    // come within the read timeout (slow clients are cut off).
    lowest().expires_after(requests_ == 0 ? server_.options.read_timeout : server_.options.idle_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::on_header, shared_from_this()));
  }

  void on_header(beast::error_code ec, std::size_t) {
    if (ec) return on_error(ec);
    lowest().expires_after(server_.options.read_timeout);
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

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
    // end_of_stream, timeouts, resets: nothing to answer.
    close();
  }

  void answer_unread(HttpResponse r) {
    busy_ = true;
    unread_ = true;
    std::string status = std::to_string(r.status);
    write(std::move(r), 11, false, std::chrono::steady_clock::now(), status, "unread");
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
      lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
    linger_until_ = std::chrono::steady_clock::now() + kLingerTime;
    lingered_ = 0;
    linger_read();
  }

  void linger_read() {
    if (lingered_ >= kLingerBytes || std::chrono::steady_clock::now() >= linger_until_ || server_.stopping)
      return end_linger();
    lowest().expires_at(linger_until_);
    discard_.resize(16 * 1024);
    stream_.async_read_some(net::buffer(discard_), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      self->lingered_ += n;
      if (ec) return self->end_linger();
      self->linger_read();
    });
  }

  void end_linger() {
    if constexpr (kTls) {
      lowest().expires_after(std::chrono::seconds(2));
      stream_.async_shutdown([self = shared_from_this()](beast::error_code) { self->close(); });
    } else {
      close();
    }
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec) return on_error(ec);
    busy_ = true;
    ++requests_;
    auto started = std::chrono::steady_clock::now();
    auto message = parser_->release();
    HttpRequest request = to_http_request(message, client_, server_.options.trusted_proxy);
    if constexpr (kTls) {
      if (const auto* verifier = server_.options.client_certificates) {
        verifier->check(stream_.native_handle(), certificate_);
        request.client_certificate = certificate_.certificate;
      }
    }
    unsigned version = message.version();
    bool keep_alive = message.keep_alive() && !server_.stopping;
    std::string pattern = server_.router.pattern_of(request);

    if (request.method == "POST" && pattern == "/v1/requests") {
      if (int wait = server_.limiter.admit(request.client_address); wait > 0) {
        HttpResponse r = problem(429, "rate_limited", text::kRateLimited.in(locale_of(request)),
                                 fmt::format("at most {} filings a minute from one address", server_.options.public_rate_per_minute));
        r.headers.emplace_back("Retry-After", std::to_string(wait));
        return write(std::move(r), version, keep_alive, started, request.method, pattern);
      }
    }
    bool credentials = !request.header("Authorization").empty();
    if (credentials) {
      if (int wait = server_.auth_failures.wait(request.client_address); wait > 0) {
        HttpResponse r = problem(429, "rate_limited", text::kRateLimited.in(locale_of(request)),
                                 fmt::format("more than {} refused credentials a minute from one address; wait and "
                                             "check the token", server_.options.auth_failures_per_minute));
        r.headers.emplace_back("Retry-After", std::to_string(wait));
        return write(std::move(r), version, keep_alive, started, request.method, pattern);
      }
    }
    auto self = shared_from_this();
    // The answer may come from another thread after the I/O threads ran
    // out of work: hold the io_context open until it has been handed over.
    auto in_flight = std::make_shared<net::executor_work_guard<net::io_context::executor_type>>(
        server_.ioc.get_executor());
    server_.router.dispatch(request, [self, in_flight, version, keep_alive, started, method = request.method,
                                      pattern, credentials, client = request.client_address](HttpResponse response) mutable {
      if (credentials && response.status == 401) self->server_.auth_failures.admit(client);  // a guess, counted
      // Handlers may answer on the storage writer's thread: back to the
      // strand. The session moves along, so that this callback, destroyed
      // later on that other thread, no longer owns it.
      auto executor = self->stream_.get_executor();
      net::post(executor, [self = std::move(self), response = std::move(response), version, keep_alive, started,
                           method = std::move(method), pattern = std::move(pattern)]() mutable {
        self->write(std::move(response), version, keep_alive, started, method, pattern);
      });
      in_flight->reset();
    });
  }

  void write(HttpResponse r, unsigned version, bool keep_alive, std::chrono::steady_clock::time_point started,
             const std::string& method, const std::string& pattern) {
    // The router answers HEAD without a body; so do the transport's own answers (429).
    if (method == "HEAD" && !r.head_of_length) r = head_answer(std::move(r));
    int status = r.status;
    auto res = std::make_shared<WireResponse>(to_wire_response(std::move(r), version, keep_alive && !server_.stopping, kTls));
    auto micros = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
    if (server_.options.metrics) server_.options.metrics->record(method, pattern, status, micros);
    if (server_.options.access_log) {
      // Route pattern, not path: a path may hold a NIK. No client address.
      std::string line = fmt::format(R"({{"method":"{}","route":"{}","status":{},"duration_ms":{:.3f}}})", method,
                                     pattern, status, micros.count() / 1000.0);
      std::puts(line.c_str());
    }
    lowest().expires_after(server_.options.read_timeout);
    http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
      self->on_write(ec, res->keep_alive());
    });
  }

  void on_write(beast::error_code ec, bool keep_alive) {
    busy_ = false;
    if (ec) return;
    if (unread_) return linger();
    if (!keep_alive || server_.stopping) {
      if constexpr (kTls) {
        lowest().expires_after(std::chrono::seconds(2));
        stream_.async_shutdown([self = shared_from_this()](beast::error_code) { self->close(); });
      } else {
        beast::error_code ignored;
        lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
      }
      return;
    }
    do_read();
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  boost::optional<http::request_parser<http::string_body>> parser_;
  Impl& server_;
  std::string client_;
  bool busy_ = false;        // a request is being answered (strand only)
  bool unread_ = false;      // the answer is to a message not read to its end: linger, then close
  std::chrono::steady_clock::time_point linger_until_;
  std::size_t lingered_ = 0;  // bytes thrown away while lingering
  std::vector<char> discard_;
  std::size_t requests_ = 0; // on this connection
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
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    return fail(Error::unavailable(fmt::format("cannot listen on {}:{}: {}", options.address, options.port, ec.message())));
  bound_port = acceptor.local_endpoint().port();
  return ok_status();
}

bool Server::Impl::admit_connection(const std::string& client) {
  std::lock_guard lock(sessions_mutex);
  auto& n = connections[client];
  if (n >= options.connections_per_client) return false;
  ++n;
  return true;
}

void Server::Impl::release_connection(const SessionBase* session, const std::string& client) {
  std::lock_guard lock(sessions_mutex);
  sessions.erase(session);
  if (auto it = connections.find(client); it != connections.end() && --it->second == 0) connections.erase(it);
}

template <class S>
void Server::Impl::start_session(std::shared_ptr<S> session) {
  {
    std::lock_guard lock(sessions_mutex);
    sessions.emplace(session.get(), session);
  }
  session->start();
}

void Server::Impl::accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (!stopping && ec != net::error::operation_aborted) accept();
      return;
    }
    beast::error_code peer_ec;
    auto peer = socket.remote_endpoint(peer_ec);
    std::string client = peer_ec ? "unknown" : peer.address().to_string();
    if (!admit_connection(client)) {
      socket.close(peer_ec);  // too many connections from one client
    } else if (tls) {
      start_session(std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(std::move(socket), *this, client, *tls));
    } else {
      start_session(std::make_shared<Session<beast::tcp_stream>>(std::move(socket), *this, client));
    }
    accept();
  });
}

void Server::Impl::shutdown() {
  if (stopping.exchange(true)) return;
  net::post(acceptor.get_executor(), [this] {
    beast::error_code ec;
    acceptor.close(ec);
  });
  // Nothing else keeps run() going once the sessions have finished.
  net::post(ioc, [this] { signals.cancel(); });
  std::lock_guard lock(sessions_mutex);
  for (const auto& [unused, weak] : sessions)
    if (auto s = weak.lock()) s->close_if_idle();
}

Server::Server(ServerOptions options, const Router& router) : impl_(std::make_unique<Impl>(std::move(options), router)) {}
Server::~Server() = default;

Status Server::listen() { return impl_->listen(); }
std::uint16_t Server::port() const { return impl_->bound_port; }

void Server::run() {
  impl_->signals.async_wait([this](beast::error_code ec, int) {
    if (!ec) impl_->shutdown();
  });
  impl_->accept();
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < impl_->thread_count(); ++i) threads.emplace_back([this] { impl_->ioc.run(); });
  impl_->ioc.run();
  for (auto& t : threads) t.join();
}

void Server::stop() { impl_->shutdown(); }

}  // namespace dsr::api
