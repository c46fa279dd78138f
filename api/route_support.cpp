#include "api/route_support.hpp"

namespace dsr::api {

boost::json::object notification_counts(const std::vector<RecipientNotification>& notifications) {
  boost::json::object counts{{"pending", 0}, {"delivered", 0}, {"acknowledged", 0}, {"failed", 0}};
  for (const auto& n : notifications) counts[to_string(n.status)] = counts[to_string(n.status)].as_int64() + 1;
  return counts;
}

HttpResponse request_response(ApiContext& context, const Request& request, const Caller& caller, int status) {
  const Workflow* workflow = context.workflows.find(request.type);
  if (workflow == nullptr) return problem_for(Error::internal("a request of an unknown type"), Locale::en);
  auto deadline = context.requests.deadline(request);
  auto allowed = context.requests.allowed_events(request, caller.actor());
  auto view = request_view(request, *workflow, deadline, caller, allowed ? *allowed : std::vector<std::string>{});
  // As the queue's items say them: what a console marks a request by.
  bool open = !workflow->is_terminal(request.state);
  view["open"] = open;
  view["overdue"] = open && deadline && deadline->due_at < context.clock.now();
  view["time_zone"] = context.policies.time_zone_of(request.policy);
  // Staff see how the recipients' notices stand once the request has
  // reached a notification step (read only then: most requests never do).
  bool notified = std::any_of(request.events.begin(), request.events.end(), [&](const Event& e) {
    const State* to = workflow->find_state(e.to_state);
    return to != nullptr && to->kind == StepKind::recipient_notification;
  });
  if (caller.is_staff() && notified) {
    if (auto notices = context.notifications.for_request(request.id)) view["recipient_notifications"] = notification_counts(*notices);
  }
  return json_response(status, view);
}

RequestService::Done answer_with_request(ApiContext& context, Caller caller, Locale locale, Respond respond,
                                         int status) {
  return [&context, caller = std::move(caller), locale, respond = std::move(respond), status](Result<Request> r) {
    if (!r) return respond(problem_for(r.error(), locale));
    respond(request_response(context, *r, caller, status));
  };
}

}  // namespace dsr::api
