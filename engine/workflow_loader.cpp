// Loading and validating workflow definitions. The format is described in
// docs/architecture.md; the checks here are what make a bad file a start-up
// error instead of a request stuck in production.
#include <boost/json/value.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <deque>
#include <set>

#include "engine/detail/json_fields.hpp"
#include "engine/workflow_set.hpp"

namespace dsr {
namespace {

using detail::Diagnostics;
using detail::ObjectReader;

constexpr std::array<std::string_view, 4> kRequiredTypes{
    "access", "rectification", "erasure", "automated_decision_objection"};

std::string quoted_list(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "\"" : ", \"") + n + "\"";
  return out;
}

std::string file_stem(std::string_view path) {
  auto slash = path.rfind('/');
  if (slash != std::string_view::npos) path.remove_prefix(slash + 1);
  if (path.ends_with(".json")) path.remove_suffix(5);
  return std::string(path);
}

// Where each transition came from, for messages after parsing.
struct ParsedTransition {
  Transition transition;
  std::string path;
  bool from_wildcard = false;
  bool to_present = false;
};

class WorkflowParser {
 public:
  explicit WorkflowParser(const SourceFile& file) : file_(file), diag_(file.path) {}

  Result<Workflow, DefinitionErrors> run() {
    auto root = detail::parse_json(file_.content, diag_);
    if (!root) return fail(diag_.take());
    // Cross-checks run even after field errors, so one pass lists them all;
    // only the graph checks wait for sound references.
    if (parse_root(*root)) validate();
    if (!diag_.empty()) return fail(diag_.take());
    return std::move(workflow_);
  }

 private:
  // False if the root is not even an object.
  bool parse_root(const boost::json::value& root) {
    ObjectReader r(root, "$", diag_);
    if (!r.valid()) return false;
    workflow_.source = file_.path;
    if (auto type = r.string("type", true)) {
      workflow_.type = *type;
      if (*type != file_stem(file_.path))
        diag_.add("$.type", fmt::format("type \"{}\" does not match the file name \"{}\"; name the file "
                                        "after its request type", *type, file_stem(file_.path)));
    }
    workflow_.title = r.string("title", false).value_or("");
    if (const auto* states = r.array("states", true)) parse_states(*states);
    if (const auto* start = r.value("start", true)) {
      start_ = parse_transition(*start, "$.start", /*is_start=*/true);
    }
    if (const auto* transitions = r.array("transitions", true)) {
      for (std::size_t i = 0; i < transitions->size(); ++i)
        transitions_.push_back(parse_transition((*transitions)[i], fmt::format("$.transitions[{}]", i), false));
    }
    return true;
  }

  void parse_states(const boost::json::array& states) {
    for (std::size_t i = 0; i < states.size(); ++i) {
      std::string path = fmt::format("$.states[{}]", i);
      ObjectReader r(states[i], path, diag_);
      State state;
      auto name = r.string("state", true);
      auto kind = r.string("kind", true);
      state.description = r.string("description", false).value_or("");
      if (!name || !kind) continue;
      state.name = *name;
      if (!is_known_state_name(*name))
        diag_.add(path + ".state", fmt::format("\"{}\" is not in the shared state vocabulary "
                                               "(see docs/architecture.md)", *name));
      if (auto k = parse_step_kind(*kind)) {
        state.kind = *k;
      } else {
        diag_.add(path + ".kind", fmt::format("unknown step kind \"{}\"", *kind));
      }
      if (workflow_.find_state(*name) != nullptr) {
        diag_.add(path + ".state", fmt::format("state \"{}\" is declared twice", *name));
        continue;
      }
      workflow_.states.push_back(std::move(state));
    }
  }

