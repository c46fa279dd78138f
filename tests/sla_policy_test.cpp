// Loading SLA policies and calendars: the shipped set, and every kind of
// mistake an operator editing them could make.
#include <catch2/catch.hpp>

#include "test_support.hpp"

using namespace dsr;

namespace {

const char* kCalendar = R"({"id": "xx", "source": "test", "weekend": ["saturday", "sunday"],
  "years": {"2025": [{"date": "2025-01-01", "name": "New Year"}]}})";

std::string policy(const std::string& rules, const std::string& extra = R"("calendar": "xx",)") {
  return R"({"id": "xx-test", "time_zone": "Europe/London", )" + extra + R"( "rules": {)" + rules + "}}";
}

const std::string kGoodRules =
    R"("access": {"period": {"duration": 1, "unit": "months"}, "counting": "day_of_receipt_not_counted", "statutory": true, "source": "x"},
       "rectification": {"period": {"duration": 1, "unit": "months"}, "counting": "day_of_receipt_not_counted", "statutory": true, "source": "x"},
       "erasure": {"period": {"duration": 1, "unit": "months"}, "counting": "day_of_receipt_not_counted", "statutory": true, "source": "x"},
       "automated_decision_objection": {"period": {"duration": 1, "unit": "months"}, "counting": "day_of_receipt_not_counted", "statutory": true, "source": "x"})";

DefinitionErrors errors_of(std::vector<SourceFile> files) {
  auto loaded = load_sla_catalog(files);
  if (loaded) return {};
  return loaded.error();
}

bool has(const DefinitionErrors& errors, std::string_view path, std::string_view fragment) {
  return std::any_of(errors.begin(), errors.end(), [&](const DefinitionError& e) {
    return e.path == path && e.message.find(fragment) != std::string::npos;
  });
}

std::string all(const DefinitionErrors& errors) {
  std::string out;
  for (const auto& e : errors) out += e.to_string() + "\n";
  return out;
}

}  // namespace

TEST_CASE("the shipped policies and calendars load", "[policy]") {
  const auto& catalog = test::shipped_policies();
  CHECK(catalog.policy_ids() == std::vector<std::string>{"br-lgpd", "eu-gdpr-de", "eu-gdpr-fr", "eu-gdpr-nl",
                                                         "id-pdp", "uk-gdpr", "us-ca-ccpa"});
  CHECK(catalog.calendar_ids() == std::vector<std::string>{"de", "fr", "id", "nl", "uk-eaw", "us-ca"});
  for (const auto& id : catalog.policy_ids()) {
    for (auto type : required_request_types()) {
      INFO(id << " " << type);
      const SlaRule* rule = catalog.policy(id)->rule_for(type);
      REQUIRE(rule != nullptr);
      CHECK_FALSE(rule->source.empty());
    }
  }
}

TEST_CASE("defaults apply unless a rule overrides them", "[policy]") {
  const SlaPolicy* id = test::shipped_policies().policy("id-pdp");
  REQUIRE(id != nullptr);
  CHECK(id->time_zone == "Asia/Jakarta");
  CHECK(id->rule_for("access")->period.unit == PeriodUnit::hours);
  CHECK(id->rule_for("access")->period.duration == 72);
  CHECK(id->rule_for("consent_withdrawal") != nullptr);
  CHECK(id->rule_for("restriction") != nullptr);
  const SlaRule* erasure = id->rule_for("erasure");
  CHECK(erasure->period.unit == PeriodUnit::calendar_days);
  CHECK(erasure->period.duration == 14);
  CHECK_FALSE(erasure->statutory);
  CHECK(erasure->clock_stops_awaiting_subject);  // inherited
}

TEST_CASE("a valid minimal policy and calendar load", "[policy]") {
  auto errors = errors_of({{"calendars/xx.json", kCalendar}, {"policies/xx-test.json", policy(kGoodRules)}});
  INFO(all(errors));
  CHECK(errors.empty());
}

