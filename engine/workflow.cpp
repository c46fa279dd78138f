#include "engine/workflow.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace dsr {
namespace {

template <class Enum, std::size_t N>
using NameTable = std::array<std::pair<Enum, std::string_view>, N>;

constexpr NameTable<StepKind, 8> kStepKinds{{
    {StepKind::intake, "intake"},
    {StepKind::verification, "verification"},
    {StepKind::review, "review"},
    {StepKind::subject_input, "subject_input"},
    {StepKind::hold, "hold"},
    {StepKind::fulfilment, "fulfilment"},
    {StepKind::recipient_notification, "recipient_notification"},
    {StepKind::terminal, "terminal"},
}};

constexpr NameTable<ClockEffect, 4> kClockEffects{{
    {ClockEffect::none, "none"},
    {ClockEffect::run, "run"},
    {ClockEffect::pause, "pause"},
    {ClockEffect::extend, "extend"},
}};

constexpr NameTable<ReasonRule, 3> kReasonRules{{
    {ReasonRule::none, "none"},
    {ReasonRule::optional, "optional"},
    {ReasonRule::required, "required"},
}};

constexpr NameTable<Effect, 9> kEffects{{
    {Effect::apply_corrections, "apply_corrections"},
    {Effect::erase_subject, "erase_subject"},
    {Effect::notify_recipients, "notify_recipients"},
    {Effect::withdraw_consent, "withdraw_consent"},
    {Effect::restrict_processing, "restrict_processing"},
    {Effect::lift_restriction, "lift_restriction"},
    {Effect::transfer_export, "transfer_export"},
    {Effect::notify_affected_subjects, "notify_affected_subjects"},
    {Effect::release_to_authority, "release_to_authority"},
}};

constexpr NameTable<Guard, 2> kGuards{{
    {Guard::none, "none"},
    {Guard::all_recipients_acknowledged, "all_recipients_acknowledged"},
}};

constexpr std::array<std::string_view, 13> kStateVocabulary{
    "received",     "verifying", "in_review",  "second_review",
    "awaiting_subject", "on_hold", "fulfilling", "notifying_recipients",
    "completed",    "partially_completed", "rejected", "withdrawn", "expired"};

template <class Enum, std::size_t N>
std::string_view name_of(const NameTable<Enum, N>& table, Enum value) {
  for (const auto& [e, name] : table)
    if (e == value) return name;
  return "unknown";
}

template <class Enum, std::size_t N>
std::optional<Enum> value_of(const NameTable<Enum, N>& table, std::string_view name) {
  for (const auto& [e, n] : table)
    if (n == name) return e;
  return std::nullopt;
}

}  // namespace

bool Transition::allows(Role role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

bool Transition::has_effect(Effect effect) const {
  return std::find(effects.begin(), effects.end(), effect) != effects.end();
}

bool Transition::fires_in(std::string_view state) const {
  return std::find(from.begin(), from.end(), state) != from.end();
}

const State* Workflow::find_state(std::string_view name) const {
  auto it = std::find_if(states.begin(), states.end(),
                         [&](const State& s) { return s.name == name; });
  return it == states.end() ? nullptr : &*it;
}

bool Workflow::is_terminal(std::string_view state) const {
  const State* s = find_state(state);
  return s != nullptr && s->kind == StepKind::terminal;
}

const Transition* Workflow::find(std::string_view state, std::string_view event) const {
  for (const auto& t : transitions)
    if (t.event == event && t.fires_in(state)) return &t;
  return nullptr;
}

bool Workflow::has_event(std::string_view event) const {
  return std::any_of(transitions.begin(), transitions.end(),
                     [&](const Transition& t) { return t.event == event; });
}

std::string_view to_string(StepKind kind) { return name_of(kStepKinds, kind); }
std::string_view to_string(ClockEffect effect) { return name_of(kClockEffects, effect); }
std::string_view to_string(ReasonRule rule) { return name_of(kReasonRules, rule); }
std::string_view to_string(Effect effect) { return name_of(kEffects, effect); }
std::string_view to_string(Guard guard) { return name_of(kGuards, guard); }
std::optional<Effect> parse_effect(std::string_view n) { return value_of(kEffects, n); }
std::optional<Guard> parse_guard(std::string_view n) { return value_of(kGuards, n); }
std::optional<StepKind> parse_step_kind(std::string_view n) { return value_of(kStepKinds, n); }
std::optional<ClockEffect> parse_clock_effect(std::string_view n) { return value_of(kClockEffects, n); }
std::optional<ReasonRule> parse_reason_rule(std::string_view n) { return value_of(kReasonRules, n); }

bool is_known_state_name(std::string_view name) {
  return std::find(kStateVocabulary.begin(), kStateVocabulary.end(), name) !=
         kStateVocabulary.end();
}

}  // namespace dsr
