#include "api/router.hpp"

#include <boost/algorithm/string/predicate.hpp>
#include <fmt/format.h>

#include <algorithm>

namespace dsr::api {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  parts.reserve(8);
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    auto slash = path.find('/');
    parts.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash);
  }
  return parts;
}

HttpResponse unauthorized(Locale l, std::string_view detail) {
  HttpResponse r = problem(401, "unauthorized", text::kUnauthorized.in(l), detail);
  r.headers.emplace_back("WWW-Authenticate", "Bearer");
  return r;
}

// A path parameter names something dsr stores (an id, a NIK, a policy):
// always well-formed UTF-8 without control characters. Anything else names
// nothing, on every backend (PostgreSQL would refuse it as text at all).
bool nameable(std::string_view decoded) {
  if (decoded.empty() || valid_utf8(decoded) != decoded) return false;
  return std::none_of(decoded.begin(), decoded.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
}

}  // namespace

Actor Caller::actor() const {
  if (kind == Kind::staff) return {principal.name, principal.role};
  return {"subject", Role::subject};
}

const std::string& RouteMatch::pattern() const {
  static const std::string kUnmatched = "unmatched";
  return route != nullptr ? route->pattern : kUnmatched;
}

void Router::add(Route route) {
  std::vector<std::string> segments;
  for (auto part : split_path(route.pattern)) segments.emplace_back(part);
  segments_.push_back(std::move(segments));
  routes_.push_back(std::move(route));
}

bool Router::match(std::size_t index, const PathSegments& have, RouteParams* params) const {
  const auto& want = segments_[index];
  // A last placeholder "{name...}" takes every remaining segment, "a/b/c".
  bool rest = !want.empty() && want.back().ends_with("...}");
  if (rest ? have.size() < want.size() : want.size() != have.size()) return false;
  // Literal segments first: most routes fail there, before any decoding.
  for (std::size_t i = 0; i < want.size(); ++i)
    if (!want[i].starts_with('{') && want[i] != have[i]) return false;
  RouteParams found;
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (!want[i].starts_with('{')) continue;
    if (rest && i + 1 == want.size()) {
      std::string joined;
      for (std::size_t k = i; k < have.size(); ++k) {
        auto decoded = url_decode(have[k], false);
        if (!decoded || !nameable(*decoded)) return false;
        joined += (k > i ? "/" : "") + *decoded;
      }
      found[want[i].substr(1, want[i].size() - 5)] = joined;
    } else {
      auto decoded = url_decode(have[i], false);
      if (!decoded || !nameable(*decoded)) return false;
      found[want[i].substr(1, want[i].size() - 2)] = std::move(*decoded);
    }
  }
  if (params != nullptr) *params = std::move(found);
  return true;
}

Caller Router::certificate_caller(const ClientCertificate& certificate) const {
  using V = ClientCertificate::Verdict;
  Caller c;
  if (certificate.verdict == V::none) return c;
  CertificateRefusal refusal;
  refusal.presented = certificate;
  refusal.certificate = std::string(to_string(certificate.verdict));
  std::string which = fmt::format("the certificate {} of {}", certificate.serial, certificate.issuer);
  switch (certificate.verdict) {
    case V::none:
    case V::verified: break;
    case V::expired:
      refusal.kind = "certificate_expired";
      refusal.detail = which + " has expired; ask its issuer for a new one";
      break;
    case V::not_yet_valid:
      refusal.kind = "certificate_not_yet_valid";
      refusal.detail = which + " is not valid yet";
      break;
    case V::revoked:
      refusal.kind = "certificate_revoked";
      refusal.detail = which + " has been revoked by its issuer";
      break;
    case V::untrusted:
      refusal.kind = "certificate_untrusted";
      refusal.detail = fmt::format("{} is not from an issuer this server trusts for staff ({})", which, certificate.reason);
      break;
    case V::revocation_unknown:
      refusal.kind = "certificate_unchecked";
      refusal.detail = fmt::format("whether {} is revoked cannot be checked ({}); the server's revocation list must be "
                                   "renewed", which, certificate.reason);
      break;
  }
  if (certificate.verdict == V::verified) {
    auto found = certificates_ != nullptr
                     ? certificates_->staff_for({certificate.issuer, certificate.serial, certificate.fingerprint})
                     : Result<Principal>(fail(Error::not_found("no staff certificates")));
    if (found) {
      c.kind = Caller::Kind::staff;
      c.principal = *found;
      c.by_certificate = true;
      return c;
    }
    if (found.error().code == ErrorCode::not_found) {
      refusal.status = 403;
      refusal.kind = "certificate_unknown";
      refusal.certificate = "unknown";
      refusal.detail = fmt::format("{} is sound but mapped to no member of staff; an administrator maps it with "
                                   "'dsr staff add --cert FILE --role ROLE' or '--issuer \"{}\" --serial {}'",
                                   which, certificate.issuer, certificate.serial);
    } else {
      refusal.status = 503;
      refusal.kind = "unavailable";
      refusal.detail = "the staff certificates cannot be read now; try again";
    }
  }
  c.refused_certificate = std::move(refusal);
  return c;
}

