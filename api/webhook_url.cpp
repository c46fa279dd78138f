#include "api/webhook_url.hpp"

#include <charconv>

namespace dsr::api {

std::optional<WebhookUrl> parse_webhook_url(std::string_view url, std::string* problem) {
  auto refuse = [&](std::string why) -> std::optional<WebhookUrl> {
    if (problem) *problem = std::move(why);
    return std::nullopt;
  };
  WebhookUrl out;
  if (url.starts_with("https://")) {
    out.tls = true;
    url.remove_prefix(8);
  } else if (url.starts_with("http://")) {
    url.remove_prefix(7);
  } else {
    return refuse("must start with http:// or https://");
  }
  auto slash = url.find_first_of("/?");
  std::string_view authority = url.substr(0, slash);
  out.target = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  if (out.target.front() == '?') out.target.insert(0, "/");
  if (authority.find('@') != std::string_view::npos) return refuse("must not carry a user name or password");
  std::string_view port;
  if (authority.starts_with('[')) {  // [::1]:8443
    auto close = authority.find(']');
    if (close == std::string_view::npos) return refuse("has an unclosed [ in its host");
    out.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return refuse("has something after its [host] that is not :port");
      port = authority.substr(close + 2);
    }
  } else {
    auto colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (out.host.empty()) return refuse("has no host");
  if (out.host.find_first_of(" \t\r\n") != std::string::npos) return refuse("has white space in its host");
  if (!port.empty()) {
    unsigned n = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
    if (ec != std::errc{} || end != port.data() + port.size() || n == 0 || n > 65535)
      return refuse("has a port that is not a number from 1 to 65535");
  }
  out.port = port.empty() ? (out.tls ? "443" : "80") : std::string(port);
  if (out.target.find_first_of(" \t\r\n") != std::string::npos) return refuse("has white space in its path");
  return out;
}

std::string webhook_url_problem(std::string_view url) {
  std::string problem;
  parse_webhook_url(url, &problem);
  return problem;
}

}  // namespace dsr::api
