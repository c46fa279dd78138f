// Webhook addresses: what dsr accepts as a recipient's or a gateway's URL
// (http:// or https://, a host, maybe a port and a path; no user name or
// password), split into what a connection needs. Kept apart from
// webhook_client.cpp, the Beast/Asio side, so that the routes that check
// an address (POST /v1/recipients) need no network code, and link in the
// fuzz build, which leaves the network out.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace dsr::api {

struct WebhookUrl {
  bool tls = false;
  std::string host;
  std::string port;
  std::string target;  // path and query
};

// The parts of `url`, or nullopt with why not in `*problem` (if given).
std::optional<WebhookUrl> parse_webhook_url(std::string_view url, std::string* problem);

// Why `url` cannot be a webhook address, or empty.
std::string webhook_url_problem(std::string_view url);

}  // namespace dsr::api