std::variant<Caller, HttpResponse> Router::authenticate(const HttpRequest& request, Locale l) const {
  // No header is no credentials; an empty one is malformed credentials
  // (401), never taken for none. Without one, a client certificate may
  // sign staff in.
  if (!request.headers.contains("Authorization"))
    return request.client_certificate ? certificate_caller(*request.client_certificate) : Caller{};
  std::string header = request.header("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (header.size() <= kBearer.size() || !std::equal(kBearer.begin(), kBearer.end(), header.begin(), [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
      }))
    return unauthorized(l, "use 'Authorization: Bearer <token>'");
  std::string token = header.substr(kBearer.size());
  if (token.starts_with("trk_")) {
    auto request_id = tokens_.tracked_request(token);
    if (!request_id) return unauthorized(l, "unknown tracking token");
    Caller c;
    c.kind = Caller::Kind::subject;
    c.tracked_request = *request_id;
    return c;
  }
  auto principal = tokens_.authenticate(token);
  if (!principal) return unauthorized(l, "unknown or revoked token");
  Caller c;
  c.kind = Caller::Kind::staff;
  c.principal = *principal;
  return c;
}

namespace {

std::string_view media_type(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  return type;
}

}  // namespace

// A browser presents its client certificate on any request to this origin,
// a cross-site one included, as it would a cookie (a bearer token it never
// sends unasked). So a change made under a certificate must come from the
// console's own origin: never cross-site by the browser's own account
// (Sec-Fetch-Site), and with a JSON body, which no cross-site form or
// no-cors fetch can send without a CORS preflight that dsr never grants.
std::optional<std::string> Router::cross_site_refusal(const HttpRequest& request) {
  if (request.method == "GET" || request.method == "HEAD") return std::nullopt;
  if (request.headers.contains("Sec-Fetch-Site")) {
    std::string site = request.header("Sec-Fetch-Site");
    if (site != "same-origin" && site != "none")
      return fmt::format("a {} request from another site ({}) is refused under a client certificate; use the console, "
                         "or a bearer token from a script",
                         request.method, site);
  }
  bool carries_body = request.method == "POST" || request.method == "PUT" || request.method == "PATCH";
  if (carries_body && !boost::iequals(media_type(request.header("Content-Type")), "application/json"))
    return fmt::format("a {} under a client certificate must be sent as Content-Type: application/json", request.method);
  return std::nullopt;
}

bool Router::answers(const Route& route, std::string_view method) {
  // HEAD is answered wherever GET is (RFC 9110 9.3.2), by the GET route.
  return route.method == method || (method == "HEAD" && route.method == "GET");
}

std::string Router::pattern_of(const HttpRequest& request) const { return find(request).pattern(); }

