// Reading and working requests: the back office's queue, one request, its
// journal, and the commands reviewers, verifiers and supervisors give.
#include <fmt/format.h>

#include <charconv>

#include "api/route_support.hpp"
#include "api/routes.hpp"

namespace dsr::api {
namespace {

const std::vector<std::string> kStates{"received",  "verifying",           "in_review", "second_review",
                                       "awaiting_subject", "on_hold",      "fulfilling", "notifying_recipients",
                                       "completed", "partially_completed", "rejected",  "withdrawn", "expired"};

void list_requests(const HttpRequest& http, ApiContext& context, Respond respond) {
  Locale l = locale_of(http);
  std::vector<FieldError> errors;
  RequestQuery q;
  q.now = context.clock.now();
  for (const auto& [key, value] : http.query()) {
    if (valid_utf8(value) != value) {
      errors.push_back({key, l == Locale::en ? "not valid UTF-8" : "bukan UTF-8 yang valid"});
    } else if (key == "status") {
      if (std::find(kStates.begin(), kStates.end(), value) == kStates.end())
        errors.push_back({key, fmt::format("{} {}", text::kOneOf.in(l), "received, verifying, in_review, ...")});
      q.state = value;
    } else if (key == "type") {
      auto types = context.workflows.types();
      if (std::find(types.begin(), types.end(), value) == types.end())
        errors.push_back({key, fmt::format("{} access, rectification, erasure, automated_decision_objection", text::kOneOf.in(l))});
      q.type = value;
    } else if (key == "overdue") {
      if (value != "true" && value != "false") errors.push_back({key, std::string(text::kNotBoolean.in(l))});
      q.overdue_only = value == "true";
    } else if (key == "assignee") {
      q.assignee = value;
    } else if (key == "limit") {
      int limit = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), limit);
      if (ec != std::errc{} || end != value.data() + value.size() || limit < 1 || limit > 200)
        errors.push_back({key, l == Locale::en ? "a whole number from 1 to 200" : "bilangan bulat 1 sampai 200"});
      q.limit = limit;
    } else if (key == "cursor") {
      q.after = value;
    } else if (key != "lang") {
      errors.push_back({key, std::string(text::kUnknownField.in(l))});
    }
  }
  if (!errors.empty()) return respond(validation_problem(l, errors));
  auto page = context.store.list(q);
  if (!page && page.error().code == ErrorCode::invalid_argument)
    return respond(validation_problem(l, {{"cursor", l == Locale::en ? "not a cursor this list gave out; start again without one"
                                                                  : "bukan kursor dari daftar ini; mulai lagi tanpa kursor"}}));
  if (!page) return respond(problem_for(page.error(), l));
  boost::json::array items;
  for (const auto& s : page->items) {
    const Workflow* w = context.workflows.find(s.type);
    bool open = w == nullptr || !w->is_terminal(s.state);
    items.push_back(summary_view(s, open, q.now, context.policies.time_zone_of(s.policy)));
  }
  respond(json_response(200, {{"items", std::move(items)},
                              {"next_cursor", page->next_cursor ? boost::json::value(*page->next_cursor) : nullptr}}));
}

// A command from the back office: an event with an optional reason and the
// version the caller saw.
void fire_event(const HttpRequest& http, const Caller& caller, ApiContext& context, const std::string& id,
                std::optional<std::string> fixed_event, Respond respond) {
  Locale l = locale_of(http);
  auto parsed = parse_object_body(http, l);
  if (auto* answer = std::get_if<HttpResponse>(&parsed)) return respond(std::move(*answer));
  std::vector<FieldError> errors;
  Command command;
  command.actor = caller.actor();
  std::optional<std::int64_t> version;
  {
    BodyReader body(std::get<boost::json::object>(parsed), "", l, errors);
    if (fixed_event) {
      command.event = *fixed_event;
    } else {
      command.event = body.string("event", true, 64).value_or("");
    }
    if (fixed_event == std::optional<std::string>("assign")) {
      auto assignee = body.string("assignee", true, 100);
      if (assignee) command.data["assignee"] = *assignee;
    } else {
      command.reason = body.string("reason", false, 2000).value_or("");
      // Where the workflow allows it (an authority's release, D.7); the
      // engine refuses it elsewhere with a reason that says so.
      if (auto until = body.instant(kNoticeProhibitedUntil, false))
        command.data[std::string(kNoticeProhibitedUntil)] = format_rfc3339(*until);
    }
    version = body.integer("version", !fixed_event.has_value());
  }
  if (!errors.empty()) return respond(validation_problem(l, errors));
  if (!version) {
    // Assignment and extension may omit the version: they act on the latest.
    auto current = context.store.load(id);
    if (!current) return respond(problem_for(current.error(), l));
    version = current->version;
  }
  command.expected_version = *version;
  context.requests.fire(id, std::move(command), answer_with_request(context, caller, l, std::move(respond)));
}

