#include "api/webhook_client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fmt/format.h>

#include "api/webhook_url.hpp"

namespace dsr::api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

std::string describe(const boost::system::error_code& ec, std::string_view step) {
  if (ec == beast::error::timeout) return fmt::format("no answer in time ({})", step);
  if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset)
    return "the connection was closed without an answer";
  return fmt::format("{}: {}", step, ec.message());
}

}  // namespace

struct WebhookClient::Impl {
  WebhookClientOptions options;
  asio::ssl::context tls{asio::ssl::context::tls_client};

  template <class Stream>
  asio::awaitable<int> exchange(Stream& stream, http::request<http::string_body>& request) {
    beast::get_lowest_layer(stream).expires_after(options.response_timeout);
    co_await http::async_write(stream, request, use_awaitable);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024);  // an answer is only read for its status
    co_await http::async_read(stream, buffer, parser, use_awaitable);
    co_return parser.get().result_int();
  }

  // By value: the coroutine outlives the caller's loop variables.
  asio::awaitable<PostOutcome> send(WebhookUrl url, OutgoingPost post) {
    auto executor = co_await asio::this_coro::executor;
    std::string step = "resolving the host";
    try {
      tcp::resolver resolver(executor);
      auto endpoints = co_await resolver.async_resolve(url.host, url.port, use_awaitable);
      beast::tcp_stream stream(executor);
      step = "connecting";
      stream.expires_after(options.connect_timeout);
      co_await stream.async_connect(endpoints, use_awaitable);
      http::request<http::string_body> request{http::verb::post, url.target, 11};
      request.set(http::field::host, url.host);
      request.set(http::field::user_agent, "dsr");
      request.set(http::field::content_type, "application/json; charset=utf-8");
      request.set(http::field::connection, "close");
      for (const auto& [name, value] : post.headers) request.set(name, value);
      request.body() = post.body;
      request.prepare_payload();
      int status = 0;
      if (url.tls) {
        beast::ssl_stream<beast::tcp_stream> secure(std::move(stream), tls);
        // SSL_set_tlsext_host_name, without the macro's C cast.
        if (SSL_ctrl(secure.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                     const_cast<char*>(url.host.c_str())) != 1)
          co_return PostOutcome{0, "TLS: cannot set the server name"};
        secure.set_verify_callback(asio::ssl::host_name_verification(url.host));
        step = "TLS handshake";
        beast::get_lowest_layer(secure).expires_after(options.connect_timeout);
        co_await secure.async_handshake(asio::ssl::stream_base::client, use_awaitable);
        step = "waiting for the answer";
        status = co_await exchange(secure, request);
      } else {
        step = "waiting for the answer";
        status = co_await exchange(stream, request);
      }
      co_return PostOutcome{status, status >= 200 && status < 300 ? "" : fmt::format("HTTP {}", status)};
    } catch (const boost::system::system_error& e) {
      co_return PostOutcome{0, describe(e.code(), step)};
    }
  }
};

Result<std::unique_ptr<WebhookClient>> WebhookClient::create(WebhookClientOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  boost::system::error_code ec;
  impl->tls.set_verify_mode(asio::ssl::verify_peer, ec);
  impl->tls.set_options(asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                            asio::ssl::context::no_tlsv1_1, ec);
  if (impl->options.ca_file.empty()) {
    impl->tls.set_default_verify_paths(ec);
  } else {
    impl->tls.load_verify_file(impl->options.ca_file, ec);
  }
  if (ec)
    return fail(Error::invalid_argument(fmt::format("cannot load the CA bundle {}: {}",
                                                    impl->options.ca_file.empty() ? "(system)" : impl->options.ca_file,
                                                    ec.message())));
  return std::unique_ptr<WebhookClient>(new WebhookClient(std::move(impl)));
}

WebhookClient::WebhookClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WebhookClient::~WebhookClient() = default;

std::vector<PostOutcome> WebhookClient::post_all(const std::vector<OutgoingPost>& posts) {
  std::vector<PostOutcome> outcomes(posts.size());
  asio::io_context io;
  for (std::size_t i = 0; i < posts.size(); ++i) {
    std::string problem;
    auto url = parse_webhook_url(posts[i].url, &problem);
    if (!url) {
      outcomes[i] = {0, fmt::format("the webhook URL {}", problem)};
      continue;
    }
    asio::co_spawn(io, impl_->send(*url, posts[i]), [&outcomes, i](std::exception_ptr e, PostOutcome outcome) {
      outcomes[i] = e ? PostOutcome{0, "internal error while sending"} : std::move(outcome);
    });
  }
  io.run();
  return outcomes;
}

}  // namespace dsr::api
