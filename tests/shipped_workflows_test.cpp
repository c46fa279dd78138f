// The four shipped workflows do what the privacy policy promises. First,
// exhaustively: every transition of every workflow fires from every state it
// lists, for each role it allows, and is refused for every other role. Then
// the paths a subject and the back office rely on, spelled out.
#include <catch2/catch.hpp>

#include <deque>
#include <map>
#include <set>

#include "test_support.hpp"

using namespace dsr;
using test::actor;

namespace {

// The transitions leading from the start state to `target`, shortest first.
std::vector<const Transition*> path_to(const Workflow& w, const std::string& target) {
  std::map<std::string, const Transition*> via;
  std::map<std::string, std::string> previous;
  std::deque<std::string> queue{*w.start.to};
  std::set<std::string> seen{*w.start.to};
  while (!queue.empty()) {
    std::string state = queue.front();
    queue.pop_front();
    for (const auto& t : w.transitions) {
      if (!t.to || !t.fires_in(state) || !seen.insert(*t.to).second) continue;
      via[*t.to] = &t;
      previous[*t.to] = state;
      queue.push_back(*t.to);
    }
  }
  std::vector<const Transition*> path;
  for (std::string s = target; s != *w.start.to; s = previous.at(s)) path.insert(path.begin(), via.at(s));
  return path;
}

std::string principal_for_step(Role role, int step) {
  return std::string(to_string(role)) + "-step-" + std::to_string(step);
}

// A request driven to `state`, each step by a different principal so that
// no four-eyes rule is in the way.
Request request_in(const Workflow& w, const std::string& state) {
  Request r = test::submitted(w);
  int step = 0;
  for (const Transition* t : path_to(w, state)) {
    Role role = t->roles.front();
    test::fire(w, r, t->event, actor(role, principal_for_step(role, ++step)));
  }
  REQUIRE(r.state == state);
  return r;
}

}  // namespace

TEST_CASE("every transition of every shipped workflow fires for its roles only", "[workflows]") {
  for (const auto& type : test::shipped_workflows().types()) {
    const Workflow& w = test::shipped(type);
    std::set<std::string> states_entered{*w.start.to};
    for (const auto& t : w.transitions) {
      for (const auto& from : t.from) {
        for (Role role : all_roles()) {
          INFO(type << ": " << from << " --" << t.event << "--> " << t.to.value_or("(same)") << " as "
                    << to_string(role));
          Request r = request_in(w, from);
          // A row that comes after another (lifting after announcing it):
          // that one first, as whoever may fire it.
          for (const auto& earlier : t.after.empty() ? std::vector<std::string>{} : std::vector{t.after.front()})
            test::fire(w, r, earlier, actor(w.find(from, earlier)->roles.front(), "announcer"));
          auto refusal = test::try_fire(w, r, t.event, actor(role, "someone-new"));
          if (!t.allows(role)) {
            CHECK(refusal == RefusalKind::role_not_allowed);
            continue;
          }
          REQUIRE_FALSE(refusal.has_value());
          CHECK(r.state == t.to.value_or(from));
          CHECK(r.events.back().clock == t.clock);
          CHECK(r.events.back().outcome == t.outcome);
          states_entered.insert(r.state);
        }
      }
    }
    INFO(type);
    CHECK(states_entered.size() == w.states.size());  // every state can be entered
  }
}

TEST_CASE("every rejection of a subject's request requires a reason the subject sees", "[workflows]") {
  for (const auto& type : test::shipped_workflows().types()) {
    if (!test::shipped(type).start.allows(Role::subject)) continue;  // filed by staff: no subject to tell
    for (const auto& t : test::shipped(type).transitions) {
      if (t.to != "rejected" && t.to != "partially_completed") continue;
      INFO(type << ": " << t.event);
      CHECK(t.reason == ReasonRule::required);
      CHECK(t.reason_public);
    }
  }
}

TEST_CASE("nothing can be done to a closed request but lift the restriction it placed", "[workflows]") {
  for (const auto& type : test::shipped_workflows().types()) {
    const Workflow& w = test::shipped(type);
    for (const auto& state : w.states) {
      if (state.kind != StepKind::terminal) continue;
      Request r = request_in(w, state.name);
      for (Role role : all_roles()) {
        INFO(type << " " << state.name << " " << to_string(role));
        // A completed restriction stands until a supervisor announces its
        // lifting and lifts it: events that leave the request completed.
        bool lifts = type == "restriction" && state.name == "completed" && role == Role::supervisor;
        CHECK(allowed_events(w, r, actor(role)) ==
              (lifts ? std::vector<std::string>{"announce_lift"} : std::vector<std::string>{}));
        if (lifts)
          for (const char* event : {"announce_lift", "lift_restriction"}) CHECK_FALSE(w.find(state.name, event)->to.has_value());
      }
      if (w.has_event("withdraw"))
        CHECK(test::try_fire(w, r, "withdraw", actor(Role::subject, "subject")) == RefusalKind::not_allowed_in_state);
    }
  }
}

