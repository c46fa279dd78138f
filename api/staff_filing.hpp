// What the requests only staff file share (breach notices, authority
// requests; api/breach_routes.cpp, api/authority_routes.cpp): the subjects
// they name by NIK, the data categories, and the answer to the filing.
#pragma once

#include <boost/json/array.hpp>

#include <vector>

#include "api/api_context.hpp"
#include "api/json_body.hpp"
#include "api/router.hpp"
#include "engine/request_service.hpp"

namespace dsr::api {

// The NIKs one filing may name: the body limit allows about 3,000.
inline constexpr std::size_t kMostNiks = 3000;

// `key` of `details` (required), a list of 1 to kMostNiks NIKs; every
// malformed one is an error of its own. `larger`: what to do instead of
// naming more.
boost::json::array read_niks(BodyReader& details, std::string_view key, std::string_view larger);

// `key` of `details`, a non-empty list of category names; with
// `record_only`, each must name a field of the subject record or one of its
// further categories ("categories.<name>").
boost::json::array read_categories(BodyReader& details, std::string_view key, bool record_only);

// Files `submission` and answers 201 with the request's id, state and due
// date (no tracking token: nobody outside the back office follows it).
void file_staff_request(ApiContext& context, Submission submission, Locale locale, Respond respond);

// A count an event recorded in its data (subjects_notified, niks_not_on_file, ...), 0 if none.
std::int64_t recorded_count(const Event& event, const std::string& key);

// 401 or 403 unless the caller holds one of `roles`; `what` names the filing.
std::optional<HttpResponse> staff_filing_refusal(const Caller& caller, std::initializer_list<Role> roles,
                                                 std::string_view what, Locale locale);

}  // namespace dsr::api
