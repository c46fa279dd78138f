// The breach notice's own handling within routes shared with the subjects'
// requests (api/breach_routes.cpp): its filing on POST /v1/requests, and
// its letter on GET /v1/requests/{id}/result.
#pragma once

#include <boost/json/object.hpp>

#include "api/api_context.hpp"
#include "api/router.hpp"

namespace dsr::api {

// A supervisor's filing of a breach notice (the body is parsed already).
void file_breach_notice(const HttpRequest& http, const Caller& caller, ApiContext& context,
                        const boost::json::object& body, Respond respond);

// The letter to the supervisory agency, signed, once the notice went out.
void breach_letter(const HttpRequest& http, ApiContext& context, const Request& request, Respond respond);

}  // namespace dsr::api
