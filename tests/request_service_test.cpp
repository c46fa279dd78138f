// RequestService over the in-memory Store and a fake clock: what the API
// will rely on when it files requests and fires events.
#include <catch2/catch.hpp>

#include "engine/request_service.hpp"
#include "test_support.hpp"

using namespace dsr;
using test::actor;
using test::at;

namespace {

struct Fixture {
  InMemoryStore store;
  FakeClock clock{at("2025-03-03T02:15:00Z")};
  int next_id = 0;
  RequestService service{test::shipped_workflows(), test::shipped_policies(), store, clock, [this] { return "r" + std::to_string(++next_id); }};

  Result<Request> submit(std::string type = "access", std::string policy = "id-pdp") {
    std::optional<Result<Request>> out;
    service.submit({std::move(type), std::move(policy), "subject-ref-1", actor(Role::subject, "subject"), std::nullopt, {}},
                   [&](Result<Request> r) { out = std::move(r); });
    REQUIRE(out.has_value());
    return std::move(*out);
  }

  Result<Request> fire(const std::string& id, Command c) {
    std::optional<Result<Request>> out;
    service.fire(id, std::move(c), [&](Result<Request> r) { out = std::move(r); });
    REQUIRE(out.has_value());
    return std::move(*out);
  }
};

}  // namespace

TEST_CASE("a filed request is stored and can be read back", "[service]") {
  Fixture f;
  auto filed = f.submit();
  REQUIRE(filed.ok());
  CHECK(filed->id == "r1");
  CHECK(filed->state == "verifying");
  CHECK(filed->received_at == at("2025-03-03T02:15:00Z"));

  auto read = f.service.get("r1");
  REQUIRE(read.ok());
  CHECK(read->state == "verifying");
  CHECK(read->version == 1);
  CHECK(read->events == filed->events);
}

TEST_CASE("events are stamped with the clock, not the caller's time", "[service]") {
  Fixture f;
  REQUIRE(f.submit().ok());
  f.clock.advance(std::chrono::hours(5));
  Command c{"verify", actor(Role::subject, "subject"), "", 1, at("1999-01-01T00:00:00Z"), {}};
  auto fired = f.fire("r1", c);
  REQUIRE(fired.ok());
  CHECK(fired->events.back().at == at("2025-03-03T07:15:00Z"));
  CHECK(f.service.get("r1")->state == "in_review");
}

TEST_CASE("two reviewers acting on the same version: the second is told to reload", "[service]") {
  Fixture f;
  REQUIRE(f.submit().ok());
  REQUIRE(f.fire("r1", {"verify", actor(Role::subject, "subject"), "", 1, {}, {}}).ok());

  auto first = f.fire("r1", {"approve", actor(Role::reviewer, "rita"), "", 2, {}, {}});
  auto second = f.fire("r1", {"reject", actor(Role::reviewer, "rudi"), "duplicate", 2, {}, {}});
  REQUIRE(first.ok());
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().code == ErrorCode::conflict);
  CHECK(second.error().kind == "stale_version");
  CHECK(f.service.get("r1")->state == "fulfilling");
}

TEST_CASE("the store refuses a change built on a version it no longer has", "[service][store]") {
  InMemoryStore store;
  const Workflow& w = test::shipped("access");
  Request r = test::submitted(w);
  RequestHeader header{r.id, r.type, r.policy, r.subject_ref};
  Status created = fail(Error::internal("not called"));
  store.commit({header, 0, r.events, std::nullopt, std::nullopt, {}, std::nullopt, {}, {}}, [&](Status s) { created = s; });
  REQUIRE(created.ok());

  Status again = ok_status();
  store.commit({header, 0, r.events, std::nullopt, std::nullopt, {}, std::nullopt, {}, {}}, [&](Status s) { again = s; });
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code == ErrorCode::conflict);
  CHECK(store.load(r.id)->version == 1);
}

TEST_CASE("refusals and unknowns come back as errors with their category", "[service]") {
  Fixture f;
  REQUIRE(f.submit().ok());

  auto unknown_type = f.submit("complaint");
  REQUIRE_FALSE(unknown_type.ok());
  CHECK(unknown_type.error().code == ErrorCode::invalid_argument);
  CHECK(unknown_type.error().message.find("unknown request type \"complaint\"") != std::string::npos);

  auto missing = f.fire("nope", {"verify", actor(Role::subject), "", 1, {}, {}});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == ErrorCode::not_found);

  auto wrong_role = f.fire("r1", {"verify_manually", actor(Role::reviewer), "", 1, {}, {}});
  REQUIRE_FALSE(wrong_role.ok());
  CHECK(wrong_role.error().code == ErrorCode::forbidden);
  CHECK(wrong_role.error().kind == "role_not_allowed");
  CHECK(f.service.get("r1")->version == 1);  // nothing was written
}

