// Due dates under each shipped policy. Cases come from the law and the
// regulators' own examples (ICO); each names the rule it shows.
#include <catch2/catch.hpp>

#include "engine/sla_clock.hpp"
#include "test_support.hpp"

using namespace dsr;
using test::at;

namespace {

struct Due {
  std::string due_at;
  std::string extended_due_at;  // "null" when the policy has none
  std::string acknowledge_by;   // "null" when the law asks none
  std::string explanation;
  bool statutory = true;
};

std::string text(const std::optional<TimePoint>& t) { return t ? format_rfc3339(*t) : "null"; }

Result<Deadline> compute(std::string_view policy, std::string_view type, std::string_view received,
                         std::vector<ClockSegment> segments = {}, bool extended = false,
                         std::string_view now = "2030-01-01T00:00:00Z") {
  SlaClock clock(test::shipped_policies());
  return clock.deadline(policy, type, at(received), segments, extended, at(now));
}

Due due(std::string_view policy, std::string_view type, std::string_view received,
        std::vector<ClockSegment> segments = {}, bool extended = false) {
  auto d = compute(policy, type, received, std::move(segments), extended);
  if (!d) FAIL(d.error().message);
  return {format_rfc3339(d->due_at), text(d->extended_due_at), text(d->acknowledge_by), d->explanation,
          d->statutory};
}

ClockSegment paused(std::string_view from, std::string_view to) {
  return {at(from), at(to), true, "request_info"};
}

}  // namespace

// ---- id-pdp: UU 27/2022, 3 x 24 hours from the instant of receipt ----------

TEST_CASE("id-pdp: access is due 72 hours after receipt, to the second", "[sla][id-pdp]") {
  Due d = due("id-pdp", "access", "2025-03-03T09:15:00+07:00");
  CHECK(d.due_at == "2025-03-06T02:15:00Z");
  CHECK(d.extended_due_at == "null");
  CHECK(d.acknowledge_by == "null");
  CHECK(d.statutory);
  CHECK(d.explanation == "72 h from 2025-03-03 09:15 WIB");
}

TEST_CASE("id-pdp: 3 x 24 hours runs through weekends and holidays", "[sla][id-pdp]") {
  // Friday evening before a weekend.
  CHECK(due("id-pdp", "rectification", "2025-03-07T20:00:00+07:00").due_at == "2025-03-10T13:00:00Z");
  // The eve of Idul Fitri 1446 H (31 March and 1 April 2025 are holidays, then cuti bersama).
  CHECK(due("id-pdp", "access", "2025-03-30T10:00:00+07:00").due_at == "2025-04-02T03:00:00Z");
  CHECK(due("id-pdp", "consent_withdrawal", "2025-12-24T16:00:00+07:00").due_at == "2025-12-27T09:00:00Z");
  CHECK(due("id-pdp", "restriction", "2026-03-19T08:00:00+07:00").due_at == "2026-03-22T01:00:00Z");
}

TEST_CASE("id-pdp: waiting for the subject moves the deadline by the time waited", "[sla][id-pdp]") {
  Due d = due("id-pdp", "access", "2025-03-03T09:15:00+07:00",
              {{at("2025-03-03T02:15:00Z"), at("2025-03-03T03:15:00Z"), false, "submit"},
               paused("2025-03-03T03:15:00Z", "2025-03-03T08:15:00Z")});
  CHECK(d.due_at == "2025-03-06T07:15:00Z");
  CHECK(d.explanation == "72 h from 2025-03-03 09:15 WIB; paused 5 h awaiting subject");
}

TEST_CASE("id-pdp: erasure has an internal 14-day target, not a statutory one", "[sla][id-pdp]") {
  Due d = due("id-pdp", "erasure", "2025-03-03T09:15:00+07:00");
  CHECK_FALSE(d.statutory);
  CHECK(d.due_at == "2025-03-17T16:59:59Z");  // 17 March, 23:59:59 WIB
  CHECK(d.extended_due_at == "2025-03-31T16:59:59Z");
  CHECK(d.explanation ==
        "14 calendar days from 2025-03-03 (the day of receipt not counted): 2025-03-17; ends 23:59:59 WIB on "
        "2025-03-17; internal target, not a statutory limit");
  CHECK_FALSE(due("id-pdp", "automated_decision_objection", "2025-03-03T09:15:00+07:00").statutory);
}

