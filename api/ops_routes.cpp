// Operations: liveness, readiness and the API's own description.
#include <fmt/format.h>

#include "api/request_log.hpp"
#include "api/route_support.hpp"
#include "api/routes.hpp"

namespace dsr::api {

void add_ops_routes(Router& router, ApiContext& context) {
  router.add({"GET", "/healthz", "Liveness: the process answers", {true, false, {}},
              [](const HttpRequest&, const Caller&, const RouteParams&, Respond respond) {
                respond(json_response(200, {{"status", "ok"}}));
              }});
  router.add({"GET", "/readyz", "Readiness: the database can be written", {true, false, {}},
              [&context](const HttpRequest& http, const Caller&, const RouteParams&, Respond respond) {
                Status ready = context.readiness();
                if (ready) return respond(json_response(200, {{"status", "ready"}}));
                respond(problem(503, "unavailable", text::kUnavailable.in(locale_of(http)), ready.error().message));
              }});
  router.add({"GET", "/metrics", "Prometheus metrics: HTTP traffic, requests by state, overdue, outbox", {true, false, {}},
              [&context](const HttpRequest& http, const Caller&, const RouteParams&, Respond respond) {
                auto stats = context.store.stats(context.clock.now());
                if (!stats) return respond(problem_for(stats.error(), locale_of(http)));
                std::string out = context.http_metrics ? context.http_metrics->render() : "";
                if (context.request_log) out += context.request_log->render_metrics();
                out += "# HELP dsr_requests Requests by current state.\n# TYPE dsr_requests gauge\n";
                for (const auto& [state, n] : stats->by_state)
                  out += fmt::format("dsr_requests{{state=\"{}\"}} {}\n", state, n);
                out += fmt::format("# HELP dsr_requests_overdue Open requests past their due date.\n"
                                   "# TYPE dsr_requests_overdue gauge\ndsr_requests_overdue {}\n", stats->overdue);
                out += "# HELP dsr_outbox_messages Messages to subjects and notices to recipients, by delivery state "
                       "(failed: dead letters).\n# TYPE dsr_outbox_messages gauge\n";
                for (const char* kind : {"subject_message", "recipient_notification"})
                  for (const char* status : {"pending", "delivered", "acknowledged", "failed"}) {
                    auto it = stats->outbox.find({kind, status});
                    out += fmt::format("dsr_outbox_messages{{kind=\"{}\",status=\"{}\"}} {}\n", kind, status,
                                       it == stats->outbox.end() ? 0 : it->second);
                  }
                out += fmt::format("# HELP dsr_receipts_owed Filings whose receipt to the subject is not sent yet "
                                   "(a receipt that fails moves to the outbox).\n"
                                   "# TYPE dsr_receipts_owed gauge\ndsr_receipts_owed {}\n", stats->receipts_owed);
                HttpResponse r;
                r.content_type = "text/plain; version=0.0.4; charset=utf-8";
                r.body = std::move(out);
                respond(std::move(r));
              }});
  router.add({"GET", "/openapi.json", "This API, described in OpenAPI 3.1", {true, false, {}},
              [](const HttpRequest&, const Caller&, const RouteParams&, Respond respond) {
                HttpResponse r;
                r.body = openapi_document();
                respond(std::move(r));
              }});
}

std::unique_ptr<Router> build_router(ApiContext& context) {
  auto router = std::make_unique<Router>(context.tokens, context.staff_certificates);
  add_portal_routes(*router, context);
  add_request_routes(*router, context);
  add_subject_routes(*router, context);
  add_package_routes(*router, context);
  add_notification_routes(*router, context);
  add_report_routes(*router, context);
  add_ops_routes(*router, context);
  add_console_routes(*router, context);
  add_workflow_routes(*router, context);
  add_token_routes(*router, context);
  add_log_routes(*router, context);
  add_policy_routes(*router, context);
  add_breach_routes(*router, context);
  return router;
}

}  // namespace dsr::api
