#include "engine/request_service.hpp"

#include "engine/authority_release.hpp"
#include "engine/breach_notices.hpp"
#include "engine/json_fields.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <fmt/format.h>

#include <algorithm>

namespace dsr {
namespace {

const Actor kSystem{"dsr", Role::system};

bool in_notification_step(const Workflow& workflow, std::string_view state) {
  const State* s = workflow.find_state(state);
  return s != nullptr && s->kind == StepKind::recipient_notification;
}

std::string unacknowledged_list(const std::vector<RecipientNotification>& notifications) {
  std::string out;
  for (const auto& n : notifications)
    if (n.status != NotificationStatus::acknowledged)
      out += fmt::format("{}{} ({}, {})", out.empty() ? "" : "; ", n.recipient_name, n.recipient_id, to_string(n.status));
  return out;
}

}  // namespace

RequestService::RequestService(const WorkflowSet& workflows, const SlaCatalog& policies, Store& store,
                               const Clock& clock, IdSource new_id, Collaborators collaborators)
    : workflows_(workflows), policies_(policies), sla_(policies), store_(store), clock_(clock),
      new_id_(std::move(new_id)), with_(collaborators) {}

Result<std::vector<RecipientNotification>> RequestService::notifications_of(const Request& request) const {
  if (with_.notifications == nullptr) return std::vector<RecipientNotification>{};
  return with_.notifications->for_request(request.id);
}

Result<std::string> RequestService::guard_refusal(const Transition& transition, const Request& request) const {
  if (transition.guard == Guard::none) return std::string();
  auto notifications = notifications_of(request);
  if (!notifications) return fail(notifications.error());
  std::string waiting = unacknowledged_list(*notifications);
  if (waiting.empty()) return std::string();
  return fmt::format("not every recipient has acknowledged the notice yet: {}; wait, or let a supervisor close the "
                     "request with complete_unacknowledged and a reason", waiting);
}

namespace {

// The filing's form (its details), as far as the effects need it.
Result<boost::json::object> filed_details(const Store& store, const Request& request) {
  auto details = store.details(request.id);
  if (!details) return fail(details.error());
  return object_of(*details);
}

std::optional<std::string> detail_text(const boost::json::object& form, std::string_view field) {
  const auto* v = form.if_contains(field);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string(v->get_string());
}

Error missing_detail(const Request& request, std::string_view field) {
  return Error(ErrorCode::conflict, fmt::format("request {} holds no {} to act on", request.id, field), "no_details");
}

}  // namespace

Result<Fulfilment> RequestService::fulfilment_for(const Transition& transition, const Request& request,
                                                  const Event& event) const {
  Fulfilment f;
  f.erase_subject = transition.has_effect(Effect::erase_subject);
  f.notify_recipients = transition.has_effect(Effect::notify_recipients);
  bool needs_form = transition.has_effect(Effect::apply_corrections) || transition.has_effect(Effect::withdraw_consent) ||
                    transition.has_effect(Effect::restrict_processing) || transition.has_effect(Effect::transfer_export);
  if (!needs_form) {
    if (transition.has_effect(Effect::lift_restriction)) {
      f.lift_restriction = true;
      f.notice_json = boost::json::serialize(boost::json::object{
          {"restriction", {{"status", "lifted"}, {"at", format_rfc3339(event.at)}}}});
    }
    return f;
  }
  auto form = filed_details(store_, request);
  if (!form) return fail(form.error());
  boost::json::object notice;
  if (transition.has_effect(Effect::apply_corrections)) {
    const boost::json::value* corrections = form->if_contains("corrections");
    if (corrections == nullptr || !corrections->is_array())
      return fail(Error(ErrorCode::conflict, fmt::format("request {} holds no corrections to apply", request.id), "no_corrections"));
    boost::json::array changes;
    for (const auto& c : corrections->get_array()) {
      std::string field(c.at("field").as_string()), value(c.at("requested").as_string());
      f.corrections[field] = value;
      changes.push_back({{"field", field}, {"value", value}});
    }
    f.changes_json = boost::json::serialize(changes);
  }
  if (transition.has_effect(Effect::withdraw_consent)) {
    auto purpose = detail_text(*form, "purpose");
    if (!purpose) return fail(missing_detail(request, "purpose"));
    // The policy version is the one the withdrawn consent was given under:
    // the storage fills it in from the ledger.
    f.consent = Consent{request.subject_ref, *purpose, "withdrawn", "", event.at, "request", request.id,
                        event.actor.principal, request.id};
    f.notice_purpose = *purpose;
    notice["purpose"] = *purpose;
  }
  if (transition.has_effect(Effect::restrict_processing)) {
    Restriction r{event.at, {}, request.id};
    boost::json::array categories;
    if (const auto* named = form->if_contains("categories"); named != nullptr && named->is_array())
      for (const auto& c : named->get_array())
        if (c.is_string()) {
          r.categories.emplace_back(c.get_string());
          categories.push_back(c);
        }
    f.restriction = std::move(r);
    notice["restriction"] = {{"status", "restricted"}, {"since", format_rfc3339(event.at)},
                             {"categories", std::move(categories)}};
  }
  if (transition.has_effect(Effect::transfer_export)) {
    // The export goes to the controller the subject named, or to nobody:
    // never to every recipient of the subject's data.
    f.transfer_to = detail_text(*form, "transfer_to");
    if (!f.transfer_to) f.notify_recipients = false;
  }
  f.notice_json = boost::json::serialize(notice);
  return f;
}

Result<std::optional<std::string>> RequestService::duplicated(const Submission& submission) const {
  // A subject not on file is a reference of its own filing: nothing to match.
  if (submission.subject_ref.starts_with("u-")) return std::optional<std::string>{};
  return store_.open_request_of(submission.subject_ref, submission.type);
}

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
  if (submission.clock_from && *submission.clock_from > now)
    return done(fail(Error::invalid_argument("the clock cannot start after the request is received")));
  auto due = sla_.deadline(submission.policy, submission.type, submission.clock_from.value_or(now), {}, false, now);
  if (!due) return done(fail(due.error()));
  if (submission.clock_from) event->data["clock_from"] = format_rfc3339(*submission.clock_from);
  auto duplicate = duplicated(submission);
  if (!duplicate) return done(fail(duplicate.error()));
  if (*duplicate) event->data["duplicate_of"] = **duplicate;

