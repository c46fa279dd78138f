// HTTP messages between Beast's wire types and the plain values the router
// works with (http_message.hpp): the request as Beast parsed it, turned
// into an HttpRequest, and an HttpResponse turned into what is written
// back. Shared by the transport (server.cpp) and the HTTP fuzz target
// (tests/fuzz/fuzz_http_request.cpp), so that what is fuzzed is what is
// served.
//
// Header-only, and Beast's message types only (no sockets, no Asio I/O):
// include it only where Beast already is, so that server.cpp stays the one
// Beast translation unit of dsr::api.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <string>

#include "api/http_message.hpp"

namespace dsr::api {

using WireRequest = boost::beast::http::request<boost::beast::http::string_body>;
using WireResponse = boost::beast::http::response<boost::beast::http::string_body>;

// Moves the body out of `message`; its header (version, keep-alive) stays.
// A repeated field keeps its last value. The client is `peer`, or the last
// X-Forwarded-For address when `peer` is the trusted proxy.
inline HttpRequest to_http_request(WireRequest& message, const std::string& peer, const std::string& trusted_proxy) {
  HttpRequest request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  for (const auto& field : message) request.headers[std::string(field.name_string())] = std::string(field.value());
  request.body = std::move(message.body());
  request.client_address = peer;
  if (!trusted_proxy.empty() && peer == trusted_proxy) {
    std::string forwarded = request.header("X-Forwarded-For");
    auto last = forwarded.rfind(',');
    std::string named = forwarded.substr(last == std::string::npos ? 0 : last + 1);
    named.erase(0, named.find_first_not_of(' '));
    if (!named.empty()) request.client_address = named;
  }
  return request;
}

// The answer as written: the handler's status, type, headers and body, and
// the headers every answer carries (HSTS only over TLS). Beast's
// prepare_payload() sets Content-Length, and throws for a body it cannot
// send (one on a 204 or 304). An answer to HEAD keeps the Content-Length
// of the body it does not carry.
inline WireResponse to_wire_response(HttpResponse r, unsigned version, bool keep_alive, bool tls) {
  namespace http = boost::beast::http;
  WireResponse res(static_cast<http::status>(r.status), version);
  res.set(http::field::server, "dsr");
  res.set(http::field::content_type, r.content_type);
  res.set(http::field::cache_control, "no-store");
  res.set("X-Content-Type-Options", "nosniff");
  if (tls) res.set(http::field::strict_transport_security, "max-age=31536000");
  for (const auto& [name, value] : r.headers) res.set(name, value);
  res.body() = std::move(r.body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  // HEAD: the length GET's body would have, none of its bytes.
  if (r.head_of_length && r.status >= 200 && r.status != 204 && r.status != 304) res.content_length(*r.head_of_length);
  return res;
}

}  // namespace dsr::api
