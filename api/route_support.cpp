#include "api/route_support.hpp"

#include <boost/json/parse.hpp>

#include "api/access_record.hpp"
#include "api/subject_views.hpp"
#include "api/identity_numbers.hpp"

namespace dsr::api {
namespace {

// Who works a request from the subject's own data: those who check the
// identity, decide, and supervise. Auditors and admins see the process,
// not the person (data minimisation, policy B.3).
bool sees_subject(Role role) {
  return role == Role::verifier || role == Role::reviewer || role == Role::supervisor;
}

// The subject as the filing gave it and as the record on file has it, and
// what the subject asked for (corrections, the decision objected to). A
// record that cannot be read is an error, never "no record on file": a
// verifier would verify by hand on the strength of it.
Status add_subject_and_details(ApiContext& context, const Request& request, boost::json::object& view,
                               std::vector<std::string>& fields) {
  boost::json::object subject{{"on_file", false}, {"record", nullptr}};
  if (!request.subject_ref.starts_with("u-")) {  // "u-<id>": a filing without a record
    auto record = context.vault.get(request.subject_ref);
    if (!record && record.error().code != ErrorCode::not_found) return fail(record.error());
    if (record) {
      subject["on_file"] = true;
      subject["record"] = {{"name", record->name},         {"nik", record->nik},
                           {"nip", record->nip},           {"organization", record->organization},
                           {"unit", record->unit},         {"position", record->position},
                           {"email", record->email},       {"phone", record->phone}};
      for (auto& f : record_fields(*record))
        if (f != "face_photo_ref" && !f.starts_with("categories.")) fields.push_back(std::move(f));
      auto restriction = context.vault.restriction(request.subject_ref);
      if (!restriction) return fail(restriction.error());
      subject["restricted"] = restriction_view(*restriction);
      if (*restriction) fields.emplace_back("restriction");
      // A consent withdrawal is decided against the consents on file, while
      // it is open (as GET /v1/subjects/{nik}/consents?request= allows).
      const Workflow* workflow = context.workflows.find(request.type);
      bool open = workflow != nullptr && !workflow->is_terminal(request.state);
      if (request.type == "consent_withdrawal" && open && context.consents != nullptr) {
        auto consents = context.consents->for_subject(request.subject_ref);
        if (!consents) return fail(consents.error());
        subject["consents"] = consents_view(*consents);
        fields.emplace_back("consents");
      }
    }
  }
  auto sealed = context.store.details(request.id);
  if (!sealed) return fail(sealed.error());
  boost::json::object details;
  boost::system::error_code ec;
  auto parsed = boost::json::parse(*sealed, ec);
  if (!ec && parsed.is_object()) details = std::move(parsed.as_object());
  if (auto* given = details.if_contains("contact_given")) {
    subject["given"] = std::move(*given);
    fields.emplace_back("contact_given");
  }
  if (auto* how = details.if_contains("verification")) subject["verification"] = std::move(*how);
  details.erase("contact_given");
  details.erase("verification");
  details.erase("locale");
  if (!details.empty()) fields.emplace_back("details");
  view["subject"] = std::move(subject);
  view["details"] = std::move(details);
  return ok_status();
}

}  // namespace

boost::json::object notification_counts(const std::vector<RecipientNotification>& notifications) {
  boost::json::object counts{{"pending", 0}, {"delivered", 0}, {"acknowledged", 0}, {"failed", 0}};
  for (const auto& n : notifications) counts[to_string(n.status)] = counts[to_string(n.status)].as_int64() + 1;
  return counts;
}

bool names_no_subject(const Request& request) {
  return request.subject_ref.starts_with("a-") || request.subject_ref.starts_with("b-");
}

std::vector<SubjectRead> reads_of(const Request& request, std::vector<std::string> fields) {
  if (fields.empty() || names_no_subject(request)) return {};
  return {{request.subject_ref, request.id, std::move(fields)}};
}

namespace {

// Whose data a request is about. A breach notice's or an authority
// request's own reference ("b-", "a-") names no subject: the subjects it
// names by NIK in its details are the ones read, those on file.
std::vector<SubjectRead> subjects_read(ApiContext& context, const Request& request, std::vector<std::string> fields,
                                       const boost::json::object& view) {
  std::vector<SubjectRead> out;
  if (fields.empty()) return out;
  if (!names_no_subject(request)) return reads_of(request, std::move(fields));
  const auto* details = view.if_contains("details");
  const auto* niks = details != nullptr && details->is_object() ? details->as_object().if_contains("niks") : nullptr;
  if (niks == nullptr || !niks->is_array()) return out;
  for (const auto& nik : niks->as_array()) {
    if (!nik.is_string()) continue;
    auto ref = context.vault.find_by_nik(std::string(nik.as_string()));
    if (ref && ref->has_value()) out.push_back({**ref, request.id, {"nik"}});
  }
  return out;
}

}  // namespace

void send_request(ApiContext& context, const Request& request, const Caller& caller, Respond respond, int status) {
  const Workflow* workflow = context.workflows.find(request.type);
  if (workflow == nullptr) return respond(problem_for(Error::internal("a request of an unknown type"), Locale::en));
  auto deadline = context.requests.deadline(request);
  auto allowed = context.requests.allowed_events(request, caller.actor());
  auto view = request_view(request, *workflow, deadline, caller, allowed ? *allowed : std::vector<std::string>{});
  // As the queue's items say them: what a console marks a request by.
  bool open = !workflow->is_terminal(request.state);
  view["open"] = open;
  view["overdue"] = open && deadline && deadline->due_at < context.clock.now();
  view["time_zone"] = context.policies.time_zone_of(request.policy);
  // What of the subject's data the answer carries, for the access log:
  // the subject panel, and the reasons staff wrote (free text, which may
  // name the subject: an erasure blanks them for that reason).
  std::vector<std::string> fields;
  if (caller.is_staff() && sees_subject(caller.principal.role)) {
    if (Status added = add_subject_and_details(context, request, view, fields); !added)
      return respond(problem_for(added.error(), Locale::en));
  }
  if (caller.is_staff() && std::any_of(request.events.begin(), request.events.end(),
                                       [](const Event& e) { return !e.reason.empty(); }))
    fields.emplace_back("reasons");
  // Staff see how the recipients' notices stand once the request has
  // reached a notification step (read only then: most requests never do).
  bool notified = std::any_of(request.events.begin(), request.events.end(), [&](const Event& e) {
    const State* to = workflow->find_state(e.to_state);
    return to != nullptr && to->kind == StepKind::recipient_notification;
  });
  if (caller.is_staff() && notified) {
    if (auto notices = context.notifications.for_request(request.id)) view["recipient_notifications"] = notification_counts(*notices);
  }
  auto reads = caller.is_staff() ? subjects_read(context, request, std::move(fields), view) : std::vector<SubjectRead>{};
  send_after_recording(context, caller, std::move(reads), json_response(status, view), std::move(respond));
}

RequestService::Done answer_with_request(ApiContext& context, Caller caller, Locale locale, Respond respond,
                                         int status) {
  return [&context, caller = std::move(caller), locale, respond = std::move(respond), status](Result<Request> r) {
    if (!r) return respond(problem_for(r.error(), locale));
    send_request(context, *r, caller, respond, status);
  };
}

}  // namespace dsr::api
