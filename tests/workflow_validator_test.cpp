// Every kind of broken workflow definition is refused with an error that
// names the file and the JSON path. One fixture per kind, under
// tests/fixtures/invalid/<kind>/access.json, each breaking exactly one rule
// of the valid tests/fixtures/valid/access.json.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "engine/workflow_set.hpp"

using namespace dsr;

namespace {

SourceFile fixture(const std::string& relative) {
  std::ifstream in(std::string(DSR_FIXTURES_DIR) + "/" + relative);
  REQUIRE(in.good());
  std::ostringstream text;
  text << in.rdbuf();
  return {"access.json", text.str()};
}

std::string all(const DefinitionErrors& errors) {
  std::string out;
  for (const auto& e : errors) out += e.to_string() + "\n";
  return out;
}

struct Expected {
  std::string kind;     // the fixture folder
  std::string path;     // JSON path the error must name
  std::string message;  // a fragment of its message
  std::size_t count;    // how many errors the fixture yields in all
};

}  // namespace

TEST_CASE("the valid fixture loads", "[validator]") {
  auto w = parse_workflow(fixture("valid/access.json"));
  INFO((w.ok() ? "" : all(w.error())));
  REQUIRE(w.ok());
  CHECK(w->states.size() == 4);
  CHECK(w->transitions.size() == 3);
}

TEST_CASE("each broken definition is refused, naming file and JSON path", "[validator]") {
  const std::vector<Expected> cases{
      {"unknown_state", "$.transitions[1].to", "unknown state \"complete\"", 1},
      {"unknown_from_state", "$.transitions[0].from[0]", "unknown state \"verifyin\"", 1},
      {"unreachable_state", "$.states[2]", "state \"on_hold\" is unreachable", 1},
      {"dead_end", "$.states[2]", "state \"on_hold\" is not terminal but has no way out", 1},
      {"trap", "$.states[2]", "no terminal state can be reached from \"on_hold\"", 2},
      {"event_without_role", "$.transitions[1].roles", "event \"approve\" has no role", 1},
      {"unknown_role", "$.transitions[1].roles[1]", "unknown role \"boss\"", 1},
      {"duplicate_transition", "$.transitions[3]", "duplicate transition: \"approve\" is already defined in state \"in_review\"", 1},
      {"rejection_without_reason", "$.transitions[2].reason", "a rejection must require a reason", 1},
      {"rejection_state_without_reason", "$.transitions[2].reason", "a rejection must require a reason", 1},
      {"unknown_field", "$.transitions[1].rolse", "unknown field", 1},
      {"state_not_in_vocabulary", "$.states[1].state", "\"pending\" is not in the shared state vocabulary", 1},
      {"duplicate_state", "$.states[4].state", "state \"in_review\" is declared twice", 1},
      {"unknown_step_kind", "$.states[1].kind", "unknown step kind \"approval\"", 1},
      {"unknown_clock_effect", "$.transitions[1].clock", "unknown clock effect \"stop\"", 1},
      {"unknown_distinct_from", "$.transitions[1].distinct_from[0]", "unknown event \"aprove\"", 1},
      {"unknown_after", "$.transitions[1].after[0]", "unknown event \"verfy\"", 1},
      {"transition_from_terminal", "$.transitions[3].from[0]", "\"completed\" is terminal", 1},
      {"type_mismatch", "$.type", "does not match the file name", 1},
      {"wrong_type", "$.transitions[1].reason", "expected a string, found a boolean", 2},
      {"wrong_type", "$.transitions[1].roles", "expected a string or an array of strings, found an object", 2},
      {"missing_start", "$.start", "required field is missing", 1},
      {"not_json", "", "not valid JSON at line 7", 1},
  };
  for (const auto& c : cases) {
    SECTION(c.kind + " at " + c.path) {
      auto w = parse_workflow(fixture("invalid/" + c.kind + "/access.json"));
      REQUIRE_FALSE(w.ok());
      const auto& errors = w.error();
      INFO(all(errors));
      CHECK(errors.size() == c.count);
      bool found = std::any_of(errors.begin(), errors.end(), [&](const DefinitionError& e) {
        return e.file == "access.json" && e.path == c.path && e.message.find(c.message) != std::string::npos;
      });
      CHECK(found);
    }
  }
}

TEST_CASE("a definition with many problems lists every one", "[validator]") {
  SourceFile file{"access.json", R"({
    "type": "access", "colour": "blue",
    "states": [{"state": "verifying", "kind": "verification"}, {"state": "completed", "kind": "terminal"}],
    "start": {"event": "submit", "to": "verifying", "roles": ["subject"]},
    "transitions": [
      {"event": "verify", "from": "verifying", "to": "nowhere", "roles": []},
      {"event": "reject", "from": "verifying", "to": "completed", "roles": ["verifier"]}
    ]})"};
  auto w = parse_workflow(file);
  REQUIRE_FALSE(w.ok());
  INFO(all(w.error()));
  CHECK(w.error().size() == 4);  // unknown field, unknown state, no role, rejection without reason
}

TEST_CASE("a workflow set needs every request type of the API", "[validator]") {
  std::vector<SourceFile> files{fixture("valid/access.json")};
  auto set = load_workflow_set(files);
  REQUIRE_FALSE(set.ok());
  INFO(all(set.error()));
  CHECK(set.error().size() == 3);
  CHECK(set.error()[0].to_string().find("rectification") != std::string::npos);
}

TEST_CASE("a broken file in a set is reported, not also called missing", "[validator]") {
  std::vector<SourceFile> files{fixture("invalid/unknown_state/access.json")};
  auto set = load_workflow_set(files);
  REQUIRE_FALSE(set.ok());
  auto mentions_access_missing = std::any_of(set.error().begin(), set.error().end(), [](const auto& e) {
    return e.message.find("\"access\"") != std::string::npos && e.message.find("missing") != std::string::npos;
  });
  CHECK_FALSE(mentions_access_missing);
}