TEST_CASE("each mistake in a policy is reported with its path", "[policy]") {
  struct Case {
    std::string name, text, path, fragment;
  };
  const std::string one_month = R"({"period": {"duration": 1, "unit": "months"}, "counting": "day_of_receipt_not_counted", "statutory": true, "source": "x")";
  auto with_access = [&](const std::string& access) {
    std::string rules = kGoodRules;
    rules.replace(0, rules.find("\"rectification\""), "\"access\": " + access + ",\n");
    return policy(rules);
  };
  const std::vector<Case> cases{
      {"unknown zone", R"({"id": "xx-test", "time_zone": "Asia/Atlantis", "rules": {}})", "$.time_zone",
       "unknown time zone \"Asia/Atlantis\""},
      {"missing calendar", policy(kGoodRules, R"("calendar": "zz",)"), "$.calendar", "no calendar \"zz\""},
      {"missing type", policy(R"("access": )" + one_month + "}"), "$.rules", "no rule for the request type \"erasure\""},
      {"hours that roll", with_access(R"({"period": {"duration": 72, "unit": "hours"}, "counting": "from_receipt_instant", "roll_forward": true, "statutory": true, "source": "x"})"),
       "$.rules.access.roll_forward", "runs through weekends"},
      {"hours counted in days", with_access(R"({"period": {"duration": 72, "unit": "hours"}, "counting": "day_of_receipt_not_counted", "statutory": true, "source": "x"})"),
       "$.rules.access.counting", "\"from_receipt_instant\" goes with \"hours\""},
      {"unknown unit", with_access(R"({"period": {"duration": 1, "unit": "fortnights"}, "counting": "day_of_receipt_not_counted", "statutory": true, "source": "x"})"),
       "$.rules.access.period.unit", "unknown unit \"fortnights\""},
      {"nonsense duration", with_access(R"({"period": {"duration": 0, "unit": "months"}, "counting": "day_of_receipt_not_counted", "statutory": true, "source": "x"})"),
       "$.rules.access.period.duration", "not a sensible duration"},
      {"short extension", with_access(R"({"period": {"duration": 2, "unit": "months"}, "extension": {"duration": 1, "unit": "months"}, "counting": "day_of_receipt_not_counted", "statutory": true, "source": "x"})"),
       "$.rules.access.extension.duration", "must exceed 2"},
      {"no source", with_access(R"({"period": {"duration": 1, "unit": "months"}, "counting": "day_of_receipt_not_counted", "statutory": true})"),
       "$.rules.access", "no \"source\""},
      {"misspelt field", with_access(R"({"period": {"duration": 1, "unit": "months"}, "counting": "day_of_receipt_not_counted", "statutory": true, "source": "x", "rollforward": true})"),
       "$.rules.access.rollforward", "unknown field"},
      {"business days without calendar", policy(kGoodRules + R"(, "x": {"period": {"duration": 10, "unit": "business_days"}, "counting": "day_of_receipt_not_counted", "statutory": true, "source": "x"})", ""),
       "$.rules.x", "the policy names no \"calendar\""},
      {"no retention", policy(kGoodRules, R"("calendar": "xx", "retention": {"verification_codes_days": 0},)"),
       "$.retention.verification_codes_days", "from 1 to 36500"},
      {"retention in words", policy(kGoodRules, R"("calendar": "xx", "retention": {"subject_record_days": "a year"},)"),
       "$.retention.subject_record_days", ""},
      {"misspelt retention", policy(kGoodRules, R"("calendar": "xx", "retention": {"subject_records_days": 30},)"),
       "$.retention.subject_records_days", "unknown field"},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      auto errors = errors_of({{"calendars/xx.json", kCalendar}, {"policies/xx-test.json", c.text}});
      INFO(all(errors));
      CHECK(has(errors, c.path, c.fragment));
    }
  }
}

TEST_CASE("each mistake in a calendar is reported with its path", "[policy][calendar]") {
  struct Case {
    std::string name, text, path, fragment;
  };
  const std::vector<Case> cases{
      {"bad date", R"({"id": "xx", "source": "t", "weekend": [], "years": {"2025": [{"date": "2025-02-30", "name": "x"}]}})",
       "$.years.2025[0].date", "\"2025-02-30\" is not a date"},
      {"wrong year", R"({"id": "xx", "source": "t", "weekend": [], "years": {"2025": [{"date": "2026-01-01", "name": "x"}]}})",
       "$.years.2025[0].date", "2026-01-01 is not in 2025"},
      {"twice", R"({"id": "xx", "source": "t", "weekend": [], "years": {"2025": [{"date": "2025-01-01", "name": "x"}, {"date": "2025-01-01", "name": "y"}]}})",
       "$.years.2025[1].date", "listed twice"},
      {"weekday", R"({"id": "xx", "source": "t", "weekend": ["caturday"], "years": {}})", "$.weekend[0]",
       "unknown weekday \"caturday\""},
      {"year key", R"({"id": "xx", "source": "t", "weekend": [], "years": {"twenty": []}})", "$.years.twenty",
       "\"twenty\" is not a year"},
      {"file name", R"({"id": "yy", "source": "t", "weekend": [], "years": {}})", "$.id", "does not match the file name"},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      auto errors = errors_of({{"calendars/xx.json", c.text}, {"policies/xx-test.json", policy(kGoodRules)}});
      INFO(all(errors));
      CHECK(has(errors, c.path, c.fragment));
    }
  }
}
