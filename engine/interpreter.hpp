// The workflow interpreter: pure functions from (workflow, request, command)
// to the event to record, or a typed refusal. No I/O, no clock of its own:
// the command carries its time. Thread-safe (no state).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/request.hpp"
#include "engine/result.hpp"
#include "engine/workflow.hpp"

namespace dsr {

// The Command::data key of a prohibition to tell the subjects (policy D.7),
// an RFC 3339 instant; its legal basis is the command's reason.
inline constexpr std::string_view kNoticeProhibitedUntil = "notice_prohibited_until";

struct Command {
  std::string event;
  Actor actor;
  std::string reason;                // empty: none given
  std::int64_t expected_version = 0; // the version the caller last saw
  TimePoint at;
  std::map<std::string, std::string> data;
};

enum class RefusalKind {
  stale_version,         // someone else acted first: reload
  unknown_event,         // the workflow has no such event at all
  not_allowed_in_state,  // the event exists, but not in the current state
  role_not_allowed,      // the caller's role may not fire it
  four_eyes_violated,    // this principal already acted where a second pair of eyes is required
  reason_missing,        // the transition requires a reason
  already_extended,      // the deadline may be extended once only
  already_done,          // a transition that fires once has fired on this request
  earlier_step_missing,  // a transition that comes after another, which has not fired yet
  notice_prohibition_refused,  // notice_prohibited_until where the transition allows none, or not in the future
};

struct Refusal {
  RefusalKind kind;
  std::string message;  // says what was wrong and what to do instead
};

std::string_view to_string(RefusalKind kind);

// The HTTP-facing category of a refusal (409, 403, 422 in the API).
Error to_error(const Refusal& refusal);

// Decides whether `command` may fire on `request`; returns the event to
// append (sequence = version + 1) or why not. Checks, in order: version,
// event, state, role, four-eyes, order (once, after), reason, a notice
// prohibition (allowed, in the future, with its basis as the reason), and
// that an extension is the first.
Result<Event, Refusal> decide(const Workflow& workflow, const Request& request, const Command& command);

// The first event of a new request ("submit"), or why the actor may not file.
Result<Event, Refusal> decide_submission(const Workflow& workflow, const Actor& actor, TimePoint at);

// Events `actor` could fire now (role and four-eyes allowed), in workflow
// order; reasons are not checked, since the caller has yet to give one.
std::vector<std::string> allowed_events(const Workflow& workflow, const Request& request, const Actor& actor);

}  // namespace dsr
