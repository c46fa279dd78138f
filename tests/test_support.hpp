// Helpers shared by the unit tests: the shipped workflows, actors, and a
// driver that walks a request through a workflow with the interpreter.
#pragma once

#include <string>
#include <vector>

#include "engine/interpreter.hpp"
#include "engine/message_catalog.hpp"
#include "engine/request.hpp"
#include "engine/sla_policy.hpp"
#include "engine/workflow_set.hpp"

namespace dsr::test {

// The workflows in the source tree's workflows/ folder, loaded through the
// same path as `dsr serve --workflows`; fails the test if they are invalid.
const WorkflowSet& shipped_workflows();
const Workflow& shipped(std::string_view type);

// The SLA policies and calendars under workflows/policies and calendars.
const SlaCatalog& shipped_policies();

// The message catalogues under workflows/messages.
const MessageCatalog& shipped_messages();

TimePoint at(std::string_view rfc3339);
Actor actor(Role role, std::string principal = "");

// A new request of `workflow`, filed by `filer` at `when`.
Request submitted(const Workflow& workflow, const Actor& filer = actor(Role::subject, "subject"),
                  TimePoint when = at("2025-03-03T02:15:00Z"));

// Fires `event` as `who` (with a reason, so reason rules never get in the
// way) and applies the result; fails the test if refused.
void fire(const Workflow& workflow, Request& request, const std::string& event, const Actor& who,
          std::string reason = "because");

// Tries to fire and returns the refusal kind, or nullopt if it was accepted
// (the request is then updated).
std::optional<RefusalKind> try_fire(const Workflow& workflow, Request& request, const std::string& event,
                                    const Actor& who, std::string reason = "because");

}  // namespace dsr::test
