// The interpreter's decisions and each kind of refusal, on the shipped
// workflows.
#include <catch2/catch.hpp>

#include "engine/interpreter.hpp"
#include "test_support.hpp"

using namespace dsr;
using test::actor;
using test::at;

namespace {

Command command(const Request& r, std::string event, Actor who, std::string reason = "") {
  return Command{std::move(event), std::move(who), std::move(reason), r.version, at("2025-03-03T03:00:00Z"), {}};
}

RefusalKind refusal_of(const Workflow& w, const Request& r, const Command& c) {
  auto decided = decide(w, r, c);
  REQUIRE_FALSE(decided.ok());
  return decided.error().kind;
}

}  // namespace

TEST_CASE("submitting starts a request in the start state", "[interpreter]") {
  const Workflow& w = test::shipped("access");
  Request r = test::submitted(w);
  CHECK(r.state == "verifying");
  CHECK(r.version == 1);
  CHECK(r.received_at == at("2025-03-03T02:15:00Z"));
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].name == "submit");
  CHECK(r.events[0].from_state.empty());
  CHECK(r.events[0].clock == ClockEffect::run);
}

TEST_CASE("only the roles of the start transition may file", "[interpreter]") {
  auto refused = decide_submission(test::shipped("access"), actor(Role::reviewer), at("2025-03-03T02:15:00Z"));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().kind == RefusalKind::role_not_allowed);
}

TEST_CASE("an accepted command becomes the next event", "[interpreter]") {
  const Workflow& w = test::shipped("access");
  Request r = test::submitted(w);
  test::fire(w, r, "verify", actor(Role::subject, "subject"));
  auto c = command(r, "request_info", actor(Role::reviewer, "rita"), "please send a copy of your KTP");
  c.data["note"] = "kept";
  auto e = decide(w, r, c);
  REQUIRE(e.ok());
  CHECK(e->sequence == 3);
  CHECK(e->name == "request_info");
  CHECK(e->actor == actor(Role::reviewer, "rita"));
  CHECK(e->from_state == "in_review");
  CHECK(e->to_state == "awaiting_subject");
  CHECK(e->clock == ClockEffect::pause);
  CHECK(e->reason == "please send a copy of your KTP");
  CHECK(e->reason_public);
  CHECK(e->at == at("2025-03-03T03:00:00Z"));
  CHECK(e->data.at("note") == "kept");
}

TEST_CASE("a stale version is refused before anything else", "[interpreter]") {
  const Workflow& w = test::shipped("access");
  Request r = test::submitted(w);
  auto c = command(r, "no_such_event", actor(Role::auditor));
  c.expected_version = 7;
  CHECK(refusal_of(w, r, c) == RefusalKind::stale_version);
  auto decided = decide(w, r, c);
  CHECK(decided.error().message.find("reload") != std::string::npos);
}

TEST_CASE("an event the workflow does not know is refused", "[interpreter]") {
  const Workflow& w = test::shipped("access");
  Request r = test::submitted(w);
  CHECK(refusal_of(w, r, command(r, "approve_everything", actor(Role::admin))) == RefusalKind::unknown_event);
}

TEST_CASE("a known event outside its states is refused", "[interpreter]") {
  const Workflow& w = test::shipped("access");
  Request r = test::submitted(w);
  CHECK(refusal_of(w, r, command(r, "approve", actor(Role::reviewer))) == RefusalKind::not_allowed_in_state);
}

TEST_CASE("a role the transition does not list is refused", "[interpreter]") {
  const Workflow& w = test::shipped("access");
  Request r = test::submitted(w);
  test::fire(w, r, "verify", actor(Role::subject, "subject"));
  for (Role role : {Role::admin, Role::auditor, Role::institution, Role::verifier, Role::subject, Role::system}) {
    INFO(to_string(role));
    CHECK(refusal_of(w, r, command(r, "approve", actor(role))) == RefusalKind::role_not_allowed);
  }
}

TEST_CASE("a required reason must be given", "[interpreter]") {
  const Workflow& w = test::shipped("access");
  Request r = test::submitted(w);
  test::fire(w, r, "verify", actor(Role::subject, "subject"));
  CHECK(refusal_of(w, r, command(r, "reject", actor(Role::reviewer), "")) == RefusalKind::reason_missing);
  CHECK(decide(w, r, command(r, "reject", actor(Role::reviewer), "identity does not match")).ok());
}