RouteMatch Router::find(const HttpRequest& request) const {
  RouteMatch found;
  PathSegments path = split_path(request.path());
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    // A route of another method only says the path exists (405, not 404).
    if (!answers(routes_[i], request.method)) {
      if (!found.path_known && match(i, path, nullptr)) found.path_known = true;
      continue;
    }
    if (match(i, path, &found.params)) {
      found.route = &routes_[i];
      found.path_known = true;
      break;
    }
  }
  return found;
}

void Router::dispatch(const HttpRequest& request, RouteMatch where, Respond respond) const {
  // HEAD: whatever GET would answer, refusals included, without the body.
  if (request.method == "HEAD")
    respond = [respond = std::move(respond)](HttpResponse r) { respond(head_answer(std::move(r))); };
  Locale l = locale_of(request);
  std::string_view path = request.path();
  const Route* found = where.route;
  if (found == nullptr) {
    if (!where.path_known) return respond(problem(404, "not_found", text::kNotFound.in(l), fmt::format("no route {}", path)));
    HttpResponse r = problem(405, "method_not_allowed", text::kMethodNotAllowed.in(l),
                             fmt::format("{} is not allowed on {}", request.method, path));
    std::string allow;
    PathSegments segments = split_path(path);
    for (std::size_t i = 0; i < routes_.size(); ++i)
      if (match(i, segments, nullptr))
        allow += (allow.empty() ? "" : ", ") + routes_[i].method + (routes_[i].method == "GET" ? ", HEAD" : "");
    r.headers.emplace_back("Allow", allow);
    return respond(std::move(r));
  }
  RouteParams params = std::move(where.params);

  auto authenticated = authenticate(request, l);
  if (auto* answer = std::get_if<HttpResponse>(&authenticated)) return respond(std::move(*answer));
  Caller caller = std::get<Caller>(std::move(authenticated));
  // HEAD runs the GET route, and is named as asked: no data leaves with it.
  caller.route = request.method + " " + found->pattern;
  if (caller.by_certificate) {
    if (auto refused = cross_site_refusal(request)) return respond(problem(403, "cross_site_request",
                                                                           text::kForbidden.in(l), *refused));
  }
  const Access& access = found->access;
  if (!access.public_route) {
    switch (caller.kind) {
      case Caller::Kind::anonymous:
        if (const auto& refused = caller.refused_certificate) {
          HttpResponse r = problem(refused->status, refused->kind,
                                   (refused->status == 403 ? text::kForbidden : refused->status == 503 ? text::kUnavailable
                                                                                                      : text::kUnauthorized).in(l),
                                   refused->detail, {}, {{"certificate", refused->certificate}});
          if (refused->status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer");
          return respond(std::move(r));
        }
        if (request.client_certificate) {
          // The server asks for certificates: say none came, for the console.
          HttpResponse r = problem(401, "unauthorized", text::kUnauthorized.in(l),
                                   "this route needs a staff certificate, a bearer token or the request's tracking "
                                   "token; no client certificate was presented", {}, {{"certificate", "none"}});
          r.headers.emplace_back("WWW-Authenticate", "Bearer");
          return respond(std::move(r));
        }
        return respond(unauthorized(l, "this route needs a bearer token or the request's tracking token"));
      case Caller::Kind::subject:
        // A tracking token opens its own request and nothing else.
        if (!access.subject || params["id"] != caller.tracked_request)
          // The pattern, never the raw path: it may hold a NIK.
          return respond(problem(404, "not_found", text::kNotFound.in(l),
                                 params["id"].empty() ? fmt::format("a tracking token opens no {}", found->pattern)
                                                      : fmt::format("no request {}", params["id"])));
        break;
      case Caller::Kind::staff:
        if (std::find(access.staff.begin(), access.staff.end(), caller.principal.role) == access.staff.end())
          return respond(problem(403, "role_not_allowed", text::kForbidden.in(l),
                                 fmt::format("the role {} may not {} {}", to_string(caller.principal.role),
                                             request.method, found->pattern)));
        break;
    }
  }
  found->handler(request, caller, params, std::move(respond));
}

}  // namespace dsr::api
