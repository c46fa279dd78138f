// HTTP as the handlers see it: plain values, no Beast, no sockets. The
// transport (server.cpp) converts to and from the wire; handlers and the
// router are pure functions of (request, caller) -> response, testable
// without a network.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dsr::api {

struct CaseInsensitiveLess {
  bool operator()(std::string_view a, std::string_view b) const;
  using is_transparent = void;
};

// The client certificate of a TLS connection on a server that asks for one
// (dsr serve --client-ca), as the transport verified it
// (api/client_certificates.hpp): whether it is sound, and its names.
struct ClientCertificate {
  enum class Verdict {
    none,                // the client presented none
    verified,            // a trusted chain, in its validity period, not revoked
    expired,
    not_yet_valid,
    revoked,             // on the issuer's revocation list
    untrusted,           // not from a trusted issuer, or not for client authentication
    revocation_unknown,  // revocation could not be checked (no current CRL)
  };
  Verdict verdict = Verdict::none;
  std::string issuer;       // RFC 2253, canonical
  std::string serial;       // lower-case hex
  std::string fingerprint;  // SHA-256, lower-case hex
  std::string subject;      // RFC 2253
  std::string reason;       // OpenSSL's words for a refused one
};

std::string_view to_string(ClientCertificate::Verdict verdict);

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as received: path and query
  std::map<std::string, std::string, CaseInsensitiveLess> headers;
  std::string body;
  std::string client_address;  // the peer, or X-Forwarded-For from a trusted proxy
  // Set on a TLS connection whose server asks for client certificates.
  std::optional<ClientCertificate> client_certificate;

  std::string_view path() const;
  // Decoded query parameters; a repeated name keeps its last value.
  std::map<std::string, std::string> query() const;
  std::string header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // An answer to HEAD: the length of the body GET would have sent, which
  // Content-Length announces; `body` itself is empty (RFC 9110 9.3.2).
  std::optional<std::size_t> head_of_length;
};

// The answer to HEAD made of the answer to GET: the same status and
// headers, Content-Length the GET body's, and no body.
HttpResponse head_answer(HttpResponse get);

using Respond = std::function<void(HttpResponse)>;

// Percent-decoding for paths and queries; nullopt for a malformed escape.
std::optional<std::string> url_decode(std::string_view text, bool plus_is_space);

}  // namespace dsr::api
