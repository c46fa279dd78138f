// How a request is shown: to its subject (public reasons only, no staff
// names), or to staff (actors, assignee, clock, every reason).
#pragma once

#include <boost/json/value.hpp>

#include "api/router.hpp"
#include "engine/request.hpp"
#include "engine/sla_clock.hpp"
#include "engine/store.hpp"
#include "engine/workflow.hpp"

namespace dsr::api {

boost::json::object request_view(const Request& request, const Workflow& workflow, const Result<Deadline>& deadline,
                                 const Caller& caller, const std::vector<std::string>& allowed_events);

// A queue item. `open`: not in a terminal state (overdue only then);
// `time_zone`: the policy's, in which "due today" is meant.
boost::json::object summary_view(const RequestSummary& summary, bool open, TimePoint now, const std::string& time_zone);

boost::json::object event_view(const Event& event);

}  // namespace dsr::api
