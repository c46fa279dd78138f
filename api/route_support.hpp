// Small pieces shared by the route files: answering with a request as the
// caller may see it, and turning an engine result into a response.
#pragma once

#include "api/access_record.hpp"
#include "api/api_context.hpp"
#include "api/json_body.hpp"
#include "api/request_view.hpp"
#include "api/router.hpp"

namespace dsr::api {

// 200 (or `status`) with the request as `caller` may see it; to staff, once
// the personal data it carries is in the access log (api/access_record.hpp).
void send_request(ApiContext& context, const Request& request, const Caller& caller, Respond respond, int status = 200);

// A breach notice and an authority request have references of their own
// ("b-", "a-"), not a subject's: they name their subjects by NIK.
bool names_no_subject(const Request& request);
// The read of `fields` of the request's subject, for the access log; none
// if `fields` is empty or the request has no subject of its own.
std::vector<SubjectRead> reads_of(const Request& request, std::vector<std::string> fields);

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