  RequestHeader header{submission.id ? *submission.id : new_id_(), submission.type, submission.policy, submission.subject_ref};
  std::vector<Event> events{event.value()};
  Request request = fold_request(header, events);
  if (submission.verified_by) {
    Command check = *submission.verified_by;
    check.at = now;
    check.expected_version = request.version;
    auto verified = decide(**workflow, request, check);
    if (!verified) return done(fail(to_error(verified.error())));
    apply_event(request, verified.value());
    events.push_back(std::move(verified).value());
  }
  std::vector<OutgoingMessage> messages = submission.messages;
  for (auto& m : messages) m.request_id = header.id;  // known only now
  // The start's notify_subject (the receipt) is not queued here: it is
  // written from the stored filing afterwards, see receipt().
  store_.commit(RequestChange{header, 0, std::move(events), due->due_at, submission.filing, std::move(messages),
                             std::nullopt, {}, milestones_of(request, **workflow)},
                [request = std::move(request), done = std::move(done)](Status status) mutable {
                  if (!status) return done(fail(status.error()));
                  done(std::move(request));
                });
}

Result<std::optional<OutgoingMessage>> RequestService::receipt(const RequestHeader& header, TimePoint received_at,
                                                              std::string_view details_json) const {
  const std::optional<OutgoingMessage> kNone;  // no message owed
  if (with_.notices == nullptr) return kNone;
  const Workflow* workflow = workflows_.find(header.type);
  if (workflow == nullptr || workflow->start.notify_subject.empty()) return kNone;
  // The deadline as it stood at filing, whatever happened since.
  auto due = sla_.deadline(header.policy, header.type, received_at, {}, false, received_at);
  if (!due) return kNone;
  Request request;
  request.id = header.id;
  request.type = header.type;
  request.policy = header.policy;
  request.subject_ref = header.subject_ref;
  request.received_at = received_at;
  return with_.notices->compose(request, workflow->start.notify_subject, {}, due->due_at, details_json);
}

