#include "storage/rights_rows.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <fmt/format.h>

#include <algorithm>

#include "engine/portable_export.hpp"
#include "storage/crypto.hpp"

namespace dsr::storage {

std::string categories_text(const std::vector<std::string>& categories) {
  boost::json::array out;
  for (const auto& c : categories) out.emplace_back(c);
  return boost::json::serialize(out);
}

std::vector<std::string> categories_from_text(std::string_view text) {
  std::vector<std::string> out;
  boost::system::error_code ec;
  auto parsed = boost::json::parse(text, ec);
  if (ec || !parsed.is_array()) return out;
  for (const auto& c : parsed.get_array())
    if (c.is_string()) out.emplace_back(c.get_string());
  return out;
}

Restriction merged_restriction(const std::optional<Restriction>& in_force, const Restriction& placed) {
  if (!in_force) return placed;
  Restriction out = placed;
  out.since = std::min(in_force->since, placed.since);
  if (in_force->categories.empty() || placed.categories.empty()) {
    out.categories.clear();
    return out;
  }
  for (const auto& c : in_force->categories)
    if (std::find(out.categories.begin(), out.categories.end(), c) == out.categories.end()) out.categories.push_back(c);
  std::sort(out.categories.begin(), out.categories.end());
  return out;
}

std::optional<Restriction> standing_restriction(const std::vector<Restriction>& placed) {
  std::optional<Restriction> out;
  for (const auto& r : placed) {
    bool earlier = !out || r.since < out->since;
    Restriction merged = merged_restriction(out, r);
    merged.request_id = earlier ? r.request_id : out->request_id;
    out = std::move(merged);
  }
  return out;
}

std::vector<Restriction> without_request(std::vector<Restriction> placed, std::string_view request_id) {
  std::erase_if(placed, [&](const Restriction& r) { return r.request_id == request_id; });
  return placed;
}

std::string notice_fields(const Fulfilment& f, const RequestHeader& request, const SubjectRecord& record, TimePoint now,
                          const std::optional<Restriction>& still_restricted) {
  boost::system::error_code ec;
  auto fields = boost::json::parse(f.notice_json, ec);
  boost::json::object out = (!ec && fields.is_object()) ? fields.get_object() : boost::json::object{};
  if (f.transfer_to) out["export"] = portable_export(record, request.id, now);
  if (f.lift_restriction && out.contains("restriction") && out["restriction"].is_object()) {
    boost::json::value standing = nullptr;
    if (still_restricted) {
      boost::json::array categories;
      for (const auto& c : still_restricted->categories) categories.emplace_back(c);
      standing = boost::json::object{{"since", format_rfc3339(still_restricted->since)}, {"categories", std::move(categories)}};
    }
    out["restriction"].as_object()["still_restricted"] = std::move(standing);
  }
  return boost::json::serialize(out);
}

Disclosure transfer_disclosure(const RequestHeader& request, const SubjectRecord& record,
                               const std::string& recipient_id, TimePoint at, const std::string& recorded_by) {
  return Disclosure{request.subject_ref,
                    recipient_id,
                    record_categories(record),
                    "transmitted at the subject's request to the controller they named (UU PDP Pasal 13 ayat (2); "
                    "request " + request.id + ")",
                    at,
                    recorded_by,
                    ""};
}

Error no_record_to_act_on(const RequestHeader& request) {
  return Error(ErrorCode::conflict,
               fmt::format("request {}: dsr holds no record of its subject to act on (none was on file, or it was "
                           "erased); reject the request with a reason that says so", request.id),
               "no_record");
}

Error released_subject_gone(const RequestHeader& request) {
  return Error(ErrorCode::conflict,
               fmt::format("request {}: a subject it releases was erased while it was being approved; nothing was "
                           "released: approve again", request.id),
               "subject_erased");
}

Error no_restriction_to_lift(const RequestHeader& request) {
  return Error(ErrorCode::conflict,
               fmt::format("request {}: the restriction it placed is no longer on the subject's record", request.id),
               "no_restriction");
}

std::string new_consent_id() { return "c-" + random_id(12); }
std::string new_disclosure_id() { return "d-" + random_id(12); }

}  // namespace dsr::storage
