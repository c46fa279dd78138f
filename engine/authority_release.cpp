#include "engine/authority_release.hpp"

#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "engine/json_fields.hpp"
#include "engine/portable_export.hpp"

namespace dsr {
namespace {

// The categories asked for that this record holds: a further category the
// record lacks is not disclosed, so the ledger does not say it was.
std::vector<std::string> held(const SubjectRecord& record, const std::vector<std::string>& asked) {
  std::vector<std::string> out;
  for (const auto& category : record_categories(record))
    if (std::find(asked.begin(), asked.end(), category) != asked.end()) out.push_back(category);
  return out;
}

}  // namespace

Result<AuthorityRelease> authority_release(const SubjectNotices& notices, const Request& request,
                                           const boost::json::object& details, TimePoint released_at,
                                           const std::string& released_by, std::optional<TimePoint> prohibited_until,
                                           const std::string& time_zone) {
  AuthorityRelease out;
  const std::string authority = text_of(details, "recipient_id");
  const std::string legal_basis = text_of(details, "legal_basis");
  const std::string document_ref = text_of(details, "document_ref");
  const std::vector<std::string> asked = texts_of(details, "categories");
  // In Indonesian, as the breach notice: dsr keeps no language per record.
  const std::string locale = "id";
  const MessageCatalog& catalog = notices.catalog();
  std::set<std::string> seen;
  for (const auto& nik : texts_of(details, "niks")) {
    auto ref = notices.vault().find_by_nik(nik);
    if (!ref) return fail(ref.error());
    if (!ref->has_value()) {
      ++out.not_on_file;
      continue;
    }
    if (!seen.insert(**ref).second) continue;  // named twice
    auto record = notices.vault().get(**ref);
    if (!record) return fail(record.error());
    std::vector<std::string> categories = held(*record, asked);
    boost::json::array listed;
    for (const auto& c : categories) listed.emplace_back(c);
    boost::json::object fields{{"release", {{"categories", listed}, {"subject", record_excerpt(*record, categories)}}},
                               {"legal_basis", legal_basis},
                               {"document_ref", document_ref}};
    Disclosure disclosure{**ref,
                          authority,
                          categories,
                          fmt::format("{} ({}); demanded by the authority, request {}", legal_basis, document_ref,
                                      request.id),
                          released_at,
                          released_by,
                          "",
                          prohibited_until};
    out.released.push_back({nik, boost::json::serialize(fields), std::move(disclosure)});

    std::string category_text;
    for (const auto& c : categories) category_text += (category_text.empty() ? "" : ", ") + c;
    MessageCatalog::Variables variables{{"authority", text_of(details, "recipient_name")},
                                        {"legal_basis", legal_basis},
                                        {"document_ref", document_ref},
                                        {"categories", category_text},
                                        {"disclosed_at", catalog.format_time(locale, released_at, time_zone)}};
    auto message = notices.compose_to(**ref, request, "authority_disclosure", std::move(variables), locale);
    if (!message) return fail(message.error());
    if (!*message) {
      ++out.without_address;
      continue;
    }
    (*message)->not_before = prohibited_until;
    out.notices.push_back(std::move(**message));
  }
  return out;
}

}  // namespace dsr
