#include "engine/request.hpp"

namespace dsr {

void apply_event(Request& request, const Event& event) {
  if (event.name == kSubmitEvent) {
    request.received_at = event.at;
    if (auto it = event.data.find("duplicate_of"); it != event.data.end()) request.duplicate_of = it->second;
    if (auto it = event.data.find("clock_from"); it != event.data.end()) request.clock_from = parse_rfc3339(it->second);
  }
  request.state = event.to_state;
  request.version = event.sequence;
  if (event.clock == ClockEffect::extend) request.extended = true;
  if (auto it = event.data.find("assignee"); it != event.data.end()) {
    request.assignee = it->second.empty() ? std::nullopt : std::optional(it->second);
  }
  if (!event.outcome.empty()) request.outcome = event.outcome;
  request.events.push_back(event);
}

Request fold_request(const RequestHeader& header, std::span<const Event> events) {
  Request request;
  request.id = header.id;
  request.type = header.type;
  request.policy = header.policy;
  request.subject_ref = header.subject_ref;
  for (const auto& event : events) apply_event(request, event);
  return request;
}

}  // namespace dsr
