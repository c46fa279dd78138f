// A workflow definition: the transition table of one request type, loaded
// from a JSON file in workflows/ (see docs/architecture.md for the format).
// Immutable once loaded; safe to share between threads.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/role.hpp"

namespace dsr {

// What kind of step a state is; drives what the outer layers do on entry
// (send a code, notify recipients, stop the clock).
enum class StepKind {
  intake,                  // just filed
  verification,            // identity being checked
  review,                  // a human decides
  subject_input,           // waiting for the subject; the clock may pause
  hold,                    // suspended: instruction suspected unlawful (C.5)
  fulfilment,              // package, correct or shred
  recipient_notification,  // third parties told of the change (D.2)
  terminal,                // no way out
};

// What a transition does to the SLA clock.
enum class ClockEffect {
  none,    // unchanged
  run,     // resume if paused
  pause,   // stop counting (only where the policy allows)
  extend,  // apply the policy's extension (at most once)
};

enum class ReasonRule { none, optional, required };

// What a transition does besides moving the request: the fulfilment of a
// right, carried out in the same transaction as the event.
enum class Effect {
  apply_corrections,  // the corrections the subject asked for, to the record on file (F.6)
  erase_subject,      // crypto-shred the subject's record (F.5, E.7)
  notify_recipients,  // one notification per recipient of the subject's data (D.2)
  withdraw_consent,   // the withdrawal of details.purpose into the consent ledger (C.3, H.2); notices
                      // go only to recipients of data disclosed for that purpose
  restrict_processing,  // the record carries a restriction of details.categories (UU PDP Pasal 41)
  lift_restriction,     // the record's restriction ends
  transfer_export,      // the portable export to details.transfer_to, recorded as a disclosure (Pasal 13)
  notify_affected_subjects,  // a breach notice to every affected subject on file (G.2; Pasal 46)
  release_to_authority,      // each named subject's data to the authority, one disclosure each, and each
                             // subject told unless the notice is prohibited (D.7)
};

// A condition the engine checks before a transition may fire, beyond role,
// four-eyes and reason.
enum class Guard {
  none,
  all_recipients_acknowledged,  // every recipient notification of the request is acknowledged
};

struct State {
  std::string name;
  StepKind kind = StepKind::review;
  std::string description;
};

struct Transition {
  std::string event;
  std::vector<std::string> from;   // states it may fire in ("*" expanded)
  std::optional<std::string> to;   // nullopt: the request stays where it is
  std::vector<Role> roles;         // who may fire it
  ReasonRule reason = ReasonRule::optional;
  bool reason_public = false;      // shown to the subject in the history
  // Four-eyes: whoever fired any of these events on this request may not
  // fire this one. "submit" names the filer.
  std::vector<std::string> distinct_from;
  ClockEffect clock = ClockEffect::none;
  std::string outcome;             // e.g. "upheld"; empty for none
  std::string description;
  std::vector<Effect> effects;     // in the order the file lists them
  Guard guard = Guard::none;
  std::string notify_subject;      // message template sent to the subject; empty for none
  // Ordering on the request's own journal: fires at most once (`once`), and
  // only once one of `after` has fired (announcing the lifting of a
  // restriction before lifting it, GDPR Art. 18(3)).
  bool once = false;
  std::vector<std::string> after;
  // The event may carry notice_prohibited_until: an authority forbade
  // telling the subjects until then (policy D.7), its basis in the reason.
  bool notice_prohibition = false;

  bool has_effect(Effect effect) const;
  bool allows(Role role) const;
  bool fires_in(std::string_view state) const;
};

inline constexpr std::string_view kSubmitEvent = "submit";

struct Workflow {
  std::string type;         // "access", "erasure", ...
  std::string title;
  std::string source;       // file it was loaded from, for messages
  Transition start;         // the "submit" event that creates a request
  std::vector<State> states;
  std::vector<Transition> transitions;

  const State* find_state(std::string_view name) const;
  bool is_terminal(std::string_view state) const;
  // The transition for `event` in `state`, or nullptr.
  const Transition* find(std::string_view state, std::string_view event) const;
  bool has_event(std::string_view event) const;
};

std::string_view to_string(StepKind kind);
std::string_view to_string(ClockEffect effect);
std::string_view to_string(ReasonRule rule);
std::string_view to_string(Effect effect);
std::string_view to_string(Guard guard);
std::optional<Effect> parse_effect(std::string_view name);
std::optional<Guard> parse_guard(std::string_view name);
std::optional<StepKind> parse_step_kind(std::string_view name);
std::optional<ClockEffect> parse_clock_effect(std::string_view name);
std::optional<ReasonRule> parse_reason_rule(std::string_view name);

// The shared state vocabulary (DESIGN.md, "Domain"). Reports and the API
// rely on these names, so a workflow may use only these.
bool is_known_state_name(std::string_view name);

}  // namespace dsr
