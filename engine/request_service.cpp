#include "engine/request_service.hpp"

#include <fmt/format.h>

namespace dsr {

RequestService::RequestService(const WorkflowSet& workflows, const SlaCatalog& policies, Store& store,
                               const Clock& clock, IdSource new_id)
    : workflows_(workflows), policies_(policies), sla_(policies), store_(store), clock_(clock),
      new_id_(std::move(new_id)) {}

Result<const Workflow*> RequestService::workflow_for(std::string_view type) const {
  if (const Workflow* w = workflows_.find(type)) return w;
  std::string known;
  for (const auto& t : workflows_.types()) known += (known.empty() ? "" : ", ") + t;
  return fail(Error::invalid_argument(fmt::format("unknown request type \"{}\" (known: {})", type, known)));
}

void RequestService::submit(const Submission& submission, Done done) {
  auto workflow = workflow_for(submission.type);
  if (!workflow) return done(fail(workflow.error()));
  TimePoint now = submission.at.value_or(clock_.now());
  auto event = decide_submission(**workflow, submission.filed_by, now);
  if (!event) return done(fail(to_error(event.error())));
  auto due = sla_.deadline(submission.policy, submission.type, now, {}, false, now);
  if (!due) return done(fail(due.error()));

  RequestHeader header{submission.id ? *submission.id : new_id_(), submission.type, submission.policy, submission.subject_ref};
  Request request = fold_request(header, std::span(&event.value(), 1));
  std::vector<OutgoingMessage> messages = submission.messages;
  for (auto& m : messages) m.request_id = header.id;  // known only now
  store_.commit(RequestChange{header, 0, {event.value()}, due->due_at, submission.filing, std::move(messages), std::nullopt},
                [request = std::move(request), done = std::move(done)](Status status) mutable {
                  if (!status) return done(fail(status.error()));
                  done(std::move(request));
                });
}

void RequestService::fire(std::string_view request_id, Command command, Done done, Attachments attachments) {
  auto request = store_.load(request_id);
  if (!request) return done(fail(request.error()));
  auto workflow = workflow_for(request->type);
  if (!workflow) return done(fail(workflow.error()));
  command.at = clock_.now();
  auto event = decide(**workflow, *request, command);
  if (!event) return done(fail(to_error(event.error())));
  if (event->clock == ClockEffect::extend) {
    const SlaPolicy* policy = policies_.policy(request->policy);
    const SlaRule* rule = policy ? policy->rule_for(request->type) : nullptr;
    if (!rule || !rule->extension)
      return done(fail(Error(ErrorCode::conflict,
                             fmt::format("policy {} allows no extension for {} requests", request->policy,
                                         request->type),
                             "no_extension")));
  }
  RequestHeader header{request->id, request->type, request->policy, request->subject_ref};
  std::int64_t expected = request->version;
  apply_event(*request, event.value());
  std::optional<TimePoint> due_at;
  if (auto due = sla_.deadline(*request, **workflow, command.at)) due_at = due->due_at;
  std::optional<Correspondence> correspondence;
  if (attachments.correspondence)
    correspondence = Correspondence{command.actor.principal, command.actor.role, *attachments.correspondence, command.at};
  for (auto& m : attachments.messages) m.request_id = header.id;
  store_.commit(RequestChange{header, expected, {event.value()}, due_at, std::nullopt, std::move(attachments.messages),
                              std::move(correspondence)},
                [request = std::move(request).value(), done = std::move(done)](Status status) mutable {
                  if (!status) return done(fail(status.error()));
                  done(std::move(request));
                });
}

Result<Request> RequestService::get(std::string_view request_id) const { return store_.load(request_id); }

Result<Deadline> RequestService::deadline(const Request& request) const {
  auto workflow = workflow_for(request.type);
  if (!workflow) return fail(workflow.error());
  return sla_.deadline(request, **workflow, clock_.now());
}

Result<std::vector<std::string>> RequestService::allowed_events(const Request& request, const Actor& actor) const {
  auto workflow = workflow_for(request.type);
  if (!workflow) return fail(workflow.error());
  return dsr::allowed_events(**workflow, request, actor);
}

}  // namespace dsr