TEST_CASE("id-pdp: a request at 23:30 UTC is received the next day in Jakarta", "[sla][id-pdp][zones]") {
  CHECK(due("id-pdp", "erasure", "2025-03-03T23:30:00Z").due_at == "2025-03-18T16:59:59Z");
}

// ---- uk-gdpr: ICO method -----------------------------------------------------

TEST_CASE("uk-gdpr: ICO example, received 3 September, due 3 October", "[sla][uk]") {
  Due d = due("uk-gdpr", "access", "2025-09-03T10:00:00+01:00");
  CHECK(d.due_at == "2025-10-03T22:59:59Z");  // 23:59:59 BST
  CHECK(d.acknowledge_by == "null");
}

TEST_CASE("uk-gdpr: ICO example, received 31 March, due 30 April", "[sla][uk]") {
  CHECK(due("uk-gdpr", "access", "2025-03-31T12:00:00+01:00").due_at == "2025-04-30T22:59:59Z");
}

TEST_CASE("uk-gdpr: ICO example, received 25 November 2024, due 27 December 2024", "[sla][uk]") {
  Due d = due("uk-gdpr", "access", "2024-11-25T09:00:00Z");
  CHECK(d.due_at == "2024-12-27T23:59:59Z");  // 25 and 26 December are bank holidays
  CHECK(d.explanation ==
        "1 month from 2024-11-25 (the day of receipt is day 1): 2024-12-25; 2024-12-25 is not a working day "
        "(2024-12-25 Christmas Day; 2024-12-26 Boxing Day), so 2024-12-27; ends 23:59:59 GMT on 2024-12-27");
}

TEST_CASE("uk-gdpr: a date the next month lacks becomes that month's last day", "[sla][uk][month-end]") {
  CHECK(due("uk-gdpr", "access", "2024-01-31T10:00:00Z").due_at == "2024-02-29T23:59:59Z");  // leap year
  CHECK(due("uk-gdpr", "access", "2025-01-31T10:00:00Z").due_at == "2025-02-28T23:59:59Z");
  CHECK(due("uk-gdpr", "access", "2025-01-29T10:00:00Z").due_at == "2025-02-28T23:59:59Z");
  CHECK(due("uk-gdpr", "access", "2025-08-31T10:00:00+01:00").due_at == "2025-09-30T22:59:59Z");
}

TEST_CASE("uk-gdpr: a request received on a Saturday still counts that day as day 1", "[sla][uk]") {
  // Received Saturday 1 March; due Tuesday 1 April, after the clocks went forward.
  CHECK(due("uk-gdpr", "access", "2025-03-01T11:00:00Z").due_at == "2025-04-01T22:59:59Z");
}

TEST_CASE("uk-gdpr: a due date on a weekend or bank holiday rolls to the next working day", "[sla][uk]") {
  // 5 May 2025 is the Early May bank holiday.
  CHECK(due("uk-gdpr", "erasure", "2025-04-05T10:00:00+01:00").due_at == "2025-05-06T22:59:59Z");
  // 4 October 2025 is a Saturday.
  CHECK(due("uk-gdpr", "rectification", "2025-09-04T10:00:00+01:00").due_at == "2025-10-06T22:59:59Z");
}

TEST_CASE("uk-gdpr: the extension is three months from the original start date", "[sla][uk][extension]") {
  Due d = due("uk-gdpr", "access", "2024-11-25T09:00:00Z", {}, true);
  CHECK(d.due_at == "2025-02-25T23:59:59Z");
  CHECK(d.extended_due_at == "2025-02-25T23:59:59Z");
  CHECK(d.explanation.starts_with("extended: 3 months from 2024-11-25"));
  // Not extended: the extended date is still reported, for planning.
  CHECK(due("uk-gdpr", "access", "2024-11-30T09:00:00Z").extended_due_at == "2025-02-28T23:59:59Z");
}

