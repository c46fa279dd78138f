#include "api/request_view.hpp"

namespace dsr::api {

namespace {
boost::json::value instant(const std::optional<TimePoint>& t) {
  if (!t) return nullptr;
  return boost::json::value(format_rfc3339(*t));
}

boost::json::object data_of(const Event& e) {
  boost::json::object data;
  for (const auto& [k, v] : e.data) data[k] = v;
  return data;
}
}  // namespace

boost::json::object request_view(const Request& r, const Workflow& w, const Result<Deadline>& deadline,
                                  const Caller& caller, const std::vector<std::string>& allowed_events) {
  bool staff = caller.is_staff();
  boost::json::object o;
  o["id"] = r.id;
  o["type"] = r.type;
  o["status"] = r.state;
  o["version"] = r.version;
  o["policy"] = r.policy;
  o["received_at"] = format_rfc3339(r.received_at);
  o["due_at"] = deadline ? instant(deadline->due_at) : nullptr;
  o["extended"] = r.extended;
  if (!r.outcome.empty()) o["outcome"] = r.outcome;
  if (deadline) {
    o["statutory"] = deadline->statutory;
    o["clock_paused"] = deadline->paused_now;
    if (staff) {
      o["due_explanation"] = deadline->explanation;
      o["extended_due_at"] = instant(deadline->extended_due_at);
      o["acknowledge_by"] = instant(deadline->acknowledge_by);
    }
  }
  if (staff) {
    o["assignee"] = r.assignee ? boost::json::value(*r.assignee) : nullptr;
    // Staff only: the other request may be someone else's filing for the
    // same NIK, which its subject has no business learning of.
    o["duplicate_of"] = r.duplicate_of ? boost::json::value(*r.duplicate_of) : nullptr;
    boost::json::array segments;
    for (const auto& s : clock_segments(w, r.events))
      segments.push_back({{"start", format_rfc3339(s.start)}, {"end", instant(s.end)}, {"paused", s.paused},
                          {"cause", s.cause}});
    o["clock_segments"] = std::move(segments);
  }
  boost::json::array history;
  for (const auto& e : r.events) {
    boost::json::object h{{"event", e.name}, {"at", format_rfc3339(e.at)}, {"status", e.to_state}};
    if (!e.reason.empty() && (staff || e.reason_public)) h["reason"] = e.reason;
    if (staff) h["actor"] = e.actor.principal;
    if (!e.outcome.empty()) h["outcome"] = e.outcome;
    // What the event recorded besides (counts, a prohibition's end, an
    // assignee): the journal holds no personal data.
    if (staff && !e.data.empty()) h["data"] = data_of(e);
    history.push_back(std::move(h));
  }
  o["history"] = std::move(history);
  boost::json::array allowed;
  for (const auto& e : allowed_events) allowed.emplace_back(e);
  o["allowed_events"] = std::move(allowed);
  if (staff) {
    // What each allowed event asks of the caller, so that a console offers
    // a reason box where one is required and says which reasons the
    // subject will see.
    boost::json::object rules;
    for (const auto& e : allowed_events)
      if (const Transition* t = w.find(r.state, e))
        rules[e] = {{"reason", to_string(t->reason)}, {"public", t->reason_public},
                    {"notice_prohibition", t->notice_prohibition}};
    o["event_rules"] = std::move(rules);
  }
  return o;
}

boost::json::object summary_view(const RequestSummary& s, bool open, TimePoint now, const std::string& time_zone) {
  return {{"id", s.id},
          {"type", s.type},
          {"status", s.state},
          {"version", s.version},
          {"policy", s.policy},
          {"received_at", format_rfc3339(s.received_at)},
          {"due_at", instant(s.due_at)},
          {"extended", s.extended},
          {"open", open},
          {"overdue", open && s.due_at && *s.due_at < now},
          {"time_zone", time_zone},
          {"assignee", s.assignee ? boost::json::value(*s.assignee) : nullptr},
          {"duplicate_of", s.duplicate_of ? boost::json::value(*s.duplicate_of) : nullptr}};
}

boost::json::object event_view(const Event& e) {
  return {{"sequence", e.sequence},
          {"event", e.name},
          {"actor", e.actor.principal},
          {"role", to_string(e.actor.role)},
          {"at", format_rfc3339(e.at)},
          {"reason", e.reason},
          {"reason_public", e.reason_public},
          {"from", e.from_state},
          {"to", e.to_state},
          {"clock", to_string(e.clock)},
          {"outcome", e.outcome},
          {"data", data_of(e)}};
}

}  // namespace dsr::api