TEST_CASE("a reason where the workflow takes none is not recorded", "[interpreter]") {
  const Workflow& w = test::shipped("access");
  Request r = test::submitted(w);
  auto e = decide(w, r, command(r, "verify", actor(Role::subject, "subject"), "typed something"));
  REQUIRE(e.ok());
  CHECK(e->reason.empty());
}

TEST_CASE("four-eyes: the second erasure approval needs another principal", "[interpreter][four-eyes]") {
  const Workflow& w = test::shipped("erasure");
  Request r = test::submitted(w);
  test::fire(w, r, "verify", actor(Role::subject, "subject"));
  test::fire(w, r, "approve", actor(Role::reviewer, "ani"));
  REQUIRE(r.state == "second_review");

  // The same person holding a supervisor token is still the same pair of eyes.
  auto refused = decide(w, r, command(r, "approve", actor(Role::supervisor, "ani")));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().kind == RefusalKind::four_eyes_violated);
  CHECK(refused.error().message.find("ani already fired \"approve\"") != std::string::npos);
  CHECK(to_error(refused.error()).code == ErrorCode::forbidden);
  CHECK(to_error(refused.error()).kind == "four_eyes_violated");

  test::fire(w, r, "approve", actor(Role::supervisor, "budi"));
  CHECK(r.state == "fulfilling");
}

TEST_CASE("four-eyes: whoever filed a request may not approve it", "[interpreter][four-eyes]") {
  const Workflow& w = test::shipped("access");
  // A reviewer who also files through the back office (as system).
  Request r = test::submitted(w, actor(Role::system, "dewi"));
  test::fire(w, r, "verify_manually", actor(Role::verifier, "vera"));
  CHECK(refusal_of(w, r, command(r, "approve", actor(Role::reviewer, "dewi"))) == RefusalKind::four_eyes_violated);
  test::fire(w, r, "approve", actor(Role::reviewer, "rita"));
}

TEST_CASE("refusals map to the API's status categories", "[interpreter]") {
  CHECK(to_error({RefusalKind::stale_version, ""}).code == ErrorCode::conflict);
  CHECK(to_error({RefusalKind::not_allowed_in_state, ""}).code == ErrorCode::conflict);
  CHECK(to_error({RefusalKind::role_not_allowed, ""}).code == ErrorCode::forbidden);
  CHECK(to_error({RefusalKind::four_eyes_violated, ""}).code == ErrorCode::forbidden);
  CHECK(to_error({RefusalKind::reason_missing, ""}).code == ErrorCode::invalid_argument);
  CHECK(to_error({RefusalKind::unknown_event, ""}).code == ErrorCode::invalid_argument);
}

TEST_CASE("allowed_events lists what this caller may fire now", "[interpreter]") {
  const Workflow& w = test::shipped("erasure");
  Request r = test::submitted(w);
  CHECK(allowed_events(w, r, actor(Role::subject, "subject")) == std::vector<std::string>{"verify", "withdraw", "message"});
  CHECK(allowed_events(w, r, actor(Role::verifier)) == std::vector<std::string>{"verify_manually", "reject", "assign", "message"});
  CHECK(allowed_events(w, r, actor(Role::auditor)).empty());

  test::fire(w, r, "verify", actor(Role::subject, "subject"));
  test::fire(w, r, "approve", actor(Role::reviewer, "ani"));
  CHECK(allowed_events(w, r, actor(Role::supervisor, "ani")) ==
        std::vector<std::string>{"reject", "hold", "assign", "extend", "message"});
  CHECK(allowed_events(w, r, actor(Role::supervisor, "budi")) ==
        std::vector<std::string>{"approve", "reject", "hold", "assign", "extend", "message"});
}