TEST_CASE("uk-gdpr: receipt just after midnight BST is the next day in London", "[sla][uk][zones]") {
  // 23:30 UTC on 2 September is 00:30 BST on 3 September.
  CHECK(due("uk-gdpr", "access", "2025-09-02T23:30:00Z").due_at == "2025-10-03T22:59:59Z");
  // The night the clocks go back: 01:30 BST on 26 October; due 26 November in GMT.
  CHECK(due("uk-gdpr", "access", "2025-10-26T00:30:00Z").due_at == "2025-11-26T23:59:59Z");
}

TEST_CASE("uk-gdpr: whole days waiting for the subject move the date, then it rolls", "[sla][uk][pause]") {
  // Due 25 Dec 2024; 3 days paused gives 28 Dec (Saturday), so Monday 30 Dec.
  Due d = due("uk-gdpr", "access", "2024-11-25T09:00:00Z", {paused("2024-11-28T10:00:00Z", "2024-12-01T09:00:00Z")});
  CHECK(d.due_at == "2024-12-30T23:59:59Z");
  CHECK(d.extended_due_at == "2025-02-28T23:59:59Z");
  // A pause within one day moves a date-based deadline by nothing.
  CHECK(due("uk-gdpr", "access", "2024-11-25T09:00:00Z", {paused("2024-11-28T10:00:00Z", "2024-11-28T15:00:00Z")})
            .due_at == "2024-12-27T23:59:59Z");
}

TEST_CASE("uk-gdpr: a year the calendar lacks is an error, not a guess", "[sla][uk][calendar]") {
  auto d = compute("uk-gdpr", "access", "2031-01-10T10:00:00Z");
  REQUIRE_FALSE(d.ok());
  CHECK(d.error().message.starts_with("calendar uk-eaw has no 2031"));
  // Received in a covered year, due in one that is not.
  auto crossing = compute("uk-gdpr", "access", "2028-12-15T10:00:00Z");
  REQUIRE_FALSE(crossing.ok());
  CHECK(crossing.error().message.starts_with("calendar uk-eaw has no 2029"));
}

// ---- eu-gdpr-*: Art. 12(3) with Regulation 1182/71 ----------------------------

TEST_CASE("eu-gdpr: one month ends on the day bearing the same number", "[sla][eu]") {
  CHECK(due("eu-gdpr-fr", "access", "2025-03-03T10:00:00+01:00").due_at == "2025-04-03T21:59:59Z");  // CEST
  CHECK(due("eu-gdpr-fr", "access", "2025-02-28T10:00:00+01:00").due_at == "2025-03-28T22:59:59Z");  // CET
  CHECK(due("eu-gdpr-de", "erasure", "2025-01-31T10:00:00+01:00").due_at == "2025-02-28T22:59:59Z");
  CHECK(due("eu-gdpr-de", "erasure", "2024-01-31T10:00:00+01:00").due_at == "2024-02-29T22:59:59Z");
}

TEST_CASE("eu-gdpr: a last day on a weekend or national holiday moves to the next working day", "[sla][eu]") {
  // France: 8 May 2025 (Victoire 1945) -> Friday 9 May.
  CHECK(due("eu-gdpr-fr", "access", "2025-04-08T10:00:00+02:00").due_at == "2025-05-09T21:59:59Z");
  // Germany: 3 October 2025 (Tag der Deutschen Einheit, a Friday) -> Monday 6 October.
  CHECK(due("eu-gdpr-de", "access", "2025-09-03T10:00:00+02:00").due_at == "2025-10-06T21:59:59Z");
  // Netherlands: Saturday 26 April 2025 (Koningsdag) -> Monday 28 April.
  CHECK(due("eu-gdpr-nl", "rectification", "2025-03-26T10:00:00+01:00").due_at == "2025-04-28T21:59:59Z");
  // The same date is an ordinary Friday in France and a holiday in Germany.
  CHECK(due("eu-gdpr-fr", "access", "2025-09-03T10:00:00+02:00").due_at == "2025-10-03T21:59:59Z");
}

TEST_CASE("eu-gdpr: the extension adds two further months", "[sla][eu][extension]") {
  Due d = due("eu-gdpr-fr", "access", "2025-01-31T10:00:00+01:00", {}, true);
  CHECK(d.due_at == "2025-04-30T21:59:59Z");
  CHECK(d.extended_due_at == "2025-04-30T21:59:59Z");
}

