#include "api/subject_views.hpp"

namespace dsr::api {

boost::json::value restriction_view(const std::optional<Restriction>& restriction) {
  if (!restriction) return nullptr;
  boost::json::array categories;
  for (const auto& c : restriction->categories) categories.emplace_back(c);
  return boost::json::object{{"since", format_rfc3339(restriction->since)}, {"categories", std::move(categories)}};
}

boost::json::object consent_view(const ConsentEntry& e) {
  const Consent& c = e.consent;
  return {{"id", e.id},
          {"purpose", c.purpose},
          {"status", c.status},
          {"policy_version", c.policy_version},
          {"at", format_rfc3339(c.at)},
          {"channel", c.channel},
          {"evidence_ref", c.evidence_ref},
          {"request_id", c.request_id.empty() ? boost::json::value(nullptr) : boost::json::value(c.request_id)},
          {"recorded_by", c.recorded_by},
          {"recorded_at", format_rfc3339(e.recorded_at)}};
}

boost::json::array consents_view(const std::vector<ConsentEntry>& entries) {
  boost::json::array out;
  for (const auto& e : entries) out.push_back(consent_view(e));
  return out;
}

boost::json::object access_entry_view(const AccessEntry& e, bool with_principal) {
  boost::json::array fields;
  for (const auto& f : e.fields) fields.emplace_back(f);
  boost::json::object o{{"at", format_rfc3339(e.at)},
                        {"role", to_string(e.role)},
                        {"request_id", e.request_id.empty() ? boost::json::value(nullptr) : boost::json::value(e.request_id)},
                        {"fields", std::move(fields)},
                        {"route", e.route}};
  if (with_principal) o["principal"] = e.principal;
  return o;
}

}  // namespace dsr::api