TEST_CASE("access: verified by code, reviewed, package delivered", "[workflows][access]") {
  const Workflow& w = test::shipped("access");
  Request r = test::submitted(w);
  test::fire(w, r, "verify", actor(Role::subject, "subject"));
  CHECK(r.state == "in_review");
  test::fire(w, r, "approve", actor(Role::reviewer, "rita"));
  CHECK(r.state == "fulfilling");
  test::fire(w, r, "fulfil", actor(Role::system, "dsr"));
  CHECK(r.state == "completed");
}

TEST_CASE("access: no record on file, so a verifier checks identity by hand", "[workflows][access]") {
  const Workflow& w = test::shipped("access");
  Request r = test::submitted(w);
  CHECK(test::try_fire(w, r, "verify_manually", actor(Role::reviewer)) == RefusalKind::role_not_allowed);
  test::fire(w, r, "verify_manually", actor(Role::verifier, "vera"), "KTP checked at the RA desk");
  CHECK(r.state == "in_review");
}

TEST_CASE("access: too many wrong codes rejects with a reason", "[workflows][access]") {
  const Workflow& w = test::shipped("access");
  Request r = test::submitted(w);
  CHECK(test::try_fire(w, r, "reject", actor(Role::system, "dsr"), "") == RefusalKind::reason_missing);
  test::fire(w, r, "reject", actor(Role::system, "dsr"), "verification_failed");
  CHECK(r.state == "rejected");
  CHECK(r.events.back().reason == "verification_failed");
}

TEST_CASE("access: waiting for the subject pauses the clock, the reply resumes it", "[workflows][access]") {
  const Workflow& w = test::shipped("access");
  Request r = test::submitted(w);
  test::fire(w, r, "verify", actor(Role::subject, "subject"));
  CHECK(test::try_fire(w, r, "request_info", actor(Role::reviewer), "") == RefusalKind::reason_missing);
  test::fire(w, r, "request_info", actor(Role::reviewer, "rita"), "which certificate do you mean?");
  CHECK(r.state == "awaiting_subject");
  CHECK(r.events.back().clock == ClockEffect::pause);
  CHECK(r.events.back().reason_public);
  test::fire(w, r, "reply", actor(Role::subject, "subject"));
  CHECK(r.state == "in_review");
  CHECK(r.events.back().clock == ClockEffect::run);
}

TEST_CASE("access: a suspect instruction is held until clarified (C.5)", "[workflows][access]") {
  const Workflow& w = test::shipped("access");
  Request r = test::submitted(w);
  test::fire(w, r, "verify", actor(Role::subject, "subject"));
  test::fire(w, r, "hold", actor(Role::reviewer, "rita"), "request appears to come from a third party");
  CHECK(r.state == "on_hold");
  CHECK(r.events.back().reason_public);
  CHECK(test::try_fire(w, r, "approve", actor(Role::reviewer, "rita")) == RefusalKind::not_allowed_in_state);
  CHECK(test::try_fire(w, r, "resume", actor(Role::reviewer, "rita")) == RefusalKind::role_not_allowed);
  test::fire(w, r, "resume", actor(Role::supervisor, "sari"), "subject confirmed by phone 183");
  CHECK(r.state == "in_review");
}

TEST_CASE("access: one extension, by a supervisor, with a reason, in place", "[workflows][access]") {
  const Workflow& w = test::shipped("access");
  Request r = test::submitted(w);
  CHECK(test::try_fire(w, r, "extend", actor(Role::reviewer)) == RefusalKind::role_not_allowed);
  CHECK(test::try_fire(w, r, "extend", actor(Role::supervisor), "") == RefusalKind::reason_missing);
  test::fire(w, r, "extend", actor(Role::supervisor, "sari"), "archive copy must be retrieved");
  CHECK(r.state == "verifying");
  CHECK(r.extended);
}

TEST_CASE("the subject may withdraw until fulfilment has done its work", "[workflows]") {
  for (const auto& type : test::shipped_workflows().types()) {
    const Workflow& w = test::shipped(type);
    if (!w.start.allows(Role::subject)) continue;  // filed by staff: nothing of the subject's to withdraw
    for (const auto& state : w.states) {
      if (state.kind == StepKind::terminal) continue;
      INFO(type << " " << state.name);
      Request r = request_in(w, state.name);
      auto refusal = test::try_fire(w, r, "withdraw", actor(Role::subject, "subject"));
      bool done_already = state.kind == StepKind::recipient_notification ||
                          (type == "erasure" && state.kind == StepKind::fulfilment);
      if (done_already) {
        CHECK(refusal == RefusalKind::not_allowed_in_state);
      } else {
        CHECK_FALSE(refusal.has_value());
        CHECK(r.state == "withdrawn");
      }
    }
  }
}

