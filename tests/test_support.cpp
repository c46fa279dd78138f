#include "test_support.hpp"

#include <catch2/catch.hpp>

#include "app/definition_files.hpp"

namespace dsr::test {

const WorkflowSet& shipped_workflows() {
  static const WorkflowSet set = [] {
    auto files = app::read_definition_files(DSR_WORKFLOWS_DIR);
    REQUIRE(files.ok());
    auto loaded = load_workflow_set(*files);
    if (!loaded) {
      for (const auto& e : loaded.error()) UNSCOPED_INFO(e.to_string());
    }
    REQUIRE(loaded.ok());
    return std::move(loaded).value();
  }();
  return set;
}

const SlaCatalog& shipped_policies() {
  static const SlaCatalog catalog = [] {
    auto files = app::read_definition_files(DSR_WORKFLOWS_DIR);
    REQUIRE(files.ok());
    auto loaded = load_sla_catalog(*files);
    if (!loaded) {
      for (const auto& e : loaded.error()) UNSCOPED_INFO(e.to_string());
    }
    REQUIRE(loaded.ok());
    return std::move(loaded).value();
  }();
  return catalog;
}

const MessageCatalog& shipped_messages() {
  static const MessageCatalog catalog = [] {
    auto files = app::read_definition_files(DSR_WORKFLOWS_DIR);
    REQUIRE(files.ok());
    auto loaded = load_message_catalog(*files, shipped_workflows());
    if (!loaded) {
      for (const auto& e : loaded.error()) UNSCOPED_INFO(e.to_string());
    }
    REQUIRE(loaded.ok());
    return std::move(loaded).value();
  }();
  return catalog;
}

const Workflow& shipped(std::string_view type) {
  const Workflow* w = shipped_workflows().find(type);
  REQUIRE(w != nullptr);
  return *w;
}

TimePoint at(std::string_view rfc3339) {
  auto t = parse_rfc3339(rfc3339);
  REQUIRE(t.has_value());
  return *t;
}

Actor actor(Role role, std::string principal) {
  if (principal.empty()) principal = std::string(to_string(role)) + "-1";
  return {std::move(principal), role};
}

Request submitted(const Workflow& workflow, const Actor& filer, TimePoint when) {
  // A type staff file (a breach notice) is filed by the first role its start names.
  Actor by = workflow.start.allows(filer.role) ? filer : actor(workflow.start.roles.front(), "filer");
  auto first = decide_submission(workflow, by, when);
  REQUIRE(first.ok());
  return fold_request({"req-1", workflow.type, "id-pdp", "subject-ref-1"}, std::span(&first.value(), 1));
}

std::optional<RefusalKind> try_fire(const Workflow& workflow, Request& request, const std::string& event,
                                    const Actor& who, std::string reason) {
  Command c{event, who, std::move(reason), request.version, request.events.back().at + std::chrono::minutes(5), {}};
  auto decided = decide(workflow, request, c);
  if (!decided) return decided.error().kind;
  apply_event(request, decided.value());
  return std::nullopt;
}

void fire(const Workflow& workflow, Request& request, const std::string& event, const Actor& who,
          std::string reason) {
  INFO("firing " << event << " as " << who.principal << " in " << request.state);
  auto refusal = try_fire(workflow, request, event, who, std::move(reason));
  REQUIRE_FALSE(refusal.has_value());
}

}  // namespace dsr::test
