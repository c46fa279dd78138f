// The milestones reports count, from a request's events and its
// workflow's step kinds: verified, closed, time waiting on the subject.
#include <catch2/catch.hpp>

#include "engine/request_milestones.hpp"
#include "test_support.hpp"

using namespace dsr;
using namespace std::chrono_literals;
using test::actor;
using test::at;

namespace {

const Workflow& access() { return *test::shipped_workflows().find("access"); }

}  // namespace

TEST_CASE("a request verified, asked twice for more, and completed", "[milestones]") {
  TimePoint filed = at("2025-03-03T02:15:00Z");
  Request r = test::submitted(access(), actor(Role::subject, "budi"), filed);
  CHECK(milestones_of(r, access()) == RequestMilestones{});

  test::fire(access(), r, "verify", actor(Role::subject, "budi"));  // each event 5 minutes after the last
  test::fire(access(), r, "request_info", actor(Role::reviewer, "rita"));
  auto waiting = milestones_of(r, access());
  CHECK(waiting.verified_at == filed + 5min);
  CHECK(waiting.awaiting_since == filed + 10min);
  CHECK(waiting.awaiting_subject_seconds == 0);
  CHECK_FALSE(waiting.closed_at);

  test::fire(access(), r, "reply", actor(Role::subject, "budi"));
  test::fire(access(), r, "request_info", actor(Role::reviewer, "rita"));
  test::fire(access(), r, "reply", actor(Role::subject, "budi"));
  test::fire(access(), r, "approve", actor(Role::reviewer, "rita"));
  REQUIRE(r.state == "fulfilling");
  test::fire(access(), r, "fulfil", actor(Role::reviewer, "rita"));
  REQUIRE(r.state == "completed");
  auto done = milestones_of(r, access());
  CHECK(done.verified_at == filed + 5min);  // the first time only
  CHECK(done.awaiting_subject_seconds == 600);
  CHECK_FALSE(done.awaiting_since);
  CHECK(done.closed_at == filed + 35min);  // the seventh event
}

TEST_CASE("a request never verified: expired or rejected at verification", "[milestones]") {
  TimePoint filed = at("2025-03-03T02:15:00Z");
  Request expired = test::submitted(access(), actor(Role::subject, "budi"), filed);
  test::fire(access(), expired, "expire", actor(Role::scheduler, "dsr"));
  CHECK_FALSE(milestones_of(expired, access()).verified_at);
  CHECK(milestones_of(expired, access()).closed_at == filed + 5min);

  Request rejected = test::submitted(access(), actor(Role::subject, "budi"), filed);
  test::fire(access(), rejected, "reject", actor(Role::verifier, "vera"));
  CHECK_FALSE(milestones_of(rejected, access()).verified_at);
  CHECK(milestones_of(rejected, access()).closed_at == filed + 5min);
}

TEST_CASE("withdrawn while waiting on the subject: the wait ends with the request", "[milestones]") {
  TimePoint filed = at("2025-03-03T02:15:00Z");
  Request r = test::submitted(access(), actor(Role::subject, "budi"), filed);
  test::fire(access(), r, "verify", actor(Role::subject, "budi"));
  test::fire(access(), r, "request_info", actor(Role::reviewer, "rita"));
  test::fire(access(), r, "withdraw", actor(Role::subject, "budi"));
  auto m = milestones_of(r, access());
  CHECK(m.awaiting_subject_seconds == 300);
  CHECK_FALSE(m.awaiting_since);
  CHECK(m.closed_at == filed + 15min);
}