TEST_CASE("eu-gdpr: receipt near midnight counts in the member state's time", "[sla][eu][zones]") {
  // 23:30 UTC on 31 January is 00:30 on 1 February in Paris; 1 March 2025 is a Saturday.
  CHECK(due("eu-gdpr-fr", "access", "2025-01-31T23:30:00Z").due_at == "2025-03-03T22:59:59Z");
  // The same instant is still 31 January in London.
  CHECK(due("uk-gdpr", "access", "2025-01-31T23:30:00Z").due_at == "2025-02-28T23:59:59Z");
}

// ---- us-ca-ccpa ---------------------------------------------------------------

TEST_CASE("us-ca-ccpa: 45 calendar days, receipt confirmed within 10 business days", "[sla][ccpa]") {
  Due d = due("us-ca-ccpa", "access", "2025-01-06T09:00:00-08:00");
  CHECK(d.due_at == "2025-02-21T07:59:59Z");           // Thursday 20 February, 23:59:59 PST
  CHECK(d.extended_due_at == "2025-04-07T06:59:59Z");  // 90 days in all: Sunday 6 April, PDT
  CHECK(d.acknowledge_by == "2025-01-22T07:59:59Z");   // 21 January: 20 January is MLK Day
}

TEST_CASE("us-ca-ccpa: business days skip federal and California holidays", "[sla][ccpa]") {
  // Thanksgiving and the day after (27, 28 November 2025) are not business days.
  CHECK(due("us-ca-ccpa", "erasure", "2025-11-20T10:00:00-08:00").acknowledge_by == "2025-12-09T07:59:59Z");
  // Cesar Chavez Day, 31 March 2025 (California).
  CHECK(due("us-ca-ccpa", "erasure", "2025-03-24T10:00:00-07:00").acknowledge_by == "2025-04-09T06:59:59Z");
}

TEST_CASE("us-ca-ccpa: time spent verifying or waiting does not stop the clock", "[sla][ccpa][pause]") {
  Due d = due("us-ca-ccpa", "access", "2025-01-06T09:00:00-08:00", {paused("2025-01-07T10:00:00Z", "2025-01-20T10:00:00Z")});
  CHECK(d.due_at == "2025-02-21T07:59:59Z");
  CHECK(d.explanation.find("does not stop this clock") != std::string::npos);
}

TEST_CASE("us-ca-ccpa: a request late on the last evening is received that day in California", "[sla][ccpa][zones]") {
  // 07:30 UTC on 1 March is 23:30 PST on 28 February.
  CHECK(due("us-ca-ccpa", "access", "2025-03-01T07:30:00Z").due_at == "2025-04-15T06:59:59Z");
}

// ---- br-lgpd ------------------------------------------------------------------

TEST_CASE("br-lgpd: a full access statement within 15 days of the request", "[sla][lgpd]") {
  Due d = due("br-lgpd", "access", "2025-03-03T10:00:00-03:00");
  CHECK(d.due_at == "2025-03-19T02:59:59Z");  // 18 March, 23:59:59 in Sao Paulo
  CHECK(d.extended_due_at == "null");
  CHECK(d.acknowledge_by == "null");
  CHECK(d.statutory);
  CHECK_FALSE(due("br-lgpd", "erasure", "2025-03-03T10:00:00-03:00").statutory);
  CHECK(due("br-lgpd", "access", "2025-03-04T02:30:00Z").due_at == "2025-03-19T02:59:59Z");
}

// ---- errors and the clock's segments ------------------------------------------

TEST_CASE("an unknown policy or request type is refused, naming the known ones", "[sla]") {
  auto policy = compute("xx-nowhere", "access", "2025-03-03T10:00:00Z");
  REQUIRE_FALSE(policy.ok());
  CHECK(policy.error().message.starts_with("unknown policy \"xx-nowhere\" (known: br-lgpd, eu-gdpr-de"));
  auto type = compute("uk-gdpr", "complaint", "2025-03-03T10:00:00Z");
  REQUIRE_FALSE(type.ok());
  CHECK(type.error().message.starts_with("policy uk-gdpr has no rule for request type \"complaint\""));
}

