// A data-subject request and its journal. Events are facts; the Request is
// the fold of its events (fold_request), and whatever a store keeps as the
// current row is only a cache of that fold. Plain values, no locking.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/role.hpp"
#include "engine/time.hpp"
#include "engine/workflow.hpp"

namespace dsr {

// Who did something: a principal name (token holder, "subject", the
// scheduler) acting in one role.
struct Actor {
  std::string principal;
  Role role = Role::subject;

  friend bool operator==(const Actor&, const Actor&) = default;
};

struct Event {
  std::int64_t sequence = 0;  // 1-based; equals the request version after it
  std::string name;           // "submit", "verify", "approve", ...
  Actor actor;
  TimePoint at;
  std::string reason;         // empty when none was given
  bool reason_public = false; // may be shown to the subject
  std::string from_state;     // empty for "submit"
  std::string to_state;
  ClockEffect clock = ClockEffect::none;
  std::string outcome;        // e.g. "upheld"; empty for none
  // Small facts that go with the event (e.g. "assignee"); values are text,
  // structured payloads are JSON text. Ordered, so that the canonical bytes
  // of an event do not depend on insertion order.
  std::map<std::string, std::string> data;

  friend bool operator==(const Event&, const Event&) = default;
};

struct Request {
  std::string id;
  std::string type;
  std::string policy;
  std::string subject_ref;    // pseudonymous reference into the vault
  std::string state;
  std::int64_t version = 0;   // number of events; for optimistic concurrency
  TimePoint received_at;
  bool extended = false;
  std::optional<std::string> assignee;
  std::string outcome;
  // The open request of the same type and subject this one duplicates
  // (the submit event's "duplicate_of"), so that reviewers work them together.
  std::optional<std::string> duplicate_of;
  // When the deadline counts from, if not from receipt: a breach notice's
  // clock runs from the moment the breach became known (UU PDP Pasal 46),
  // which may be before it was filed (the submit event's "clock_from").
  std::optional<TimePoint> clock_from;
  std::vector<Event> events;
};

// The identity of a request that its events do not carry.
struct RequestHeader {
  std::string id;
  std::string type;
  std::string policy;
  std::string subject_ref;
};

// Rebuilds a request from its header and journal. The journal must start
// with "submit" and be in sequence order.
Request fold_request(const RequestHeader& header, std::span<const Event> events);

// Applies one more event to a folded request.
void apply_event(Request& request, const Event& event);

}  // namespace dsr
