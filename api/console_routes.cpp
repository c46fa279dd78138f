// The back-office console (docs/console.md): static files compiled into the
// binary from api/console/, served at /console/, and GET /v1/whoami, which
// tells the console whose token it holds. The console uses the API like any
// client; nothing here grants more than the token already does.
#include "api/route_support.hpp"
#include "api/routes.hpp"
#include "api/sla_report_html.hpp"
#include "workflows/embedded_file.hpp"

namespace dsr {
std::span<const EmbeddedFile> embedded_console();
}

namespace dsr::api {
namespace {

std::string_view content_type_of(std::string_view name) {
  auto ends = [&](std::string_view ext) { return name.ends_with(ext); };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  if (ends(".json")) return "application/json; charset=utf-8";
  return "application/octet-stream";
}

// Scripts and styles from the console's own files only, no inline code,
// requests to this origin only. The SLA report is shown in a sandboxed
// frame made from its HTML, so its one style (by hash) is allowed too.
const std::string& console_security_policy() {
  static const std::string policy =
      "default-src 'none'; script-src 'self'; style-src 'self' " + sla_report_style_source() +
      "; img-src 'self' data:; connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'; "
      "frame-ancestors 'none'";
  return policy;
}

void serve_console_file(std::string_view name, const HttpRequest& http, Respond respond) {
  for (const auto& file : embedded_console()) {
    if (file.path != name) continue;
    HttpResponse r;
    r.content_type = std::string(content_type_of(name));
    r.body = std::string(file.content);
    r.headers = {{"Content-Security-Policy", console_security_policy()},
                 {"X-Content-Type-Options", "nosniff"},
                 {"Referrer-Policy", "no-referrer"},
                 {"Cache-Control", "no-cache"}};
    return respond(std::move(r));
  }
  respond(problem(404, "not_found", text::kNotFound.in(locale_of(http)), "the console has no such file"));
}

// Every role a bearer token can have.
const std::vector<Role> kEveryStaffRole{Role::admin,      Role::system,  Role::verifier,   Role::reviewer,
                                        Role::supervisor, Role::auditor, Role::institution};

}  // namespace

void add_console_routes(Router& router, ApiContext&) {
  router.add({"GET", "/console/", "The back-office console (docs/console.md)", {true, false, {}},
              [](const HttpRequest& http, const Caller&, const RouteParams&, Respond respond) {
                // The page's relative links need the trailing slash (the router
                // matches "/console" here too).
                if (!http.path().ends_with('/')) {
                  HttpResponse r;
                  r.status = 308;
                  r.headers = {{"Location", "/console/"}};
                  return respond(std::move(r));
                }
                serve_console_file("index.html", http, std::move(respond));
              }});
  router.add({"GET", "/console/{file}", "A file of the back-office console", {true, false, {}},
              [](const HttpRequest& http, const Caller&, const RouteParams& p, Respond respond) {
                serve_console_file(p.at("file"), http, std::move(respond));
              }});
  router.add({"GET", "/v1/whoami", "Whose bearer token this is: name, role, institution", {false, false, kEveryStaffRole},
              [](const HttpRequest&, const Caller& caller, const RouteParams&, Respond respond) {
                const Principal& p = caller.principal;
                respond(json_response(200, {{"name", p.name},
                                            {"role", to_string(p.role)},
                                            {"institution", p.organization.empty() ? boost::json::value(nullptr)
                                                                                   : boost::json::value(p.organization)}}));
              }});
}

}  // namespace dsr::api
