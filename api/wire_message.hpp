// HTTP messages between Beast's wire types and the plain values the router
// works with (http_message.hpp): the request as Beast parsed it, turned
// into an HttpRequest, and the head of what an HttpResponse is written
// as. Shared by the transport (server.cpp) and the HTTP fuzz target
// (tests/fuzz/fuzz_http_request.cpp), so that what is fuzzed is what is
// served.
//
// Header-only, and Beast's message types only (no sockets, no Asio I/O):
// include it only where Beast already is, so that server.cpp stays the one
// Beast translation unit of dsr::api.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>

#include <string>
#include <string_view>

#include "api/http_message.hpp"

namespace dsr::api {

using WireRequest = boost::beast::http::request<boost::beast::http::string_body>;

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

// The status line and header block of an answer, as written: the
// handler's status, type and headers, the headers every answer carries
// unless the handler gave its own (HSTS only over TLS), Date,
// Content-Length and Connection. Written by
// hand rather than by Beast's serializer, which walked a chain of buffer
// views per header and took about a tenth of the server's time per answer
// in the profile (docs/performance.md). `out` is cleared first and keeps
// its capacity, so a connection reuses one buffer for all its answers.
//
// Returns false for an answer that cannot be sent as it is: a body on a
// 1xx, 204 or 304 (which have none), or a header that names a field the
// transport writes itself or holds a line break (which would split the
// header block). The transport then answers 500.
inline bool write_response_head(std::string& out, const HttpResponse& r, unsigned version, bool keep_alive, bool tls,
                                std::string_view date) {
  namespace http = boost::beast::http;
  auto breaks = [](std::string_view text) { return text.find_first_of("\r\n") != std::string_view::npos; };
  auto framing = [](std::string_view name) {
    return boost::beast::iequals(name, "Content-Length") || boost::beast::iequals(name, "Transfer-Encoding") ||
           boost::beast::iequals(name, "Connection") || boost::beast::iequals(name, "Date");
  };
  const bool bodiless = r.status < 200 || r.status == 204 || r.status == 304;
  if (bodiless && !r.body.empty()) return false;
  if (breaks(r.content_type)) return false;
  for (const auto& [name, value] : r.headers)
    if (name.empty() || breaks(name) || breaks(value) || framing(name)) return false;
  auto status = static_cast<http::status>(r.status);
  if (http::int_to_status(static_cast<unsigned>(r.status)) == http::status::unknown) return false;

  auto line = [&out](std::string_view name, std::string_view value) {
    out.append(name).append(": ").append(value).append("\r\n");
  };
  // A handler's header replaces the default of that name, and of a name a
  // handler gives twice the last one counts (as Beast's fields::set did).
  auto given_after = [&r](std::size_t from, std::string_view name) {
    for (std::size_t i = from; i < r.headers.size(); ++i)
      if (boost::beast::iequals(r.headers[i].first, name)) return true;
    return false;
  };
  auto fallback = [&](std::string_view name, std::string_view value) {
    if (!given_after(0, name)) line(name, value);
  };
  out.clear();
  out.append(version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ").append(std::to_string(r.status)).append(" ");
  out.append(http::obsolete_reason(status)).append("\r\n");
  fallback("Server", "dsr");
  line("Date", date);
  fallback("Content-Type", r.content_type);
  fallback("Cache-Control", "no-store");
  fallback("X-Content-Type-Options", "nosniff");
  if (tls) fallback("Strict-Transport-Security", "max-age=31536000");
  for (std::size_t i = 0; i < r.headers.size(); ++i)
    if (!given_after(i + 1, r.headers[i].first)) line(r.headers[i].first, r.headers[i].second);
  // HEAD: the length GET's body would have, none of its bytes.
  if (!bodiless) line("Content-Length", std::to_string(r.head_of_length ? *r.head_of_length : r.body.size()));
  // HTTP/1.1 keeps the connection unless told; HTTP/1.0 closes unless told.
  if (version == 10 && keep_alive) line("Connection", "keep-alive");
  if (version != 10 && !keep_alive) line("Connection", "close");
  out.append("\r\n");
  return true;
}

}  // namespace dsr::api