// Correspondence. A subject's message while the request waits for it is the
// reply that resumes the request and its clock; any other message is
// recorded as a "message" event, its text kept sealed.
void post_message(const HttpRequest& http, const Caller& caller, ApiContext& context, const std::string& id,
                  Respond respond) {
  Locale l = locale_of(http);
  auto parsed = parse_object_body(http, l);
  if (auto* answer = std::get_if<HttpResponse>(&parsed)) return respond(std::move(*answer));
  std::vector<FieldError> errors;
  std::string text_body;
  {
    BodyReader body(std::get<boost::json::object>(parsed), "", l, errors);
    text_body = body.string("body", true, 5000).value_or("");
  }
  if (!errors.empty()) return respond(validation_problem(l, errors));
  auto request = context.store.load(id);
  if (!request) return respond(problem_for(request.error(), l));
  bool reply = caller.kind == Caller::Kind::subject && request->state == "awaiting_subject";
  Command command{reply ? "reply" : "message", caller.actor(), "", request->version, {}, {}};
  RequestService::Attachments attachments;
  attachments.correspondence = text_body;
  context.requests.fire(id, std::move(command), answer_with_request(context, caller, l, std::move(respond), 201),
                        std::move(attachments));
}

void list_messages(const HttpRequest& http, const Caller& caller, ApiContext& context, const std::string& id,
                   Respond respond) {
  auto messages = context.store.correspondence(id);
  if (!messages) return respond(problem_for(messages.error(), locale_of(http)));
  // What the subject wrote, and staff wrote to them, may be any of their
  // data: a staff read of it is in the access log.
  std::vector<SubjectRead> reads;
  if (caller.is_staff() && !messages->empty()) {
    auto request = context.store.load(id);
    if (!request) return respond(problem_for(request.error(), locale_of(http)));
    reads = reads_of(*request, {"correspondence"});
  }
  boost::json::array items;
  for (const auto& m : *messages) {
    bool from_subject = m.role == Role::subject;
    boost::json::object item{{"from", from_subject ? "subject" : "staff"}, {"at", format_rfc3339(m.at)}, {"body", m.body}};
    if (caller.is_staff() && !from_subject) item["author"] = m.author;  // staff names stay in the back office
    items.push_back(std::move(item));
  }
  send_after_recording(context, caller, std::move(reads), json_response(200, {{"id", id}, {"items", std::move(items)}}),
                       std::move(respond));
}

}  // namespace

void add_request_routes(Router& router, ApiContext& context) {
  router.add({"GET", "/v1/requests", "The queue, oldest due first", {false, false, kBackOffice},
              [&context](const HttpRequest& http, const Caller&, const RouteParams&, Respond respond) {
                list_requests(http, context, std::move(respond));
              }});
  router.add({"GET", "/v1/requests/{id}", "One request, as the caller may see it", {false, true, kBackOffice},
              [&context](const HttpRequest& http, const Caller& caller, const RouteParams& p, Respond respond) {
                auto request = context.store.load(p.at("id"));
                if (!request) return respond(problem_for(request.error(), locale_of(http)));
                send_request(context, *request, caller, std::move(respond));
              }});
  router.add({"GET", "/v1/requests/{id}/events", "The full journal of a request", {false, false, kBackOffice},
              [&context](const HttpRequest& http, const Caller& caller, const RouteParams& p, Respond respond) {
                auto request = context.store.load(p.at("id"));
                if (!request) return respond(problem_for(request.error(), locale_of(http)));
                boost::json::array items;
                bool reasons = false;
                for (const auto& e : request->events) {
                  items.push_back(event_view(e));
                  reasons = reasons || !e.reason.empty();
                }
                // Reasons are free text staff wrote: they may name the subject.
                send_after_recording(context, caller, reads_of(*request, reasons ? std::vector<std::string>{"reasons"} : std::vector<std::string>{}),
                                     json_response(200, {{"id", request->id}, {"items", std::move(items)}}),
                                     std::move(respond));
              }});
  router.add({"POST", "/v1/requests/{id}/messages", "Write to the other side; the subject's reply resumes the request",
              {false, true, {Role::admin, Role::verifier, Role::reviewer, Role::supervisor}},
              [&context](const HttpRequest& http, const Caller& caller, const RouteParams& p, Respond respond) {
                post_message(http, caller, context, p.at("id"), std::move(respond));
              }});
  router.add({"GET", "/v1/requests/{id}/messages", "The correspondence of a request", {false, true, kBackOffice},
              [&context](const HttpRequest& http, const Caller& caller, const RouteParams& p, Respond respond) {
                list_messages(http, caller, context, p.at("id"), std::move(respond));
              }});
  router.add({"POST", "/v1/requests/{id}/transitions", "Fire a workflow event", {false, false, kActors},
              [&context](const HttpRequest& http, const Caller& caller, const RouteParams& p, Respond respond) {
                fire_event(http, caller, context, p.at("id"), std::nullopt, std::move(respond));
              }});
  router.add({"POST", "/v1/requests/{id}/assignment", "Assign a request to a member of staff",
              {false, false, {Role::admin, Role::verifier, Role::reviewer, Role::supervisor}},
              [&context](const HttpRequest& http, const Caller& caller, const RouteParams& p, Respond respond) {
                fire_event(http, caller, context, p.at("id"), "assign", std::move(respond));
              }});
  router.add({"POST", "/v1/requests/{id}/extension", "Apply the policy's extension, once", {false, false, {Role::supervisor}},
              [&context](const HttpRequest& http, const Caller& caller, const RouteParams& p, Respond respond) {
                fire_event(http, caller, context, p.at("id"), "extend", std::move(respond));
              }});
}

}  // namespace dsr::api