TEST_CASE("a request is the fold of its events", "[interpreter]") {
  const Workflow& w = test::shipped("automated_decision_objection");
  Request r = test::submitted(w);
  test::fire(w, r, "verify", actor(Role::subject, "subject"));
  Command assign = command(r, "assign", actor(Role::reviewer, "rita"));
  assign.data["assignee"] = "rita";
  auto e = decide(w, r, assign);
  REQUIRE(e.ok());
  apply_event(r, *e);
  test::fire(w, r, "extend", actor(Role::supervisor, "sari"), "complex decision logic to examine");
  test::fire(w, r, "overturn", actor(Role::supervisor, "sari"), "the score ignored the applicant's appeal");

  Request refolded = fold_request({r.id, r.type, r.policy, r.subject_ref}, r.events);
  CHECK(refolded.state == "completed");
  CHECK(refolded.version == 5);
  CHECK(refolded.assignee == "rita");
  CHECK(refolded.extended);
  CHECK(refolded.outcome == "overturned");
  CHECK(refolded.events == r.events);
}

TEST_CASE("a row that comes after another waits for it, and a row done once is not done again", "[interpreter]") {
  // The restriction workflow: the subject is told before the restriction is
  // lifted (announce_lift), then it is lifted (lift_restriction), each once.
  const Workflow& w = test::shipped("restriction");
  Request r = fold_request({"r1", "restriction", "id-pdp", "s-1"},
                           std::vector<Event>{{1, "submit", actor(Role::subject), at("2025-03-03T02:00:00Z"), "", false, "",
                                               "completed", ClockEffect::none, "", {}}});
  const Actor sari = actor(Role::supervisor, "sari");
  CHECK(allowed_events(w, r, sari) == std::vector<std::string>{"announce_lift"});
  CHECK(refusal_of(w, r, command(r, "lift_restriction", sari)) == RefusalKind::earlier_step_missing);
  CHECK(to_error(Refusal{RefusalKind::earlier_step_missing, ""}).code == ErrorCode::conflict);
  test::fire(w, r, "announce_lift", sari, "the photo on file was checked and corrected");
  CHECK(allowed_events(w, r, sari) == std::vector<std::string>{"lift_restriction"});
  CHECK(refusal_of(w, r, command(r, "announce_lift", sari, "again")) == RefusalKind::already_done);
  test::fire(w, r, "lift_restriction", sari, "");
  CHECK(r.state == "completed");
  CHECK(r.outcome == "lifted");
  CHECK(allowed_events(w, r, sari).empty());
  CHECK(refusal_of(w, r, command(r, "lift_restriction", sari)) == RefusalKind::already_done);
}

TEST_CASE("a prohibition to tell the subjects rides only on a release, in the future, with its basis", "[interpreter]") {
  const Workflow& w = test::shipped("authority_request");
  Request r = test::submitted(w, actor(Role::system, "ams"));
  test::fire(w, r, "check_basis", actor(Role::reviewer, "rita"));
  auto prohibited = [&](std::string until, std::string reason) {
    Command c = command(r, "approve", actor(Role::supervisor, "sari"), std::move(reason));
    c.data[std::string(kNoticeProhibitedUntil)] = std::move(until);
    return c;
  };
  CHECK(refusal_of(w, r, prohibited("2025-04-01T00:00:00Z", "")) == RefusalKind::reason_missing);
  CHECK(refusal_of(w, r, prohibited("2025-03-01T00:00:00Z", "court order")) == RefusalKind::notice_prohibition_refused);
  CHECK(refusal_of(w, r, prohibited("next month", "court order")) == RefusalKind::notice_prohibition_refused);
  auto accepted = decide(w, r, prohibited("2025-04-01T00:00:00Z", "court order"));
  REQUIRE(accepted.ok());
  CHECK(accepted->data.at(std::string(kNoticeProhibitedUntil)) == "2025-04-01T00:00:00Z");
  CHECK(accepted->reason == "court order");

  // Elsewhere, a subject's own request: refused, whoever asks.
  const Workflow& access = test::shipped("access");
  Request a = test::submitted(access);
  test::fire(access, a, "verify", actor(Role::subject, "subject"));
  Command c = command(a, "approve", actor(Role::reviewer, "rita"), "court order");
  c.data[std::string(kNoticeProhibitedUntil)] = "2025-04-01T00:00:00Z";
  CHECK(refusal_of(access, a, c) == RefusalKind::notice_prohibition_refused);
}