TEST_CASE("allowed_events answers for the caller", "[service]") {
  Fixture f;
  auto filed = f.submit("erasure");
  REQUIRE(filed.ok());
  auto events = f.service.allowed_events(*filed, actor(Role::subject, "subject"));
  REQUIRE(events.ok());
  CHECK(*events == std::vector<std::string>{"verify", "withdraw", "message"});
}

TEST_CASE("a request under an unknown policy is refused before it is stored", "[service][sla]") {
  Fixture f;
  auto refused = f.submit("access", "xx-nowhere");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == ErrorCode::invalid_argument);
  CHECK(refused.error().message.find("unknown policy \"xx-nowhere\"") != std::string::npos);
  CHECK_FALSE(f.service.get("r1").ok());
}

TEST_CASE("the deadline of a stored request follows its pauses", "[service][sla]") {
  Fixture f;  // id-pdp: 72 h from receipt, the clock stops while awaiting the subject
  REQUIRE(f.submit().ok());
  REQUIRE(f.fire("r1", {"verify", actor(Role::subject, "subject"), "", 1, {}, {}}).ok());
  f.clock.advance(std::chrono::hours(1));
  REQUIRE(f.fire("r1", {"request_info", actor(Role::reviewer, "rita"), "which certificate?", 2, {}, {}}).ok());
  f.clock.advance(std::chrono::hours(5));
  REQUIRE(f.fire("r1", {"reply", actor(Role::subject, "subject"), "", 3, {}, {}}).ok());
  f.clock.advance(std::chrono::hours(30));

  auto request = f.service.get("r1");
  REQUIRE(request.ok());
  auto due = f.service.deadline(*request);
  REQUIRE(due.ok());
  CHECK(format_rfc3339(due->due_at) == "2025-03-06T07:15:00Z");  // 72 h + 5 h paused
  CHECK(due->explanation == "72 h from 2025-03-03 09:15 WIB; paused 5 h awaiting subject");
}

TEST_CASE("an extension is refused where the policy has none, and a second time", "[service][sla]") {
  Fixture f;
  REQUIRE(f.submit("access", "id-pdp").ok());  // UU PDP: 3 x 24 hours, no extension
  auto refused = f.fire("r1", {"extend", actor(Role::supervisor, "sari"), "complex", 1, {}, {}});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == ErrorCode::conflict);
  CHECK(refused.error().kind == "no_extension");

  REQUIRE(f.submit("access", "uk-gdpr").ok());
  REQUIRE(f.fire("r2", {"extend", actor(Role::supervisor, "sari"), "complex", 1, {}, {}}).ok());
  auto again = f.fire("r2", {"extend", actor(Role::supervisor, "sari"), "still complex", 2, {}, {}});
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code == ErrorCode::conflict);
  CHECK(again.error().kind == "already_extended");
  auto due = f.service.deadline(*f.service.get("r2"));
  REQUIRE(due.ok());
  CHECK(due->extended);
  CHECK(due->due_at == due->extended_due_at);
}

TEST_CASE("a clock that started before the filing counts from then, and says so in the journal", "[service][sla]") {
  Fixture f;  // now: 2025-03-03T02:15:00Z; id-pdp access: 72 hours from the instant the clock starts
  auto submit_from = [&](TimePoint from) {
    std::optional<Result<Request>> out;
    Submission s{"access", "id-pdp", "subject-ref-1", actor(Role::subject, "subject"), std::nullopt, {}};
    s.clock_from = from;
    f.service.submit(s, [&](Result<Request> r) { out = std::move(r); });
    REQUIRE(out.has_value());
    return std::move(*out);
  };
  auto filed = submit_from(at("2025-03-01T02:15:00Z"));  // known two days before it was filed
  REQUIRE(filed.ok());
  CHECK(filed->received_at == at("2025-03-03T02:15:00Z"));  // the filing's own time is kept
  CHECK(filed->events.front().data.at("clock_from") == "2025-03-01T02:15:00Z");
  auto stored = f.service.get(filed->id);
  REQUIRE(stored.ok());
  CHECK(stored->clock_from == at("2025-03-01T02:15:00Z"));
  auto due = f.service.deadline(*stored);
  REQUIRE(due.ok());
  CHECK(due->due_at == at("2025-03-04T02:15:00Z"));  // 72 hours from when it became known, not from filing
  auto segments = clock_segments(test::shipped("access"), stored->events);
  REQUIRE_FALSE(segments.empty());
  CHECK(segments.front().start == at("2025-03-01T02:15:00Z"));

  auto future = submit_from(at("2025-03-04T00:00:00Z"));
  REQUIRE_FALSE(future.ok());
  CHECK(future.error().code == ErrorCode::invalid_argument);
}
