// WebhookClient: dsr's outgoing HTTP(S) POSTs, to recipients' webhooks
// (policy D.2) and to a message gateway. Certificates are verified (the
// system's trust store, or a CA bundle given by the operator), host names
// are checked, and every post has a connect and a response timeout, so a
// recipient that hangs costs a bounded time. One connection per post.
//
// Thread-safety: post_all() may be called from several threads at once;
// each call runs its own event loop.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/webhook_url.hpp"
#include "engine/result.hpp"

namespace dsr::api {

struct WebhookClientOptions {
  std::string ca_file;  // PEM bundle of trusted CAs; empty: the system's trust store
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds response_timeout{10000};
};

struct OutgoingPost {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // JSON
};

struct PostOutcome {
  int status = 0;     // the HTTP status, or 0 when none came
  std::string error;  // what went wrong, for the operator: "connection refused", "no answer within 10 s", "HTTP 500"
  bool delivered() const { return status >= 200 && status < 300; }
};

class WebhookClient {
 public:
  // Fails when the CA bundle cannot be read.
  static Result<std::unique_ptr<WebhookClient>> create(WebhookClientOptions options);
  ~WebhookClient();

  // Sends every post concurrently and waits for all; one outcome per post,
  // in the same order.
  std::vector<PostOutcome> post_all(const std::vector<OutgoingPost>& posts);

  struct Impl;

 private:
  explicit WebhookClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dsr::api
