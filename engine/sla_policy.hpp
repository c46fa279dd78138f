// SLA policies: per jurisdiction and request type, how the deadline is
// counted, loaded from workflows/policies/<id>.json (format in docs/sla.md).
// An SlaCatalog holds every policy and calendar; immutable after loading,
// safe to share between threads.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/definition_error.hpp"
#include "engine/holiday_calendar.hpp"
#include "engine/result.hpp"

namespace dsr {

enum class PeriodUnit { hours, calendar_days, months, business_days };

// Where counting starts.
enum class Counting {
  from_receipt_instant,        // hours from the moment of receipt (UU PDP)
  day_of_receipt_is_day_one,   // ICO: received 3 Sep, one month ends 3 Oct
  day_of_receipt_not_counted,  // Reg. 1182/71 Art. 3(1), Cal. Civ. Code 10, Brazil CC 132
};

struct Period {
  int duration = 0;
  PeriodUnit unit = PeriodUnit::calendar_days;
};

struct SlaRule {
  Period period;
  Counting counting = Counting::day_of_receipt_not_counted;
  bool roll_forward = false;               // past weekends and holidays to the next working day
  std::optional<Period> extension;         // the whole period once extended, from receipt
  std::optional<Period> acknowledge;       // confirm receipt within this
  bool clock_stops_awaiting_subject = false;
  bool statutory = true;                   // false: an internal target
  std::string source;                      // the law, or why it is internal
};

// How long a request may wait for the subject to confirm their identity:
// one reminder, then the request expires (policy file "verification").
struct VerificationTimers {
  std::chrono::hours remind_after{24};
  std::chrono::hours expire_after{7 * 24};
};

// How long what dsr keeps for a request outlives its purpose (policy
// E.3-E.7; policy file "retention", each in days). The sweeper
// (storage/retention_sweep.hpp) applies them.
struct RetentionRules {
  std::chrono::days verification_codes{7};   // after the code expired or its request closed
  std::chrono::days delivered_messages{7};   // sealed payloads of delivered subject messages and acknowledged notices
  std::chrono::days idempotency_answers{7};  // the stored answer to a filing with an Idempotency-Key
  std::chrono::days subject_record{365};     // the vault record, after the subject's last request closed
};

struct SlaPolicy {
  std::string id;
  std::string title;
  std::string time_zone;  // IANA name, e.g. "Asia/Jakarta"
  std::string calendar;   // calendar id, or empty
  VerificationTimers verification;
  RetentionRules retention;
  std::map<std::string, SlaRule, std::less<>> rules;  // by request type

  const SlaRule* rule_for(std::string_view type) const;
};

class SlaCatalog {
 public:
  const SlaPolicy* policy(std::string_view id) const;
  // The policy's time zone, or "UTC" for an id the catalogue does not hold.
  std::string time_zone_of(std::string_view id) const;
  const HolidayCalendar* calendar(std::string_view id) const;
  std::vector<std::string> policy_ids() const;
  std::vector<std::string> calendar_ids() const;

  void add(SlaPolicy policy);
  void add(HolidayCalendar calendar);

 private:
  std::map<std::string, SlaPolicy, std::less<>> policies_;
  std::map<std::string, HolidayCalendar, std::less<>> calendars_;
};

std::string_view to_string(PeriodUnit unit);
std::string_view to_string(Counting counting);

// Loads policies/*.json and calendars/*.json from `files` and cross-checks
// them: zones exist, calendars named by policies exist, every request type
// of the API has a rule in every policy.
Result<SlaCatalog, DefinitionErrors> load_sla_catalog(std::span<const SourceFile> files);

// Start-up check: every calendar a policy uses covers each of `years`
// (this year and the next), so no deadline can hit an uncovered year soon.
DefinitionErrors check_calendar_coverage(const SlaCatalog& catalog, std::span<const int> years);

}  // namespace dsr
