#include "engine/interpreter.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

namespace dsr {
namespace {

Failure<Refusal> refuse(RefusalKind kind, std::string message) { return fail(Refusal{kind, std::move(message)}); }

std::string role_list(const std::vector<Role>& roles) {
  std::string out;
  for (Role r : roles) out += (out.empty() ? "" : ", ") + std::string(to_string(r));
  return out;
}

// The earlier event whose actor this principal was, among the events a
// four-eyes rule names; nullptr if the principal is clear to act.
const Event* conflicting_event(const Transition& t, const Request& request, const Actor& actor) {
  for (const auto& e : request.events) {
    bool named = std::find(t.distinct_from.begin(), t.distinct_from.end(), e.name) != t.distinct_from.end();
    if (named && e.actor.principal == actor.principal) return &e;
  }
  return nullptr;
}

bool fired(const Request& request, std::string_view event) {
  return std::any_of(request.events.begin(), request.events.end(), [&](const Event& e) { return e.name == event; });
}

// Why `t` may not fire now for its place in the request's journal, or nullopt.
std::optional<Refusal> order_refusal(const Transition& t, const Request& request) {
  if (t.once && fired(request, t.event))
    return Refusal{RefusalKind::already_done, fmt::format("\"{}\" has already been done on this request", t.event)};
  if (!t.after.empty() && std::none_of(t.after.begin(), t.after.end(), [&](const std::string& e) { return fired(request, e); })) {
    std::string needed;
    for (const auto& e : t.after) needed += (needed.empty() ? "\"" : " or \"") + e + "\"";
    return Refusal{RefusalKind::earlier_step_missing, fmt::format("\"{}\" comes after {}: do that first", t.event, needed)};
  }
  return std::nullopt;
}

// Why the command's notice prohibition may not stand, or nullopt (also when
// it carries none).
std::optional<Refusal> prohibition_refusal(const Transition& t, const Command& c) {
  auto given = c.data.find(std::string(kNoticeProhibitedUntil));
  if (given == c.data.end()) return std::nullopt;
  if (!t.notice_prohibition)
    return Refusal{RefusalKind::notice_prohibition_refused,
                   fmt::format("\"{}\" cannot withhold the subjects' notice: only the release of data to an authority "
                               "may carry notice_prohibited_until", c.event)};
  auto until = parse_rfc3339(given->second);
  if (!until || *until <= c.at)
    return Refusal{RefusalKind::notice_prohibition_refused,
                   "notice_prohibited_until must be an RFC 3339 instant in the future (when the prohibition ends)"};
  if (c.reason.empty())
    return Refusal{RefusalKind::reason_missing,
                   "a prohibition to tell the subjects needs its legal basis as the reason (the order or article)"};
  return std::nullopt;
}

Event make_event(const Transition& t, const Request& request, const Command& c) {
  Event e;
  e.sequence = request.version + 1;
  e.name = c.event;
  e.actor = c.actor;
  e.at = c.at;
  e.reason = c.reason;
  e.reason_public = t.reason_public;
  e.from_state = request.state;
  e.to_state = t.to.value_or(request.state);
  e.clock = t.clock;
  e.outcome = t.outcome;
  e.data = c.data;
  return e;
}

}  // namespace

std::string_view to_string(RefusalKind kind) {
  switch (kind) {
    case RefusalKind::stale_version: return "stale_version";
    case RefusalKind::unknown_event: return "unknown_event";
    case RefusalKind::not_allowed_in_state: return "not_allowed_in_state";
    case RefusalKind::role_not_allowed: return "role_not_allowed";
    case RefusalKind::four_eyes_violated: return "four_eyes_violated";
    case RefusalKind::reason_missing: return "reason_missing";
    case RefusalKind::already_extended: return "already_extended";
    case RefusalKind::already_done: return "already_done";
    case RefusalKind::earlier_step_missing: return "earlier_step_missing";
    case RefusalKind::notice_prohibition_refused: return "notice_prohibition_refused";
  }
  return "unknown";
}

Error to_error(const Refusal& refusal) {
  ErrorCode code = ErrorCode::internal;
  switch (refusal.kind) {
    case RefusalKind::stale_version:
    case RefusalKind::not_allowed_in_state:
    case RefusalKind::already_extended:
    case RefusalKind::already_done:
    case RefusalKind::earlier_step_missing: code = ErrorCode::conflict; break;
    case RefusalKind::role_not_allowed:
    case RefusalKind::four_eyes_violated: code = ErrorCode::forbidden; break;
    case RefusalKind::unknown_event:
    case RefusalKind::reason_missing:
    case RefusalKind::notice_prohibition_refused: code = ErrorCode::invalid_argument; break;
  }
  return Error(code, refusal.message, std::string(to_string(refusal.kind)));
}

Result<Event, Refusal> decide(const Workflow& workflow, const Request& request, const Command& c) {
  if (c.expected_version != request.version)
    return refuse(RefusalKind::stale_version,
                  fmt::format("request {} is at version {}, not {}: someone acted first; reload and try again",
                              request.id, request.version, c.expected_version));
  if (!workflow.has_event(c.event))
    return refuse(RefusalKind::unknown_event,
                  fmt::format("the {} workflow has no event \"{}\"", workflow.type, c.event));
  const Transition* t = workflow.find(request.state, c.event);
  if (t == nullptr)
    return refuse(RefusalKind::not_allowed_in_state,
                  fmt::format("\"{}\" is not allowed while the request is {}", c.event, request.state));
  if (!t->allows(c.actor.role))
    return refuse(RefusalKind::role_not_allowed,
                  fmt::format("the role {} may not fire \"{}\" (allowed: {})", to_string(c.actor.role), c.event,
                              role_list(t->roles)));
  if (const Event* earlier = conflicting_event(*t, request, c.actor))
    return refuse(RefusalKind::four_eyes_violated,
                  fmt::format("four-eyes rule: {} already fired \"{}\" on this request, so \"{}\" must come "
                              "from someone else",
                              c.actor.principal, earlier->name, c.event));
  if (auto refusal = order_refusal(*t, request)) return fail(std::move(*refusal));
  if (auto refusal = prohibition_refusal(*t, c)) return fail(std::move(*refusal));
  if (t->reason == ReasonRule::required && c.reason.empty())
    return refuse(RefusalKind::reason_missing, fmt::format("\"{}\" requires a reason", c.event));
  if (t->clock == ClockEffect::extend && request.extended)
    return refuse(RefusalKind::already_extended, "the deadline of this request has already been extended once");
  Event e = make_event(*t, request, c);
  if (t->reason == ReasonRule::none) e.reason.clear();
  return e;
}

Result<Event, Refusal> decide_submission(const Workflow& workflow, const Actor& actor, TimePoint at) {
  const Transition& t = workflow.start;
  if (!t.allows(actor.role))
    return refuse(RefusalKind::role_not_allowed,
                  fmt::format("the role {} may not file a {} request (allowed: {})", to_string(actor.role),
                              workflow.type, role_list(t.roles)));
  Request empty;
  Command c{std::string(kSubmitEvent), actor, "", 0, at, {}};
  return make_event(t, empty, c);
}

std::vector<std::string> allowed_events(const Workflow& workflow, const Request& request, const Actor& actor) {
  std::vector<std::string> out;
  for (const auto& t : workflow.transitions) {
    if (!t.fires_in(request.state) || !t.allows(actor.role)) continue;
    if (conflicting_event(t, request, actor) != nullptr || order_refusal(t, request)) continue;
    if (std::find(out.begin(), out.end(), t.event) == out.end()) out.push_back(t.event);
  }
  return out;
}

}  // namespace dsr
