#include "engine/request_milestones.hpp"

namespace dsr {
namespace {

StepKind kind_of(const Workflow& workflow, const std::string& state) {
  const State* s = workflow.find_state(state);
  return s == nullptr ? StepKind::review : s->kind;
}

}  // namespace

RequestMilestones milestones_of(const Request& request, const Workflow& workflow) {
  RequestMilestones m;
  for (const Event& e : request.events) {
    if (e.from_state == e.to_state) continue;  // an event that stays (a message, a reminder)
    StepKind from = kind_of(workflow, e.from_state), to = kind_of(workflow, e.to_state);
    if (m.awaiting_since && from == StepKind::subject_input && to != StepKind::subject_input) {
      m.awaiting_subject_seconds += (e.at - *m.awaiting_since).count();
      m.awaiting_since.reset();
    }
    if (to == StepKind::subject_input && !m.awaiting_since) m.awaiting_since = e.at;
    if (from == StepKind::verification && to != StepKind::verification && to != StepKind::terminal && !m.verified_at)
      m.verified_at = e.at;
    if (to == StepKind::terminal) m.closed_at = e.at;
  }
  return m;
}

}  // namespace dsr