  ParsedTransition parse_transition(const boost::json::value& v, std::string path, bool is_start) {
    ParsedTransition parsed;
    parsed.path = path;
    Transition& t = parsed.transition;
    ObjectReader r(v, path, diag_);
    if (!r.valid()) return parsed;
    t.event = r.string("event", true).value_or("");
    if (!is_start) {
      if (auto from = r.strings("from", true)) {
        t.from = *from;
        parsed.from_wildcard = std::find(t.from.begin(), t.from.end(), "*") != t.from.end();
        if (t.from.empty()) diag_.add(path + ".from", "lists no state");
      }
    } else if (!t.event.empty() && t.event != kSubmitEvent) {
      diag_.add(path + ".event", fmt::format("the start event must be \"{}\"", kSubmitEvent));
    }
    if (auto to = r.string("to", is_start)) {
      t.to = *to;
      parsed.to_present = true;
    }
    if (auto roles = r.strings("roles", true)) {
      if (roles->empty()) diag_.add(path + ".roles", fmt::format("event \"{}\" has no role that may fire it", t.event));
      for (std::size_t i = 0; i < roles->size(); ++i) {
        if (auto role = parse_role((*roles)[i])) {
          t.roles.push_back(*role);
        } else {
          diag_.add(fmt::format("{}.roles[{}]", path, i), fmt::format("unknown role \"{}\"", (*roles)[i]));
        }
      }
    }
    if (auto reason = r.string("reason", false)) {
      if (auto rule = parse_reason_rule(*reason)) {
        t.reason = *rule;
      } else {
        diag_.add(path + ".reason", fmt::format("unknown reason rule \"{}\" (none, optional, required)", *reason));
      }
    }
    t.reason_public = r.boolean("public").value_or(false);
    t.distinct_from = r.strings("distinct_from", false).value_or(std::vector<std::string>{});
    t.once = r.boolean("once").value_or(false);
    t.after = r.strings("after", false).value_or(std::vector<std::string>{});
    t.notice_prohibition = r.boolean("notice_prohibition").value_or(false);
    if (auto clock = r.string("clock", false)) {
      if (auto effect = parse_clock_effect(*clock)) {
        t.clock = *effect;
      } else {
        diag_.add(path + ".clock", fmt::format("unknown clock effect \"{}\" (none, run, pause, extend)", *clock));
      }
    }
    t.outcome = r.string("outcome", false).value_or("");
    t.description = r.string("description", false).value_or("");
    t.notify_subject = r.string("notify_subject", false).value_or("");
    if (auto effects = r.strings("effects", false)) {
      for (std::size_t i = 0; i < effects->size(); ++i) {
        if (auto effect = parse_effect((*effects)[i])) {
          t.effects.push_back(*effect);
        } else {
          diag_.add(fmt::format("{}.effects[{}]", path, i),
                    fmt::format("unknown effect \"{}\" (apply_corrections, erase_subject, notify_recipients, withdraw_consent, "
                                "restrict_processing, lift_restriction, transfer_export, notify_affected_subjects, "
                                "release_to_authority)",
                                (*effects)[i]));
        }
      }
    }
    if (auto guard = r.string("guard", false)) {
      if (auto g = parse_guard(*guard)) {
        t.guard = *g;
      } else {
        diag_.add(path + ".guard", fmt::format("unknown guard \"{}\" (none, all_recipients_acknowledged)", *guard));
      }
    }
    if (is_start && (!t.effects.empty() || t.guard != Guard::none))
      diag_.add(path, "the start event can have neither effects nor a guard");
    return parsed;
  }

  void check_state_ref(const std::string& name, const std::string& path) {
    if (workflow_.find_state(name) == nullptr) diag_.add(path, fmt::format("unknown state \"{}\"", name));
  }