TEST_CASE("rectification: corrected, then every recipient is told (D.2)", "[workflows][rectification]") {
  const Workflow& w = test::shipped("rectification");
  Request r = test::submitted(w);
  test::fire(w, r, "verify", actor(Role::subject, "subject"));
  test::fire(w, r, "approve", actor(Role::reviewer, "rita"));
  test::fire(w, r, "fulfil", actor(Role::system, "dsr"));
  CHECK(r.state == "notifying_recipients");
  CHECK(test::try_fire(w, r, "complete", actor(Role::supervisor)) == RefusalKind::role_not_allowed);
  CHECK(test::try_fire(w, r, "complete_unacknowledged", actor(Role::supervisor), "") == RefusalKind::reason_missing);
  Request all_acknowledged = r;
  test::fire(w, all_acknowledged, "complete", actor(Role::system, "dsr"));
  CHECK(all_acknowledged.state == "completed");
  test::fire(w, r, "complete_unacknowledged", actor(Role::supervisor, "sari"), "recipient X unreachable for 72 h");
  CHECK(r.state == "completed");
}

TEST_CASE("rectification: some corrections refused ends partially completed", "[workflows][rectification]") {
  const Workflow& w = test::shipped("rectification");
  Request r = request_in(w, "fulfilling");
  CHECK(test::try_fire(w, r, "complete_partially", actor(Role::reviewer), "") == RefusalKind::reason_missing);
  test::fire(w, r, "complete_partially", actor(Role::reviewer, "rita"), "NIK is set by Dukcapil, not by us");
  CHECK(r.state == "partially_completed");
}

TEST_CASE("erasure: reviewer, then a different supervisor, then shred and notify", "[workflows][erasure]") {
  const Workflow& w = test::shipped("erasure");
  Request r = test::submitted(w);
  test::fire(w, r, "verify", actor(Role::subject, "subject"));
  CHECK(test::try_fire(w, r, "approve", actor(Role::supervisor)) == RefusalKind::role_not_allowed);
  test::fire(w, r, "approve", actor(Role::reviewer, "rita"));
  CHECK(r.state == "second_review");
  CHECK(test::try_fire(w, r, "approve", actor(Role::reviewer, "rudi")) == RefusalKind::role_not_allowed);
  CHECK(test::try_fire(w, r, "approve", actor(Role::supervisor, "rita")) == RefusalKind::four_eyes_violated);
  test::fire(w, r, "approve", actor(Role::supervisor, "sari"));
  CHECK(r.state == "fulfilling");
  CHECK(test::try_fire(w, r, "withdraw", actor(Role::subject, "subject")) == RefusalKind::not_allowed_in_state);
  test::fire(w, r, "fulfil", actor(Role::system, "dsr"));
  CHECK(r.state == "notifying_recipients");
  test::fire(w, r, "complete", actor(Role::system, "dsr"));
  CHECK(r.state == "completed");
}

TEST_CASE("erasure: limited by a legal duty to retain ends partially completed", "[workflows][erasure]") {
  const Workflow& w = test::shipped("erasure");
  Request r = request_in(w, "fulfilling");
  CHECK(test::try_fire(w, r, "complete_partially", actor(Role::reviewer), "x") == RefusalKind::role_not_allowed);
  test::fire(w, r, "complete_partially", actor(Role::supervisor, "sari"),
             "certificate records kept for the retention period the CA must observe");
  CHECK(r.state == "partially_completed");
}

TEST_CASE("objection: a human upholds or overturns, with written reasons (F.7)", "[workflows][objection]") {
  const Workflow& w = test::shipped("automated_decision_objection");
  Request r = test::submitted(w);
  test::fire(w, r, "verify", actor(Role::subject, "subject"));
  CHECK(test::try_fire(w, r, "uphold", actor(Role::reviewer), "") == RefusalKind::reason_missing);

  Request upheld = r;
  test::fire(w, upheld, "uphold", actor(Role::reviewer, "rita"), "the face match was reviewed and is correct");
  CHECK(upheld.state == "completed");
  CHECK(upheld.outcome == "upheld");
  CHECK(upheld.events.back().reason_public);

  test::fire(w, r, "overturn", actor(Role::supervisor, "sari"), "the photo on file was outdated");
  CHECK(r.state == "completed");
  CHECK(r.outcome == "overturned");
}

TEST_CASE("only the scheduler expires an unverified request", "[workflows]") {
  const Workflow& w = test::shipped("erasure");
  Request r = test::submitted(w);
  CHECK(test::try_fire(w, r, "expire", actor(Role::admin)) == RefusalKind::role_not_allowed);
  test::fire(w, r, "expire", actor(Role::scheduler, "dsr-scheduler"));
  CHECK(r.state == "expired");
}
