// The authority request's own handling within routes shared with the
// subjects' requests (api/authority_routes.cpp): its filing on
// POST /v1/requests, and the sealed release on GET /v1/requests/{id}/result.
#pragma once

#include <boost/json/object.hpp>

#include "api/api_context.hpp"
#include "api/router.hpp"

namespace dsr::api {

// The filing of an authority's demand by the system that received it or a
// supervisor (the body is parsed already).
void file_authority_request(const HttpRequest& http, const Caller& caller, ApiContext& context,
                            const boost::json::object& body, Respond respond);

// The release as one signed document, for a supervisor to hand to the
// authority when it has no webhook: each subject's data as it was released.
void authority_release_document(const HttpRequest& http, const Caller& caller, ApiContext& context,
                                const Request& request, Respond respond);

}  // namespace dsr::api