  // Recipients are told while the request waits in a recipient_notification
  // step, and only a guard that waits for them can end that wait on its own.
  void check_effects(const ParsedTransition& parsed) {
    const Transition& t = parsed.transition;
    const State* to = t.to ? workflow_.find_state(*t.to) : nullptr;
    // Or the request stays where it is (lifting a restriction of a
    // completed request): nothing then waits for the acknowledgements.
    if (t.has_effect(Effect::notify_recipients) && to != nullptr && to->kind != StepKind::recipient_notification)
      diag_.add(parsed.path + ".to", fmt::format("\"notify_recipients\" must lead to a recipient_notification step "
                                                 "or stay in the state it fires in, not go to \"{}\"", *t.to));
    if (t.guard == Guard::all_recipients_acknowledged &&
        std::none_of(t.from.begin(), t.from.end(), [&](const std::string& s) {
          const State* from = workflow_.find_state(s);
          return from != nullptr && from->kind == StepKind::recipient_notification;
        }))
      diag_.add(parsed.path + ".guard", "\"all_recipients_acknowledged\" only makes sense from a recipient_notification step");
  }

  std::vector<std::string> non_terminal_states() const {
    std::vector<std::string> out;
    for (const auto& s : workflow_.states)
      if (s.kind != StepKind::terminal) out.push_back(s.name);
    return out;
  }

  void validate() {
    if (start_.transition.to) check_state_ref(*start_.transition.to, "$.start.to");
    if (start_.transition.clock != ClockEffect::run && start_.transition.clock != ClockEffect::none)
      diag_.add("$.start.clock", "the start event can only start the clock (\"run\")");

    std::set<std::string> events;
    for (auto& parsed : transitions_) events.insert(parsed.transition.event);
    events.insert(std::string(kSubmitEvent));

    std::set<std::pair<std::string, std::string>> seen;  // (state, event)
    for (auto& parsed : transitions_) {
      Transition& t = parsed.transition;
      if (parsed.from_wildcard) {
        if (t.from.size() != 1) diag_.add(parsed.path + ".from", "\"*\" must stand alone");
        t.from = non_terminal_states();
      } else {
        for (std::size_t i = 0; i < t.from.size(); ++i) {
          std::string path = fmt::format("{}.from[{}]", parsed.path, i);
          check_state_ref(t.from[i], path);
          // An event that stays (lifting a completed restriction) may fire
          // in a terminal state; nothing may leave one.
          if (workflow_.is_terminal(t.from[i]) && t.to)
            diag_.add(path, fmt::format("\"{}\" is terminal: nothing may leave it", t.from[i]));
        }
      }
      if (t.to) check_state_ref(*t.to, parsed.path + ".to");
      for (const auto& state : t.from) {
        if (!seen.emplace(state, t.event).second)
          diag_.add(parsed.path, fmt::format("duplicate transition: \"{}\" is already defined in state \"{}\"",
                                             t.event, state));
      }
      for (std::size_t i = 0; i < t.after.size(); ++i)
        if (!events.contains(t.after[i]))
          diag_.add(fmt::format("{}.after[{}]", parsed.path, i), fmt::format("unknown event \"{}\"", t.after[i]));
      for (std::size_t i = 0; i < t.distinct_from.size(); ++i) {
        if (!events.contains(t.distinct_from[i]))
          diag_.add(fmt::format("{}.distinct_from[{}]", parsed.path, i),
                    fmt::format("unknown event \"{}\"", t.distinct_from[i]));
      }
      bool rejects = t.event == "reject" || (t.to && *t.to == "rejected");
      if (rejects && t.reason != ReasonRule::required)
        diag_.add(parsed.path + ".reason", "a rejection must require a reason (\"reason\": \"required\")");
      if (t.clock == ClockEffect::extend && t.to)
        diag_.add(parsed.path + ".to", "an extension does not change the state; remove \"to\"");
      check_effects(parsed);
      workflow_.transitions.push_back(t);
    }
    workflow_.start = start_.transition;
    if (!diag_.empty()) return;  // the graph checks need sound references
    check_graph();
  }

