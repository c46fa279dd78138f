// Small pieces shared by the route files: answering with a request as the
// caller may see it, and turning an engine result into a response.
#pragma once

#include "api/api_context.hpp"
#include "api/json_body.hpp"
#include "api/request_view.hpp"
#include "api/router.hpp"

namespace dsr::api {

// 200 (or `status`) with the request as `caller` may see it.
HttpResponse request_response(ApiContext& context, const Request& request, const Caller& caller, int status = 200);

// The completion for RequestService calls: the request on success, the
// problem on failure.
RequestService::Done answer_with_request(ApiContext& context, Caller caller, Locale locale, Respond respond,
                                         int status = 200);

// {"pending": n, "delivered": n, "acknowledged": n, "failed": n}
boost::json::object notification_counts(const std::vector<RecipientNotification>& notifications);

// Staff roles, as route access lists.
inline const std::vector<Role> kBackOffice{Role::admin, Role::verifier, Role::reviewer, Role::supervisor, Role::auditor};
inline const std::vector<Role> kActors{Role::admin, Role::verifier, Role::reviewer, Role::supervisor, Role::system};

}  // namespace dsr::api
