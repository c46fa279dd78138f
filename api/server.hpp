// The HTTP transport: Boost.Beast over Asio. A listener accepts
// connections and hands them in turn to the workers, one io_context and
// one thread each (one per core by default). A session lives on its worker:
// it reads one request at a time (a fresh parser per message, with header
// and body limits and timeouts), hands it to the Router, and writes the
// answer when the handler completes it, possibly on another thread. SIGINT
// and SIGTERM stop accepting, finish what is in flight, and return from
// run().
//
// This header is free of Beast and Asio so that only server.cpp pays their
// compile cost.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "api/client_certificates.hpp"
#include "api/metrics.hpp"
#include "api/request_log.hpp"
#include "api/router.hpp"
#include "engine/result.hpp"

namespace dsr::api {

struct ServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8080;  // 0: any free port (tests)
  std::size_t threads = 0;    // 0: one per core
  std::size_t header_limit = 8 * 1024;
  std::size_t body_limit = 64 * 1024;
  std::chrono::seconds read_timeout{15};
  std::chrono::seconds idle_timeout{60};
  std::size_t connections_per_client = 128;
  unsigned public_rate_per_minute = 30;  // filings per client; 0 turns the limit off
  // Refused credentials (401) a client may collect a minute; past them its
  // requests with credentials are 429 until the budget refills, so that
  // tokens cannot be guessed at speed. 0 turns the limit off.
  unsigned auth_failures_per_minute = 20;
  std::string trusted_proxy;             // its X-Forwarded-For names the client
  RequestLog* request_log = nullptr;     // one JSON line per answer, no personal data; none if null
  HttpMetrics* metrics = nullptr;       // where each answer is counted, if anywhere
  std::string tls_certificate;  // PEM chain; with tls_private_key, serve HTTPS (TLS 1.2+) and send HSTS
  std::string tls_private_key;
  // With TLS: asks clients for a certificate and hands the router what it
  // was found to be (HttpRequest::client_certificate). Outlives the server.
  const ClientCertificateVerifier* client_certificates = nullptr;
};

class Server {
 public:
  Server(ServerOptions options, const Router& router);
  ~Server();

  // Binds and listens; a clear error if the address is taken or invalid.
  Status listen();
  std::uint16_t port() const;  // the bound port
  // Serves until stop() or a signal; returns once in-flight requests are done.
  void run();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dsr::api
