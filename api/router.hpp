// The router: a table of routes, each with the callers it admits, and the
// dispatch that authenticates the caller, matches the path, enforces the
// route's access rule and calls the handler. No sockets: the transport
// hands it an HttpRequest and sends whatever comes back through Respond.
//
// Access rules, checked here so that no handler can forget them:
//  - public: anyone (rate limits apply in the transport);
//  - a staff route lists the roles of the bearer tokens it admits: no token
//    is 401, another role 403. On a server that asks for client
//    certificates, a verified certificate mapped to a member of staff
//    (StaffCertificateDirectory) stands for a token; a token, when sent,
//    wins;
//  - a route that admits the subject admits the holder of the tracking
//    token of the request named by {id} in the path, and answers 404 for
//    any other request, so ids cannot be probed.
//
// HEAD is answered wherever GET is (RFC 9110 9.3.2): by the GET route, with
// its access rule, its status and headers, and no body (head_answer). The
// table lists GET only; HEAD is no route of its own.
#pragma once

#include <map>
#include <string>
#include <variant>
#include <vector>

#include "api/http_message.hpp"
#include "api/problem.hpp"
#include "engine/ports.hpp"
#include "engine/request.hpp"

namespace dsr::api {

// Why a client certificate signed no one in: the answer a staff route
// gives instead of the plain 401 (and the console's page, in words).
struct CertificateRefusal {
  int status = 401;            // 401; 403 for a sound certificate mapped to no one
  std::string kind;            // the problem's kind: "certificate_revoked", "certificate_unknown", ...
  std::string certificate;     // the verdict, or "unknown" (unmapped)
  std::string detail;
  ClientCertificate presented;
};

struct Caller {
  enum class Kind { anonymous, staff, subject };
  Kind kind = Kind::anonymous;
  Principal principal;          // staff
  std::string tracked_request;  // subject
  std::string route;            // the route called: "GET /v1/requests/{id}" (its template, never the path)
  bool by_certificate = false;  // staff signed in with a client certificate, not a token
  // Set when the connection presented a certificate that signed no one in
  // and no token was sent: public routes serve the caller anonymously,
  // the others refuse with this.
  std::optional<CertificateRefusal> refused_certificate;

  Actor actor() const;
  bool is_staff() const { return kind == Kind::staff; }
};

using RouteParams = std::map<std::string, std::string>;
using Handler = std::function<void(const HttpRequest&, const Caller&, const RouteParams&, Respond)>;

struct Access {
  bool public_route = false;
  bool subject = false;     // the tracking-token holder of {id}
  std::vector<Role> staff;  // bearer-token roles admitted
};

struct Route {
  std::string method;
  std::string pattern;  // "/v1/requests/{id}/verify"
  std::string summary;
  Access access;
  Handler handler;
};

// Where a request goes: the route that answers its method and path, and
// the path's parameters. Found once per request: the transport needs the
// pattern before dispatch (rate limits, logs, metrics).
struct RouteMatch {
  const Route* route = nullptr;  // none answers this method on this path
  RouteParams params;
  bool path_known = false;       // some route has this path: 405, not 404
  // The route's template for logs and metrics (never the path, which may
  // hold a NIK), or "unmatched".
  const std::string& pattern() const;
};

class Router {
 public:
  explicit Router(const TokenDirectory& tokens, const StaffCertificateDirectory* certificates = nullptr)
      : tokens_(tokens), certificates_(certificates) {}

  void add(Route route);
  RouteMatch find(const HttpRequest& request) const;
  // Authenticates the caller, enforces the route's access rule and calls
  // its handler; `where` is find(request).
  void dispatch(const HttpRequest& request, RouteMatch where, Respond respond) const;
  void dispatch(const HttpRequest& request, Respond respond) const { dispatch(request, find(request), std::move(respond)); }
  const std::vector<Route>& routes() const { return routes_; }
  // The pattern of the route `request` goes to (for logs: never the raw
  // path, which may hold a NIK), or "unmatched".
  std::string pattern_of(const HttpRequest& request) const;

 private:
  using PathSegments = std::vector<std::string_view>;
  // Whether the route at `index` has this path, and its parameters if so.
  bool match(std::size_t index, const PathSegments& path, RouteParams* params) const;
  // Whether `route` answers `method`: its own, and HEAD for a GET route.
  static bool answers(const Route& route, std::string_view method);
  // Why a change made under a client certificate is refused as cross-site, if it is.
  static std::optional<std::string> cross_site_refusal(const HttpRequest& request);
  // The caller, or the 401 to answer with.
  std::variant<Caller, HttpResponse> authenticate(const HttpRequest& request, Locale locale) const;

  // The caller a client certificate signs in, or why it does not.
  Caller certificate_caller(const ClientCertificate& certificate) const;

  const TokenDirectory& tokens_;
  const StaffCertificateDirectory* certificates_;
  std::vector<Route> routes_;
  // Each route's pattern split at '/', made once in add(), not per request.
  std::vector<std::vector<std::string>> segments_;
};

}  // namespace dsr::api
