#include "engine/breach_notices.hpp"

#include <set>

#include "engine/json_fields.hpp"

namespace dsr {
namespace {

// The subjects the notice reaches: those named, or the organisation's.
Result<std::vector<std::string>> affected(const SubjectVault& vault, const boost::json::object& details, int& not_on_file) {
  std::string organization = text_of(details, "organization");
  if (!organization.empty()) return vault.find_by_organization(organization);
  std::set<std::string> refs;
  for (const auto& nik : texts_of(details, "niks")) {
    auto ref = vault.find_by_nik(nik);
    if (!ref) return fail(ref.error());
    if (ref->has_value()) refs.insert(**ref);
    else ++not_on_file;
  }
  return std::vector<std::string>(refs.begin(), refs.end());
}

}  // namespace

Result<BreachNotices> breach_notices(const SubjectNotices& notices, const Request& request,
                                     const boost::json::object& details, const std::string& time_zone) {
  BreachNotices out;
  auto refs = affected(notices.vault(), details, out.not_on_file);
  if (!refs) return fail(refs.error());
  // In Indonesian: dsr holds no language preference on a record, and the
  // notice is BSrE's to its own certificate holders.
  const std::string locale = "id";
  const MessageCatalog& catalog = notices.catalog();
  auto when = [&](std::string_view key) {
    auto t = parse_rfc3339(text_of(details, key));
    return t ? catalog.format_time(locale, *t, time_zone) : text_of(details, key);
  };
  std::string categories;
  for (const auto& c : texts_of(details, "categories")) categories += (categories.empty() ? "" : ", ") + c;
  MessageCatalog::Variables variables{{"description", text_of(details, "description")},
                                      {"occurred_at", when("occurred_at")},
                                      {"discovered_at", when("discovered_at")},
                                      {"categories", categories},
                                      {"measures", text_of(details, "measures")}};
  for (const auto& ref : *refs) {
    auto m = notices.compose_to(ref, request, "breach_notice", variables, locale);
    if (!m) return fail(m.error());
    if (*m) out.messages.push_back(std::move(**m));
    else ++out.without_address;
  }
  return out;
}

}  // namespace dsr