  // Reachability from the start state, dead ends, and traps (states from
  // which no terminal state can ever be reached).
  void check_graph() {
    std::set<std::string> reachable{*workflow_.start.to};
    std::deque<std::string> queue{*workflow_.start.to};
    while (!queue.empty()) {
      std::string state = queue.front();
      queue.pop_front();
      for (const auto& t : workflow_.transitions)
        if (t.to && t.fires_in(state) && reachable.insert(*t.to).second) queue.push_back(*t.to);
    }
    std::set<std::string> can_finish;
    for (const auto& s : workflow_.states)
      if (s.kind == StepKind::terminal) can_finish.insert(s.name);
    for (bool grew = true; grew;) {
      grew = false;
      for (const auto& t : workflow_.transitions) {
        if (!t.to || !can_finish.contains(*t.to)) continue;
        for (const auto& from : t.from) grew |= can_finish.insert(from).second;
      }
    }
    for (std::size_t i = 0; i < workflow_.states.size(); ++i) {
      const State& s = workflow_.states[i];
      std::string path = fmt::format("$.states[{}]", i);
      if (!reachable.contains(s.name)) {
        diag_.add(path, fmt::format("state \"{}\" is unreachable from the start", s.name));
        continue;
      }
      if (s.kind == StepKind::terminal) continue;
      bool has_exit = std::any_of(workflow_.transitions.begin(), workflow_.transitions.end(),
                                  [&](const Transition& t) { return t.to && *t.to != s.name && t.fires_in(s.name); });
      if (!has_exit) {
        diag_.add(path, fmt::format("state \"{}\" is not terminal but has no way out", s.name));
      } else if (!can_finish.contains(s.name)) {
        diag_.add(path, fmt::format("no terminal state can be reached from \"{}\"", s.name));
      }
    }
  }

  const SourceFile& file_;
  Diagnostics diag_;
  Workflow workflow_;
  ParsedTransition start_;
  std::vector<ParsedTransition> transitions_;
};

bool is_workflow_file(std::string_view path) {
  return path.find('/') == std::string_view::npos && path.ends_with(".json");
}

}  // namespace

std::span<const std::string_view> required_request_types() { return kRequiredTypes; }

const Workflow* WorkflowSet::find(std::string_view type) const {
  auto it = by_type_.find(type);
  return it == by_type_.end() ? nullptr : &it->second;
}

std::vector<std::string> WorkflowSet::types() const {
  std::vector<std::string> out;
  for (const auto& [type, unused] : by_type_) out.push_back(type);
  return out;
}

void WorkflowSet::add(Workflow workflow) {
  std::string type = workflow.type;
  by_type_.insert_or_assign(std::move(type), std::move(workflow));
}

Result<Workflow, DefinitionErrors> parse_workflow(const SourceFile& file) {
  return WorkflowParser(file).run();
}

Result<WorkflowSet, DefinitionErrors> load_workflow_set(std::span<const SourceFile> files) {
  WorkflowSet set;
  DefinitionErrors errors;
  std::vector<std::string> loaded;
  for (const auto& file : files) {
    if (!is_workflow_file(file.path)) continue;
    auto workflow = parse_workflow(file);
    if (!workflow) {
      errors.insert(errors.end(), workflow.error().begin(), workflow.error().end());
      continue;
    }
    loaded.push_back(workflow->type);
    set.add(std::move(workflow).value());
  }
  for (auto type : kRequiredTypes) {
    bool broken_file_present = std::any_of(files.begin(), files.end(), [&](const SourceFile& f) {
      return is_workflow_file(f.path) && file_stem(f.path) == type;
    });
    if (set.find(type) == nullptr && !broken_file_present)
      errors.push_back({std::string(type) + ".json", "",
                        fmt::format("missing: every workflow set needs the request type \"{}\" "
                                    "(loaded: {})", type, loaded.empty() ? "none" : quoted_list(loaded))});
  }
  if (!errors.empty()) return fail(std::move(errors));
  return set;
}

}  // namespace dsr
