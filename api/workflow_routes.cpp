// GET /v1/workflows: the workflows this server runs, as data (their states
// and events, who may fire each, what each asks for). For clients that
// must not hard-code them: the console's filters, a form that knows which
// steps need a reason. Staff only, like the queue they describe.
#include "api/route_support.hpp"
#include "api/routes.hpp"

namespace dsr::api {
namespace {

boost::json::object transition_view(const Transition& t) {
  boost::json::array from(t.from.begin(), t.from.end()), roles;
  for (Role r : t.roles) roles.emplace_back(to_string(r));
  return {{"event", t.event},
          {"from", std::move(from)},
          {"to", t.to ? boost::json::value(*t.to) : nullptr},
          {"roles", std::move(roles)},
          {"reason", to_string(t.reason)},
          {"public", t.reason_public},
          {"clock", to_string(t.clock)},
          {"description", t.description}};
}

boost::json::object workflow_view(const Workflow& w) {
  boost::json::array states, transitions;
  for (const State& s : w.states)
    states.push_back({{"state", s.name}, {"kind", to_string(s.kind)}, {"description", s.description}});
  for (const Transition& t : w.transitions) transitions.push_back(transition_view(t));
  return {{"type", w.type}, {"title", w.title}, {"states", std::move(states)}, {"transitions", std::move(transitions)}};
}

}  // namespace

void add_workflow_routes(Router& router, ApiContext& context) {
  router.add({"GET", "/v1/workflows", "The workflows this server runs: states, events, who may fire them",
              {false, false, kBackOffice},
              [&context](const HttpRequest&, const Caller&, const RouteParams&, Respond respond) {
                boost::json::array items;
                for (const auto& type : context.workflows.types())
                  if (const Workflow* w = context.workflows.find(type)) items.push_back(workflow_view(*w));
                respond(json_response(200, {{"items", std::move(items)}}));
              }});
}

}  // namespace dsr::api
