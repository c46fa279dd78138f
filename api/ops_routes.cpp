// Operations: liveness, readiness and the API's own description.
#include "api/route_support.hpp"
#include "api/routes.hpp"

namespace dsr::api {

void add_ops_routes(Router& router, ApiContext& context) {
  router.add({"GET", "/healthz", "Liveness: the process answers", {true, false, {}},
              [](const HttpRequest&, const Caller&, const RouteParams&, Respond respond) {
                respond(json_response(200, {{"status", "ok"}}));
              }});
  router.add({"GET", "/readyz", "Readiness: the database answers", {true, false, {}},
              [&context](const HttpRequest& http, const Caller&, const RouteParams&, Respond respond) {
                if (context.ready()) return respond(json_response(200, {{"status", "ready"}}));
                respond(problem(503, "unavailable", text::kUnavailable.in(locale_of(http)), "the database does not answer"));
              }});
  router.add({"GET", "/openapi.json", "This API, described in OpenAPI 3.1", {true, false, {}},
              [](const HttpRequest&, const Caller&, const RouteParams&, Respond respond) {
                HttpResponse r;
                r.body = openapi_document();
                respond(std::move(r));
              }});
}

std::unique_ptr<Router> build_router(ApiContext& context) {
  auto router = std::make_unique<Router>(context.tokens);
  add_portal_routes(*router, context);
  add_request_routes(*router, context);
  add_subject_routes(*router, context);
  add_package_routes(*router, context);
  add_ops_routes(*router, context);
  return router;
}

}  // namespace dsr::api
