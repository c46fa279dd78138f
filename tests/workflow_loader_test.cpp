// Reading the workflow format: what each field means once loaded.
#include <catch2/catch.hpp>

#include "app/definition_files.hpp"
#include "engine/workflow_set.hpp"
#include "test_support.hpp"

using namespace dsr;

TEST_CASE("the embedded workflows are the files in workflows/", "[loader]") {
  auto on_disk = app::read_definition_files(DSR_WORKFLOWS_DIR);
  REQUIRE(on_disk.ok());
  auto embedded = app::embedded_definition_files();
  REQUIRE(embedded.size() == on_disk->size());
  for (std::size_t i = 0; i < embedded.size(); ++i) {
    CHECK(embedded[i].path == (*on_disk)[i].path);
    CHECK(embedded[i].content == (*on_disk)[i].content);
  }
  CHECK(load_workflow_set(embedded).ok());
}

TEST_CASE("the shipped set has the request types of API v1 and v1.1's rights", "[loader]") {
  CHECK(test::shipped_workflows().types() ==
        std::vector<std::string>{"access", "authority_request", "automated_decision_objection", "breach_notice",
                                 "consent_withdrawal", "erasure", "inquiry", "portability", "rectification", "restriction"});
}

TEST_CASE("a star in from means every non-terminal state", "[loader]") {
  const Workflow& access = test::shipped("access");
  const Transition* extend = access.find("in_review", "extend");
  REQUIRE(extend != nullptr);
  CHECK(extend->from == std::vector<std::string>{"verifying", "in_review", "awaiting_subject", "on_hold", "fulfilling"});
  CHECK(access.find("completed", "extend") == nullptr);
}

TEST_CASE("a transition without \"to\" leaves the request in its state", "[loader]") {
  const Transition* assign = test::shipped("erasure").find("second_review", "assign");
  REQUIRE(assign != nullptr);
  CHECK_FALSE(assign->to.has_value());
  CHECK(assign->reason == ReasonRule::none);
}

TEST_CASE("omitted fields take their documented defaults", "[loader]") {
  const Transition* verify_manually = test::shipped("access").find("verifying", "verify_manually");
  REQUIRE(verify_manually != nullptr);
  CHECK(verify_manually->reason == ReasonRule::optional);
  CHECK_FALSE(verify_manually->reason_public);
  CHECK(verify_manually->clock == ClockEffect::none);
  CHECK(verify_manually->distinct_from.empty());
  CHECK(verify_manually->outcome.empty());
}

TEST_CASE("the start transition files the request", "[loader]") {
  const Workflow& w = test::shipped("rectification");
  CHECK(w.start.event == "submit");
  CHECK(w.start.to == "verifying");
  CHECK(w.start.clock == ClockEffect::run);
  CHECK(w.start.allows(Role::subject));
  CHECK(w.start.allows(Role::system));
  CHECK_FALSE(w.start.allows(Role::reviewer));
}

TEST_CASE("files in sub-folders are not workflows", "[loader]") {
  auto files = app::read_definition_files(DSR_WORKFLOWS_DIR);
  REQUIRE(files.ok());
  files->push_back({"policies/not-a-workflow.json", "{\"this is\": \"not a workflow\"}"});
  CHECK(load_workflow_set(*files).ok());
}

TEST_CASE("a directory that does not exist is a clear error", "[loader]") {
  auto files = app::read_definition_files("/nonexistent/workflows");
  REQUIRE_FALSE(files.ok());
  CHECK(files.error().message == "\"/nonexistent/workflows\" is not a directory of workflow files");
}
