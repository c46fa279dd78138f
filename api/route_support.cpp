#include "api/route_support.hpp"

namespace dsr::api {

HttpResponse request_response(ApiContext& context, const Request& request, const Caller& caller, int status) {
  const Workflow* workflow = context.workflows.find(request.type);
  if (workflow == nullptr) return problem_for(Error::internal("a request of an unknown type"), Locale::en);
  auto deadline = context.requests.deadline(request);
  auto allowed = context.requests.allowed_events(request, caller.actor());
  return json_response(status, request_view(request, *workflow, deadline, caller,
                                            allowed ? *allowed : std::vector<std::string>{}));
}

RequestService::Done answer_with_request(ApiContext& context, Caller caller, Locale locale, Respond respond,
                                         int status) {
  return [&context, caller = std::move(caller), locale, respond = std::move(respond), status](Result<Request> r) {
    if (!r) return respond(problem_for(r.error(), locale));
    respond(request_response(context, *r, caller, status));
  };
}

}  // namespace dsr::api