void RequestService::fire(std::string_view request_id, Command command, Done done, Attachments attachments) {
  auto request = store_.load(request_id);
  if (!request) return done(fail(request.error()));
  auto workflow = workflow_for(request->type);
  if (!workflow) return done(fail(workflow.error()));
  command.at = clock_.now();
  auto event = decide(**workflow, *request, command);
  if (!event) return done(fail(to_error(event.error())));
  const Transition& transition = *(*workflow)->find(request->state, event->name);  // decide() found it
  if (event->clock == ClockEffect::extend) {
    const SlaPolicy* policy = policies_.policy(request->policy);
    const SlaRule* rule = policy ? policy->rule_for(request->type) : nullptr;
    if (!rule || !rule->extension)
      return done(fail(Error(ErrorCode::conflict,
                             fmt::format("policy {} allows no extension for {} requests", request->policy,
                                         request->type),
                             "no_extension")));
  }
  auto refusal = guard_refusal(transition, *request);
  if (!refusal) return done(fail(refusal.error()));
  if (!refusal->empty()) return done(fail(Error(ErrorCode::conflict, *refusal, "guard_failed")));
  if (transition.guard == Guard::none && in_notification_step(**workflow, request->state) && transition.to) {
    // Closing without every acknowledgement: the journal names who is missing.
    auto notifications = notifications_of(*request);
    if (!notifications) return done(fail(notifications.error()));
    if (auto waiting = unacknowledged_list(*notifications); !waiting.empty()) event->data["unacknowledged"] = waiting;
  }
  auto fulfilment = fulfilment_for(transition, *request, *event);
  if (!fulfilment) return done(fail(fulfilment.error()));
  if (transition.has_effect(Effect::release_to_authority) && with_.notices) {
    // Read and composed before the commit: the release, its ledger entries
    // and the subjects' notices are stored together or not at all.
    auto form = filed_details(store_, *request);
    if (!form) return done(fail(form.error()));
    std::optional<TimePoint> prohibited_until;
    if (auto given = event->data.find(std::string(kNoticeProhibitedUntil)); given != event->data.end())
      prohibited_until = parse_rfc3339(given->second);  // checked by decide()
    auto release = authority_release(*with_.notices, *request, *form, command.at, command.actor.principal,
                                     prohibited_until, policies_.time_zone_of(request->policy));
    if (!release) return done(fail(release.error()));
    // Counts only: the journal holds no personal data.
    event->data["subjects_released"] = std::to_string(release->released.size());
    event->data["niks_not_on_file"] = std::to_string(release->not_on_file);
    event->data["subjects_without_address"] = std::to_string(release->without_address);
    fulfilment->releases = std::move(release->released);
    for (auto& m : release->notices) attachments.messages.push_back(std::move(m));
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
  if (with_.notices && !transition.notify_subject.empty()) {
    // Composed before the commit: an erasure still finds the address.
    MessageCatalog::Variables variables;
    if (!event->reason.empty()) variables.emplace("reason", event->reason);
    // Not knowing whether the subject has an address (the database is
    // away) fails the event: committed without its message, the subject
    // would never be told.
    auto m = with_.notices->compose(*request, transition.notify_subject, std::move(variables), due_at);
    if (!m) return done(fail(m.error()));
    if (*m) attachments.messages.push_back(std::move(**m));
  }
  if (transition.has_effect(Effect::notify_affected_subjects) && with_.notices) {
    // Composed before the commit, as the event's own message: the notices
    // and the event are stored together or not at all.
    auto form = filed_details(store_, *request);
    if (!form) return done(fail(form.error()));
    auto breach = breach_notices(*with_.notices, *request, *form, policies_.time_zone_of(request->policy));
    if (!breach) return done(fail(breach.error()));
    // Counts only: the journal holds no personal data.
    event->data["subjects_notified"] = std::to_string(breach->messages.size());
    event->data["niks_not_on_file"] = std::to_string(breach->not_on_file);
    event->data["subjects_without_address"] = std::to_string(breach->without_address);
    for (auto& m : breach->messages) attachments.messages.push_back(std::move(m));
  }
  bool settles = in_notification_step(**workflow, request->state);
  RequestChange change{header, expected, {event.value()}, due_at, std::nullopt, std::move(attachments.messages),
                       std::move(correspondence), std::move(fulfilment).value(), milestones_of(*request, **workflow)};
  store_.commit(std::move(change),
                [this, settles, request = std::move(request).value(), done = std::move(done)](Status status) mutable {
                  if (!status) return done(fail(status.error()));
                  if (!settles) return done(std::move(request));
                  // The event is durable whatever settling answers.
                  settle(request.id, [request, done = std::move(done)](Result<Request> settled) {
                    done(settled ? std::move(settled) : Result<Request>(request));
                  });
                });
}

void RequestService::settle(std::string_view request_id, Done done) {
  auto request = store_.load(request_id);
  if (!request) return done(fail(request.error()));
  auto workflow = workflow_for(request->type);
  if (!workflow) return done(fail(workflow.error()));
  if (!in_notification_step(**workflow, request->state)) return done(std::move(request));
  for (const auto& t : (*workflow)->transitions) {
    if (t.guard != Guard::all_recipients_acknowledged || !t.fires_in(request->state) || !t.allows(kSystem.role))
      continue;
    auto refusal = guard_refusal(t, *request);
    if (!refusal) return done(fail(refusal.error()));
    if (!refusal->empty()) return done(std::move(request));
    return fire(request->id, Command{t.event, kSystem, "", request->version, {}, {}}, std::move(done));
  }
  done(std::move(request));
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
  auto allowed = dsr::allowed_events(**workflow, request, actor);
  // An extension the policy does not give, or has given already, would only
  // be refused: it is not offered.
  const SlaPolicy* policy = policies_.policy(request.policy);
  const SlaRule* rule = policy ? policy->rule_for(request.type) : nullptr;
  bool can_extend = rule != nullptr && rule->extension && !request.extended;
  std::erase_if(allowed, [&](const std::string& event) {
    const Transition* t = (*workflow)->find(request.state, event);
    return t != nullptr && t->clock == ClockEffect::extend && !can_extend;
  });
  return allowed;
}

}  // namespace dsr