TEST_CASE("while the clock stands, the due date assumes it restarts now", "[sla][pause]") {
  SlaClock clock(test::shipped_policies());
  std::vector<ClockSegment> segments{{at("2025-03-03T02:15:00Z"), at("2025-03-03T03:15:00Z"), false, "submit"},
                                     {at("2025-03-03T03:15:00Z"), std::nullopt, true, "request_info"}};
  auto d = clock.deadline("id-pdp", "access", at("2025-03-03T02:15:00Z"), segments, false, at("2025-03-03T05:15:00Z"));
  REQUIRE(d.ok());
  CHECK(d->paused_now);
  CHECK(format_rfc3339(d->due_at) == "2025-03-06T04:15:00Z");
  CHECK(d->explanation.find("the clock stands while awaiting the subject") != std::string::npos);
}

TEST_CASE("clock segments follow the journal", "[sla][segments]") {
  const Workflow& w = test::shipped("access");
  Request r = test::submitted(w);                                                       // 02:15
  test::fire(w, r, "verify", test::actor(Role::subject, "subject"));                    // 02:20
  test::fire(w, r, "request_info", test::actor(Role::reviewer, "rita"), "which one?");  // 02:25 pause
  test::fire(w, r, "reply", test::actor(Role::subject, "subject"));                     // 02:30 run
  test::fire(w, r, "approve", test::actor(Role::reviewer, "rita"));                     // 02:35
  test::fire(w, r, "fulfil", test::actor(Role::system, "dsr"));                         // 02:40 completed

  CHECK(clock_segments(w, r.events) ==
        std::vector<ClockSegment>{{at("2025-03-03T02:15:00Z"), at("2025-03-03T02:25:00Z"), false, "submit"},
                                  {at("2025-03-03T02:25:00Z"), at("2025-03-03T02:30:00Z"), true, "request_info"},
                                  {at("2025-03-03T02:30:00Z"), at("2025-03-03T02:40:00Z"), false, "reply"}});

  SlaClock clock(test::shipped_policies());
  auto d = clock.deadline(r, w, at("2025-03-04T00:00:00Z"));
  REQUIRE(d.ok());
  CHECK(format_rfc3339(d->due_at) == "2025-03-06T02:20:00Z");  // 72 h + 5 min paused
  CHECK_FALSE(d->paused_now);
}

TEST_CASE("us-ca-ccpa: a due day after the spring clock change ends in PDT", "[sla][ccpa][dst]") {
  // Received the Sunday the clocks go forward (9 March 2025, 01:30 PST); due 23 April, PDT.
  CHECK(due("us-ca-ccpa", "rectification", "2025-03-09T09:30:00Z").due_at == "2025-04-24T06:59:59Z");
  // Received in PDT, due after the clocks go back: 1 October + 45 days = 15 November, PST.
  CHECK(due("us-ca-ccpa", "erasure", "2025-10-01T12:00:00-07:00").due_at == "2025-11-16T07:59:59Z");
}

TEST_CASE("eu-gdpr-nl: Koningsdag and Bevrijdingsdag roll the last day on", "[sla][eu]") {
  // 27 April 2027 is a Tuesday and Koningsdag: Wednesday 28 April.
  CHECK(due("eu-gdpr-nl", "access", "2027-03-27T10:00:00+01:00").due_at == "2027-04-28T21:59:59Z");
  // 5 May 2026 (Bevrijdingsdag, Tuesday): Wednesday 6 May.
  CHECK(due("eu-gdpr-nl", "erasure", "2026-04-05T10:00:00+02:00").due_at == "2026-05-06T21:59:59Z");
}

TEST_CASE("uk-gdpr: a substitute bank holiday counts as a holiday", "[sla][uk]") {
  // 28 December 2026 is the Boxing Day substitute; 26-27 are a weekend, 25 Christmas: Tuesday 29.
  CHECK(due("uk-gdpr", "access", "2026-11-25T10:00:00Z").due_at == "2026-12-29T23:59:59Z");
}
